"""What an export or an analysis covers: documents, coders, codes, dates and the layer (pure).

Layers:
- ``coders`` — every coder in scope, side by side (one column block per coder in the passage
  matrix; counts in analyses are passages where at least one of them applied the code);
- ``coder:<username>`` — one coder's codings;
- ``consensus`` — the adjudicated layer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from typing import Literal

LayerKind = Literal["coders", "coder", "consensus"]
_DATE_RE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


class ScopeError(ValueError):
    """A scope or layer that cannot be understood; the message says which part."""


@dataclass(frozen=True)
class Layer:
    """Whose codings: all coders, one coder (by username), or the consensus."""

    kind: LayerKind = "coders"
    coder: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> Layer:
        """Read "coders", "consensus" or "coder:NAME"."""
        raw = (text or "coders").strip()
        if raw in ("coders", "consensus"):
            return cls(raw)  # type: ignore[arg-type]
        kind, _sep, name = raw.partition(":")
        if kind == "coder" and name.strip():
            return cls("coder", name.strip())
        raise ScopeError(f"layer '{raw}': use coders, consensus or coder:USERNAME")

    def __str__(self) -> str:
        return f"coder:{self.coder}" if self.kind == "coder" else self.kind


@dataclass(frozen=True)
class ExportScope:
    """Filters of an export or analysis; empty tuples and strings mean "everything"."""

    document_ids: tuple[int, ...] = ()
    coder_ids: tuple[int, ...] = ()
    code_ids: tuple[int, ...] = ()
    date_from: str = ""
    date_to: str = ""
    layer: Layer = field(default_factory=Layer)
    bootstrap: int = 1000

    def __post_init__(self) -> None:
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value and not _DATE_RE.fullmatch(value):
                raise ScopeError(f"{name} '{value}': use YYYY, YYYY-MM or YYYY-MM-DD")
        if self.bootstrap < 0:
            raise ScopeError("bootstrap: give 0 or a positive number of replicates")

    @property
    def filtered(self) -> bool:
        """Tell whether anything narrows the project."""
        return bool(
            self.document_ids or self.coder_ids or self.code_ids or self.date_from or self.date_to
        )

    def date_upper(self) -> str:
        """The inclusive upper bound for ISO date text ("2020" includes "2020-12-31")."""
        return self.date_to + "\uffff" if self.date_to else ""
