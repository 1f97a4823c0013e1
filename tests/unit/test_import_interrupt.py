"""Ctrl-C during a command-line import stops it between two batches, without a traceback."""

from __future__ import annotations

import os
import signal

import click
import pytest

from workbench.cli.documents import _interruptible


def test_ctrl_c_stops_at_the_next_batch_and_restores_the_handler() -> None:
    before = signal.getsignal(signal.SIGINT)
    seen = []
    with pytest.raises(click.Abort):
        for batch in _interruptible(iter([1, 2, 3, 4])):
            seen.append(batch)
            if batch == 2:
                os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C would, mid-store
    assert seen == [1, 2]  # the batch being stored finishes; the next is not taken
    assert signal.getsignal(signal.SIGINT) is before


def test_without_ctrl_c_every_batch_comes_through() -> None:
    assert list(_interruptible(iter(range(5)))) == [0, 1, 2, 3, 4]
