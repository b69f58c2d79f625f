"""S3's XML documents: writing results and errors, reading request bodies.

Results are plain dicts in boto3's shape; a list value repeats its element (S3's flattened
lists such as ``Contents`` and ``CommonPrefixes``), a dict nests, datetimes are written as
``2009-10-12T17:50:30.000Z``, booleans as ``true``/``false``, and None is left out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from workbench.storage.errors import MalformedXML

NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return timestamp(value)
    return str(value)


def _fill(parent: ET.Element, members: dict[str, Any]) -> None:
    for name, value in members.items():
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            child = ET.SubElement(parent, name)
            if isinstance(item, dict):
                _fill(child, item)
            else:
                child.text = _text(item)


def document(root: str, members: dict[str, Any] | str, *, namespace: bool = True) -> bytes:
    """A whole XML document with ``root`` as its element; a str ``members`` is the root's text."""
    element = ET.Element(root, {"xmlns": NAMESPACE} if namespace else {})
    if isinstance(members, str):
        element.text = members
    else:
        _fill(element, members)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def parse(body: bytes, root: str) -> ET.Element:
    """The request document, namespaces removed; MalformedXML unless its root is ``root``."""
    try:
        element = ET.fromstring(body)
    except ET.ParseError as exc:
        raise MalformedXML() from exc
    for node in element.iter():
        if isinstance(node.tag, str) and "}" in node.tag:
            node.tag = node.tag.split("}", 1)[1]
    if element.tag != root:
        raise MalformedXML()
    return element


def child_text(element: ET.Element, name: str) -> str | None:
    found = element.find(name)
    return None if found is None else (found.text or "")
