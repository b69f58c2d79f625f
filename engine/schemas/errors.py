"""The one fault this package raises: schema content that is not what its type claims.

AWS answers such content with BadRequestException (schemas API, CreateSchema/UpdateSchema);
the shell maps this error onto that code.
"""

from __future__ import annotations


class SchemaContentError(ValueError):
    """Content refused; ``fault`` names what is wrong and where."""

    def __init__(self, fault: str) -> None:
        super().__init__(fault)
        self.fault = fault
