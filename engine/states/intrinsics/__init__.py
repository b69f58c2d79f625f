"""Amazon States Language intrinsic functions (``States.Format(...)`` and friends).

``parse`` turns an expression into a frozen ``IntrinsicCall`` tree (the definition validator
calls it on every ``"x.$": "States...."`` value); ``evaluate`` runs a tree, asking the caller
to resolve ``$``/``$$``/``$variable`` arguments so this package never reads state data itself.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.states.intrinsics.functions import IMPLEMENTATIONS, Call, IntrinsicFailure
from engine.states.intrinsics.parser import (
    FUNCTION_NAMES,
    Argument,
    IntrinsicCall,
    IntrinsicSyntaxError,
    Literal,
    PathArgument,
    StringLiteral,
    is_intrinsic,
    parse,
)
from engine.states.model import JSON, Environment

__all__ = [
    "FUNCTION_NAMES",
    "Argument",
    "IntrinsicCall",
    "IntrinsicFailure",
    "IntrinsicSyntaxError",
    "Literal",
    "PathArgument",
    "StringLiteral",
    "evaluate",
    "is_intrinsic",
    "parse",
]


def evaluate(expression: str | IntrinsicCall, resolve_path: Callable[[str], JSON], env: Environment) -> JSON:
    """The value of the call. Path errors from ``resolve_path`` propagate unchanged;
    argument errors raise IntrinsicFailure; a malformed string raises IntrinsicSyntaxError."""
    call = parse(expression) if isinstance(expression, str) else expression
    return _evaluate_call(call, resolve_path, env)


def _evaluate_call(call: IntrinsicCall, resolve_path: Callable[[str], JSON], env: Environment) -> JSON:
    values = [_evaluate_argument(argument, resolve_path, env) for argument in call.arguments]
    escapes = None
    if call.name == "States.Format" and call.arguments and isinstance(call.arguments[0], StringLiteral):
        escapes = call.arguments[0].escaped_braces
    return IMPLEMENTATIONS[call.name](Call(call.name, values, env, escapes))


def _evaluate_argument(argument: Argument, resolve_path: Callable[[str], JSON], env: Environment) -> JSON:
    if isinstance(argument, IntrinsicCall):
        return _evaluate_call(argument, resolve_path, env)
    if isinstance(argument, PathArgument):
        return resolve_path(argument.path)
    return argument.value
