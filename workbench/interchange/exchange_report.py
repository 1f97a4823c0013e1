"""What a project import did, item by item: brought in, changed, not brought in and why."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from workbench.codebooks.files import LeavesOut


@dataclass
class ExchangeReport(LeavesOut):
    """What a project import did (or, in a preview, would do)."""

    filename: str
    documents_added: int = 0
    documents_known: int = 0
    codebook_version: int | None = None
    codings: int = 0
    split_selections: int = 0
    merged_selections: int = 0
    passages_done: int = 0
    created_coders: list[str] = field(default_factory=list)
    # Deviations from the standard that were read anyway, and other notes.
    warnings: list[str] = field(default_factory=list)
    # Items not brought in, each with its reason; any makes the import partial.
    dropped: list[str] = field(default_factory=list)
    # Passages merged, widened or made codable so that foreign selections keep their text.
    changes: list[str] = field(default_factory=list)
    # Per source: how its offsets were read, and the evidence.
    readings: list[str] = field(default_factory=list)
    applied: bool = True

    def summary(self) -> str:
        """One sentence for the page or the terminal."""
        left = (
            f"; {len(self.dropped)} item(s) NOT imported (listed below)"
            if self.dropped
            else "; nothing left out"
        )
        return (
            f"{self.filename}: {self.documents_added} documents added "
            f"({self.documents_known} already present), {self.codings} codings "
            + ("applied" if self.applied else "to apply")
            + (f", codebook version {self.codebook_version}" if self.codebook_version else "")
            + left
            + "."
        )

    def lines(self) -> list[str]:
        """The whole report as lines of text, for the terminal."""
        out = [self.summary()]
        out += [f"offsets: {r}" for r in self.readings]
        out += [f"changed: {c}" for c in self.changes]
        if self.split_selections:
            out.append(f"split: {self.split_selections} selections cut at passage boundaries")
        if self.created_coders:
            out.append("created inactive coders: " + ", ".join(self.created_coders))
        out += [f"warning: {w}" for w in self.warnings]
        out += [f"NOT imported: {d}" for d in self.dropped]
        return out
