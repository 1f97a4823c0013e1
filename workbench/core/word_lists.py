"""Word lists shipped as package data in workbench/data/words, one file per list."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def word_list(name: str) -> frozenset[str]:
    """The words of data/words/<name>.txt: white-space separated, '#' lines are comments."""
    text = resources.files("workbench").joinpath("data", "words", f"{name}.txt").read_text("utf-8")
    return frozenset(
        word for line in text.splitlines() if not line.startswith("#") for word in line.split()
    )
