"""What an import of codings found and changed, row by row: the report every such import gives."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import TypedDict

from workbench.core import limits
from workbench.core.i18n import _
from workbench.formats.codebook_xlsx import ImportProblem
from workbench.formats.xmlsafe import ExchangeError


class ImportOptions(TypedDict, total=False):
    """How an import of codings goes: partly when some rows cannot come in, creating coders."""

    allow_partial: bool
    create_coders: bool
    memo_limit: int


@dataclass(frozen=True)
class Upload:
    """A file of codings handed in: its name (which tells the format), its bytes, the options."""

    filename: str
    data: bytes
    options: ImportOptions = field(default_factory=lambda: ImportOptions())

    def settings(self) -> tuple[bool, bool, int]:
        """(allow_partial, create_coders, memo_limit) of the options, defaults filled in."""
        return (
            self.options.get("allow_partial", False),
            self.options.get("create_coders", False),
            self.options.get("memo_limit", limits.MEMO),
        )


@dataclass
class ImportReport:
    """What an import found and (if it applied anything) what it changed."""

    kind: str
    filename: str
    rows: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    applied: bool = False
    applied_rows: int = 0
    skipped_rows: int = 0
    codings_set: int = 0
    codings_removed: int = 0
    passages_done: int = 0
    created_coders: list[str] = field(default_factory=list)
    documents_added: int = 0
    documents_known: int = 0
    codebook_version: int | None = None
    consensus_passages: int = 0

    @property
    def problem_rows(self) -> int:
        """How many distinct rows have a problem."""
        return len({(p.sheet, p.row) for p in self.problems if p.row})

    def settle(self, partial: bool) -> ImportReport:
        """Close an applied import: applied whole, or partly when ``partial`` allows it."""
        # Something may still fail while applying (a consensus the passage cannot take): then
        # the caller rolls everything back unless partial imports are allowed.
        self.applied = partial or not self.problems
        self.skipped_rows = self.problem_rows
        return self

    def summary(self) -> str:
        """One sentence for the page or the terminal."""
        if not self.applied:
            return _(
                "%(file)s: nothing was applied; %(problems)s problem(s) in %(bad)s of %(rows)s "
                "rows.",
                file=self.filename,
                problems=len(self.problems),
                bad=self.problem_rows,
                rows=self.rows,
            )
        # Each part is a phrase of its own, so that a language can word it as it needs.
        parts = []
        if self.documents_added or self.documents_known:
            parts.append(
                _(
                    "%(added)s documents added (%(known)s already present)",
                    added=self.documents_added,
                    known=self.documents_known,
                )
            )
        if self.codebook_version is not None:
            parts.append(_("codebook version %(n)s", n=self.codebook_version))
        if self.consensus_passages:
            parts.append(_("%(n)s adjudicated passages", n=self.consensus_passages))
        if self.created_coders:
            parts.append(_("coders created: %(names)s", names=", ".join(self.created_coders)))
        parts.append(
            _(
                "%(set)s codings set, %(removed)s removed, %(done)s passages marked coded",
                set=self.codings_set,
                removed=self.codings_removed,
                done=self.passages_done,
            )
        )
        done = _(
            "%(file)s: applied %(n)s rows: %(parts)s",
            file=self.filename,
            n=self.applied_rows,
            parts=_(", ").join(parts),
        )
        if self.problems:
            return _(
                "%(done)s; NOT applied: %(problems)s item(s) listed above (%(bad)s rows).",
                done=done,
                problems=len(self.problems),
                bad=self.problem_rows,
            )
        return _("%(done)s.", done=done)


def failed_file(kind: str, filename: str, exc: ExchangeError) -> ImportReport:
    """The report of a file that could not be read at all: its problems, nothing applied."""
    problems = list(getattr(exc, "problems", [])) or [ImportProblem(None, None, None, str(exc))]
    return ImportReport(kind, filename, problems=problems)
