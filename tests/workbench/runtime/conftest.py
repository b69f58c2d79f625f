"""The in-process broker and recovery fixtures (tests/support/inprocess.py)."""

from tests.support.inprocess import broker, no_grace, own_sweeps

__all__ = ["broker", "no_grace", "own_sweeps"]
