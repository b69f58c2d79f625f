"""A trie of wanted paths turned into one straight-line Python function that pulls their leaves.

Gathering the leaves is half the cost of matching an event, and in a generic walk most of that
is the interpreter looping over the trie, not the dictionary lookups themselves. So the trie is
compiled once per change of the rules' path set into code like::

    value = get0(key3, MISSING)              # "detail"
    if type(value) is dict:
        if not dotted3.isdisjoint(value):
            raise DottedKey
        get1 = value.get
        value = get1(key4, MISSING)          # "detail.merchantId"
        if type(value) is str: values[7] = value
        elif value is not MISSING: plain_value(value, node4, values, counter)
    elif value is not MISSING:
        plain_value(value, node3, values, counter)

Strings (the common leaf) are stored inline; anything else (numbers, arrays, objects where a leaf
was expected) goes to ``leaves.plain_value``, so the result is exactly the generic walk's. No
text from rules or events enters the source: keys, trie nodes and dotted spellings are bound as
numbered names, and the source holds only those names and slot numbers.
"""

from __future__ import annotations

from engine.events.patterns.leaves import MISSING, DottedKey, Extractor, PathTrie, array_value, plain_value

MAX_NODES = 400  # beyond this the generic walk is used: the code would be long to compile


def compile_extractor(trie: PathTrie) -> Extractor | None:
    """The extractor for this trie, or None when the trie is too large to be worth compiling."""
    names: dict[str, object] = {
        "MISSING": MISSING,
        "DottedKey": DottedKey,
        "plain_value": plain_value,
        "array_value": array_value,
        "enumerate": enumerate,
        "list": list,
        "dict": dict,
        "str": str,
        "type": type,
    }
    lines = ["def extract(event, values, counter):"]
    if not _emit_level(trie, 0, "event", lines, names, [0]):
        return None
    code = compile("\n".join(lines) + "\n", "<event pattern leaf extractor>", "exec")
    exec(code, names)
    extract: Extractor = names["extract"]  # type: ignore[assignment]
    return extract


def _emit_level(
    node: PathTrie,
    depth: int,
    holder: str,
    lines: list[str],
    names: dict[str, object],
    count: list[int],
    membership: str | None = None,
) -> bool:
    """Code for the children of ``node``, whose object is in the variable ``holder``.

    ``membership`` names the variable holding the array element the object sits in, when it sits
    in one (only one level of arrays is compiled; deeper ones go to the generic walk)."""
    pad = "    " * (depth + 1)
    if node.spellings is not None:
        names[f"dotted{count[0]}"] = node.spellings
        lines.append(f"{pad}if not dotted{count[0]}.isdisjoint({holder}):")
        lines.append(f"{pad}    raise DottedKey")
    lines.append(f"{pad}get{depth} = {holder}.get")
    for key, child in node.steps:
        count[0] += 1
        if count[0] > MAX_NODES:
            return False
        number = count[0]
        names[f"key{number}"] = key
        names[f"node{number}"] = child
        generic = (
            f"plain_value(value, node{number}, values, counter)"
            if membership is None
            else f"array_value(value, node{number}, {membership}, values, counter)"
        )
        lines.append(f"{pad}value = get{depth}(key{number}, MISSING)")
        if child.steps:
            lines.append(f"{pad}if type(value) is dict:")
            if not _emit_level(child, depth + 1, "value", lines, names, count, membership):
                return False
            if membership is None:
                lines.append(f"{pad}elif type(value) is list:")
                if not _emit_array(child, number, depth + 1, lines, names, count):
                    return False
            lines.append(f"{pad}elif value is not MISSING:")
            lines.append(f"{pad}    {generic}")
        elif child.slot:
            lines.append(f"{pad}if type(value) is str:")
            if membership is None:
                lines.append(f"{pad}    values[{child.slot}] = value")
            else:
                lines.append(f"{pad}    bucket = values[{child.slot}]")
                lines.append(f"{pad}    if bucket is MISSING:")
                lines.append(f"{pad}        values[{child.slot}] = [(value, {membership})]")
                lines.append(f"{pad}        counter[1] += 1")
                lines.append(f"{pad}    else:")
                lines.append(f"{pad}        bucket.append((value, {membership}))")
            lines.append(f"{pad}elif value is not MISSING:")
            lines.append(f"{pad}    {generic}")
    return True


def _emit_array(
    node: PathTrie, number: int, depth: int, lines: list[str], names: dict[str, object], count: list[int]
) -> bool:
    """Code for an array (in ``value``) outside any other array, at the path of ``node``."""
    pad = "    " * (depth + 1)
    element = f"element{number}"
    lines.append(f"{pad}counter[0] += 1")
    lines.append(f"{pad}array{number} = counter[0]")
    lines.append(f"{pad}for index{number}, item{number} in enumerate(value):")
    lines.append(f"{pad}    {element} = ((array{number}, index{number}),)")
    lines.append(f"{pad}    if type(item{number}) is dict:")
    if not _emit_level(node, depth + 2, f"item{number}", lines, names, count, element):
        return False
    lines.append(f"{pad}    else:")
    lines.append(f"{pad}        array_value(item{number}, node{number}, {element}, values, counter)")
    return True
