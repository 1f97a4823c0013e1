"""The preview of a new layout: what happens to every coding, listed before anything changes."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core.corpus.remap import Outcome
from workbench.core.i18n import N_
from workbench.core.i18n import _
from workbench.documents import snapshot as snapshots
from workbench.documents.passage_layout import Layout
from workbench.documents.passage_layout import fingerprint_of
from workbench.documents.passage_layout import made_codable
from workbench.documents.passage_layout import outcomes_of
from workbench.models import Code
from workbench.models import Document
from workbench.models import Quotation
from workbench.models import ReliabilityRound
from workbench.models import User

KIND_LABELS = {
    "annotation": N_("coding"),
    "passage_state": N_("coder's passage state"),
    "consensus_annotation": N_("consensus code"),
    "consensus_state": N_("consensus decision"),
    "assignment": N_("assignment"),
}
EXCERPT = 160
# Outcomes the lead should look at: copied to both halves, combined, turned into a selection.
_REVIEW = ("copied", "combined", "span")


@dataclass
class Line:
    """One row of the preview: a carried thing, whose it is, its text and what happens to it."""

    kind: str
    who: str
    code: str
    stance: int | None
    old_ordinal: int
    new_ordinals: list[int]
    excerpt: str
    status: str
    reason: str
    memo: str = ""


@dataclass
class Preview:
    """What a new layout does to a document, shown before the lead confirms."""

    document: Document
    layout: Layout
    old_count: int
    new_count: int
    kept_passages: int
    fingerprint: str
    counts: dict[str, int] = field(default_factory=dict)
    stuck: list[Line] = field(default_factory=list)
    review: list[Line] = field(default_factory=list)
    made_codable: list[int] = field(default_factory=list)
    rounds: list[tuple[str, int]] = field(default_factory=list)
    # The passages that go (their ids), and the traced quotations that go with them.
    gone: set[int] = field(default_factory=set)
    quotations: int = 0

    @property
    def changes_anything(self) -> bool:
        """Tell whether the layout differs from the current passages."""
        return self.kept_passages != self.old_count or self.new_count != self.old_count


def preview(session: Session, document: Document, layout: Layout) -> Preview:
    """Work out what the layout does to every coding on the document, changing nothing."""
    snap = snapshots.capture(session, document.id)
    outcomes = outcomes_of(document, snap, layout)
    old = {(p["start_offset"], p["end_offset"]) for p in snap["passage"]}
    result = Preview(
        document=document,
        layout=layout,
        old_count=len(snap["passage"]),
        new_count=len(layout.passages),
        kept_passages=sum(1 for p in layout.passages if (p.start, p.end) in old),
        fingerprint=fingerprint_of(snap, layout),
    )
    lines = _Lines(session, document, snap, layout)
    for outcome in outcomes:
        key = f"{outcome.item.kind}:{outcome.status}"
        result.counts[key] = result.counts.get(key, 0) + 1
        if outcome.status == "stuck":
            result.stuck.append(lines.line(outcome))
        elif outcome.status in _REVIEW and outcome.item.kind != "assignment":
            result.review.append(lines.line(outcome))
    result.rounds = _rounds_touched(session, snap, outcomes)
    order = [_(label) for label in KIND_LABELS.values()]
    for lines_ in (result.stuck, result.review):
        lines_.sort(key=lambda line: (line.old_ordinal, order.index(line.kind), line.who))
    result.made_codable = [i + 1 for i in made_codable(layout, outcomes, old)]
    kept = {(p.start, p.end) for p in layout.passages}
    result.gone = {
        int(p["id"]) for p in snap["passage"] if (p["start_offset"], p["end_offset"]) not in kept
    }
    if result.gone:
        on_them = Quotation.report_passage_id.in_(result.gone) | Quotation.statement_passage_id.in_(
            result.gone
        )
        result.quotations = session.scalar(select(func.count(Quotation.id)).where(on_them)) or 0
    return result


def _rounds_touched(
    session: Session, snap: snapshots.Snapshot, outcomes: list[Outcome]
) -> list[tuple[str, int]]:
    """Reliability rounds whose sample changes: round assignments not kept on their passage."""
    rows = {r["id"]: r for r in snap["assignment"]}
    touched: dict[int, int] = {}
    for o in outcomes:
        round_id = rows[o.item.id]["round_id"] if o.item.kind == "assignment" else None
        if round_id is not None and o.status != "kept":
            touched[round_id] = touched.get(round_id, 0) + 1
    if not touched:
        return []
    names = dict(
        session.execute(
            select(ReliabilityRound.id, ReliabilityRound.name).where(
                ReliabilityRound.id.in_(list(touched))
            )
        )
        .tuples()
        .all()
    )
    return sorted((str(names.get(i, i)), n) for i, n in touched.items())


class _Lines:
    """Names and excerpts for the preview's rows."""

    def __init__(
        self, session: Session, document: Document, snap: snapshots.Snapshot, layout: Layout
    ) -> None:
        self.text = document.text
        self.rows = {(n, r["id"]): r for n, rows in snap.items() for r in rows}
        self.ordinals = {p["id"]: p["ordinal"] for p in snap["passage"]}
        self.users = dict(session.execute(select(User.id, User.display_name)).tuples().all())
        self.codes = dict(
            session.execute(
                select(Code.id, Code.name).where(Code.project_id == document.project_id)
            )
            .tuples()
            .all()
        )

    def line(self, outcome: Outcome) -> Line:
        item = outcome.item
        row = self.rows[(item.kind, item.id)]
        excerpt = _short(self.text[item.start : item.end])
        coder = row.get("coder_id")
        who = _("consensus") if coder is None else self.users.get(int(coder), "?")
        return Line(
            kind=_(KIND_LABELS[item.kind]),
            who=str(who),
            code=str(self.codes.get(int(row["code_id"]), "")) if "code_id" in row else "",
            stance=row.get("stance"),
            old_ordinal=self.ordinals[row["passage_id"]] + 1,
            new_ordinals=[p.index + 1 for p in outcome.placements],
            excerpt=excerpt,
            status=outcome.status,
            reason=outcome.reason or _reason(outcome),
            memo=_short(str(row.get("memo") or "")),
        )


def _short(text: str) -> str:
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _reason(outcome: Outcome) -> str:
    if outcome.status == "combined" and outcome.into is not None:
        return _("combined with the same code of the same coder next to it")
    if outcome.status == "combined":
        return _("now covers the text of the neighbouring ones it was combined with")
    if outcome.status == "span":
        return _("its passage became part of a bigger one: it is now a selection in it")
    return ""
