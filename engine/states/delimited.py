"""The text-delimited ("CSV") dialect a Distributed Map's ItemReader reads.

Python's ``csv`` module is close but not the same: AWS documents its own rules ("How Step
Functions parses input CSV files", step-functions/latest/dg/example-csv-parse-dist-map.html):

* records end at a newline; a field in double quotes may hold the delimiter and newlines;
* a doubled double quote is a literal ``"`` wherever it appears: AWS's own example reads the
  unquoted field ``{""MyKey"":""MyValue""}`` as ``{"MyKey":"MyValue"}``;
* a backslash escapes a backslash, a double quote or the delimiter; a backslash before any
  other character is silently removed (the character stays).

Where the documentation is silent we choose, and say so: an empty line is no record (so a
trailing newline adds nothing), ``""`` alone between delimiters is an empty field, and a
quote left open at the end of the text is an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}
"""ReaderConfig.CSVDelimiter values and the character each stands for (default COMMA)."""


class DelimitedSyntaxError(ValueError):
    """The text cannot be split into records; ``line`` is where the fault starts (1-based)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Record:
    """One record: its fields, the line it starts on, and where it sits in the text."""

    fields: list[str]
    line: int
    start: int
    length: int


def records(text: str, delimiter: str = ",") -> Iterator[Record]:
    """Split ``text`` into records lazily, so a caller that needs only N records reads only those."""
    reader = _Reader(text, delimiter)
    while True:
        record = reader.next_record()
        if record is None:
            return
        if record.fields != [""] or record.length > 0:
            yield record


class _Reader:
    """A small state machine over the text; one instance reads one text once."""

    def __init__(self, text: str, delimiter: str) -> None:
        self.text = text
        self.delimiter = delimiter
        self.position = 0
        self.line = 1

    def next_record(self) -> Record | None:
        text, size = self.text, len(self.text)
        if self.position >= size:
            return None
        start, start_line = self.position, self.line
        fields: list[str] = []
        field: list[str] = []
        field_started = False
        quoted = False
        quote_line = self.line
        i = self.position
        while i < size:
            char = text[i]
            if char == "\\":
                following = text[i + 1] if i + 1 < size else ""
                if following and following in ("\\", '"', self.delimiter):
                    field.append(following)
                    i += 2
                else:
                    i += 1
                field_started = True
                continue
            if char == '"':
                doubled = i + 1 < size and text[i + 1] == '"'
                if not field_started and not quoted:
                    after = text[i + 2] if i + 2 < size else ""
                    if doubled and after in ("", self.delimiter, "\n", "\r"):
                        i += 2
                    else:
                        quoted = True
                        quote_line = self.line
                        i += 1
                elif doubled:
                    field.append('"')
                    i += 2
                else:
                    quoted = not quoted
                    quote_line = self.line
                    i += 1
                field_started = True
                continue
            if not quoted and char == self.delimiter:
                fields.append("".join(field))
                field, field_started = [], False
                i += 1
                continue
            if not quoted and char in "\r\n":
                end = i
                i += 2 if char == "\r" and i + 1 < size and text[i + 1] == "\n" else 1
                self.line += 1
                fields.append("".join(field))
                self.position = i
                return Record(fields, start_line, start, end - start)
            if char == "\n":
                self.line += 1
            field.append(char)
            field_started = True
            i += 1
        if quoted:
            raise DelimitedSyntaxError(
                f"The quoted field that starts on line {quote_line} is never closed", quote_line
            )
        fields.append("".join(field))
        self.position = size
        return Record(fields, start_line, start, size - start)
