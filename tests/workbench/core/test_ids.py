"""core.ids: identifiers in AWS's version 4 UUID form, different each time and in a forked child."""

from __future__ import annotations

import os
import random
import uuid

import pytest

from workbench.core import ids
from workbench.core.ids import random_id


def test_an_id_is_a_version_4_uuid_and_ids_differ() -> None:
    made = [random_id() for _ in range(1000)]
    assert len(set(made)) == 1000
    for text in made[:50]:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_a_forked_child_makes_other_ids_than_its_parent() -> None:
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # the child writes its next id and leaves at once
        os.write(writer, random_id().encode())
        os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    in_child = os.read(reader, 64).decode()
    os.close(reader)
    assert uuid.UUID(in_child).version == 4
    assert in_child != random_id()


def test_an_id_is_the_text_uuid_makes_of_the_same_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The id is spelled out by hand; ``uuid.UUID(int=..., version=4)`` is the reference."""
    draws = random.Random(7)
    monkeypatch.setattr(ids, "_source", random.Random(7))
    for _ in range(5000):
        expected = str(uuid.UUID(int=draws.getrandbits(128), version=4))
        assert random_id() == expected
