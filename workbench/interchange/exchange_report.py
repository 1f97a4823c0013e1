"""What a project import did, item by item: brought in, changed, not brought in and why."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from workbench.codebooks.files import LeavesOut
from workbench.core.i18n import _


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
        values = {
            "file": self.filename,
            "added": self.documents_added,
            "known": self.documents_known,
            "codings": self.codings,
            "version": self.codebook_version,
            "dropped": len(self.dropped),
        }
        # Each combination is a whole sentence, so that a language can order it as it needs.
        if self.applied:
            done = _(
                "%(file)s: %(added)s documents added (%(known)s already present), %(codings)s "
                "codings applied",
                **values,
            )
        else:
            done = _(
                "%(file)s: %(added)s documents added (%(known)s already present), %(codings)s "
                "codings to apply",
                **values,
            )
        if self.codebook_version:
            done = _("%(done)s, codebook version %(version)s", done=done, version=values["version"])
        if self.dropped:
            return _(
                "%(done)s; %(dropped)s item(s) NOT imported (listed below).",
                done=done,
                dropped=values["dropped"],
            )
        return _("%(done)s; nothing left out.", done=done)

    def lines(self) -> list[tuple[str, bool]]:
        """The whole report as lines of text for the terminal, each with whether it is a problem."""
        out = [(self.summary(), False)]
        out += [(_("offsets: %(what)s", what=r), False) for r in self.readings]
        out += [(_("changed: %(what)s", what=c), False) for c in self.changes]
        if self.split_selections:
            split = _("split: %(n)s selections cut at passage boundaries", n=self.split_selections)
            out.append((split, False))
        if self.created_coders:
            names = ", ".join(self.created_coders)
            out.append((_("created inactive coders: %(names)s", names=names), False))
        out += [(_("warning: %(what)s", what=w), True) for w in self.warnings]
        out += [(_("NOT imported: %(what)s", what=d), True) for d in self.dropped]
        return out
