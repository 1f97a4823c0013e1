"""Links between documents, their aligned pairs and traced quotations, in a .qdpx's extra.json.

REFI-QDA has no place for a translation's alignment or a report's quotations. The export writes
them under ``translations`` in ``workbench/extra.json``, naming documents by their GUIDs and
passages by their ordinal in the document, so the import can put them back onto the documents
it makes. Alignment pairs (the lead's corrections included) come back only onto documents the
import made, whose passages are the exported ones; a quotation comes back where the passages
still hold the quoted words. Whatever cannot come back is listed in the import's report.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core.errors import Conflict
from workbench.core.errors import DomainError
from workbench.core.i18n import _
from workbench.interchange.exchange_report import ExchangeReport
from workbench.interchange.qdpx_layers import iso_time
from workbench.interchange.qdpx_layers import parse_time
from workbench.models import QUOTE_KINDS
from workbench.models import AlignmentPair
from workbench.models import Document
from workbench.models import DocumentLink
from workbench.models import Membership
from workbench.models import Passage
from workbench.models import Project
from workbench.models import Quotation
from workbench.models import User
from workbench.translations import links as document_links

# The relations an aligned pair may have (the table's check constraint).
RELATIONS = frozenset(("1-1", "1-n", "n-1", "n-n", "source-only", "target-only"))
# Columns of a quotation written as they are (the passages and documents are named apart).
_QUOTE_FIELDS = (
    "report_start",
    "report_end",
    "report_text",
    "statement_start",
    "statement_end",
    "statement_text",
    "kind",
    "score",
    "quoted",
)


def translations_layer(
    session: Session, project: Project, doc_guid: Callable[[int], str]
) -> dict[str, Any]:
    """The project's document links (with aligned pairs) and quotations, for extra.json."""
    link_rows = list(
        session.scalars(
            select(DocumentLink)
            .where(DocumentLink.project_id == project.id)
            .order_by(DocumentLink.id)
        )
    )
    pairs: dict[int, list[AlignmentPair]] = {}
    if link_rows:
        for pair in session.scalars(
            select(AlignmentPair)
            .where(AlignmentPair.link_id.in_([link.id for link in link_rows]))
            .order_by(AlignmentPair.link_id, AlignmentPair.position)
        ):
            pairs.setdefault(pair.link_id, []).append(pair)
    quotes = list(
        session.scalars(
            select(Quotation).where(Quotation.project_id == project.id).order_by(Quotation.id)
        )
    )
    wanted = {u[0] for p in pairs.values() for pair in p for u in _units(pair)}
    wanted |= {q.report_passage_id for q in quotes} | {q.statement_passage_id for q in quotes}
    ordinal = _ordinals(session, wanted)
    names = dict(session.execute(select(User.id, User.username)).tuples().all())
    return {
        "links": [
            {
                "source": doc_guid(link.source_id),
                "target": doc_guid(link.target_id),
                "kind": link.kind,
                "created_by": names.get(link.created_by_id) if link.created_by_id else None,
                "created_at": iso_time(link.created_at),
                "pairs": [
                    [
                        pair.position,
                        pair.relation,
                        [[ordinal[u[0]], u[1], u[2]] for u in pair.source_units],
                        [[ordinal[u[0]], u[1], u[2]] for u in pair.target_units],
                        bool(pair.corrected),
                    ]
                    for pair in pairs.get(link.id, [])
                ],
            }
            for link in link_rows
        ],
        "quotations": [
            {
                "report": doc_guid(q.report_id),
                "statement": doc_guid(q.statement_id),
                "report_passage": ordinal[q.report_passage_id],
                "statement_passage": ordinal[q.statement_passage_id],
                **{name: getattr(q, name) for name in _QUOTE_FIELDS},
            }
            for q in quotes
        ],
    }


def _units(pair: AlignmentPair) -> list[list[int]]:
    return [*pair.source_units, *pair.target_units]


def _ordinals(session: Session, passage_ids: set[int]) -> dict[int, int]:
    ids = sorted(passage_ids)
    out: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Passage.id, Passage.ordinal).where(Passage.id.in_(ids[start : start + 500]))
        )
        out.update(rows.tuples().all())
    return out


class Placed:
    """The documents of an import by their GUIDs: the id each has now, and which it made."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.made: set[str] = set()
        self.titles: dict[str, str] = {}

    def add(self, guid: str, doc_id: int, title: str, made: bool) -> None:
        """Say where the file's document ``guid`` went, and whether this import made it."""
        self.ids[guid] = doc_id
        self.titles[guid] = title
        if made:
            self.made.add(guid)


def restore_translations(
    session: Session,
    project: Project,
    actor: User,
    data: Any,
    placed: Placed,
    report: ExchangeReport,
) -> None:
    """Put back the file's document links, aligned pairs and quotations (see the module)."""
    if not isinstance(data, dict):
        return
    passages = _Passages(session)
    for key, restore in (("links", _restore_link), ("quotations", _restore_quotation)):
        items = data.get(key) or []
        for item in items if isinstance(items, list) else [items]:
            if not _readable(item):
                report.dropped.append(
                    _("a link between documents in the file was not imported: it is not readable")
                    if key == "links"
                    else _("a quotation in the file was not imported: it is not readable")
                )
                continue
            restore(session, project, actor, item, placed, passages, report)


# What each field of a link or quotation must be; anything else makes the item unreadable.
_STRINGS = ("source", "target", "report", "statement", "kind", "report_text", "statement_text")
_COUNTS = ("report_passage", "statement_passage", "report_start", "report_end")
_COUNTS_TOO = ("statement_start", "statement_end")
_LARGEST = 2**31 - 1  # a column of the database's integers
_SURROGATE = re.compile("[\ud800-\udfff]")


def _plain_text(value: object) -> bool:
    """Text a database stores and a page shows: no NUL, no lone surrogate."""
    return isinstance(value, str) and "\x00" not in value and not _SURROGATE.search(value)


def _readable(item: object) -> bool:
    """Whether a link or quotation of extra.json has the types and ranges an export writes."""
    if not isinstance(item, dict):
        return False
    for key in (*_STRINGS, "created_by", "created_at"):
        value = item.get(key)
        if value is None and key in ("created_by", "created_at"):
            continue
        if key in item and not _plain_text(value):
            return False
    for key in (*_COUNTS, *_COUNTS_TOO):
        value = item.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _LARGEST:
            return False
    score = item.get("score", 0.0)
    if isinstance(score, bool) or not isinstance(score, int | float):
        return False
    if abs(score) > 1e9 or not math.isfinite(score):  # the size first: a huge int overflows
        return False
    pairs = item.get("pairs", [])
    if not isinstance(pairs, list):
        return False
    for pair in pairs:
        if not isinstance(pair, list) or len(pair) != 5:
            return False
        position = pair[0]
        if isinstance(position, bool) or not isinstance(position, int):
            return False
        if not 0 <= position <= _LARGEST:
            return False
    return True


class _Passages:
    """A document's passages by ordinal, read once per document."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._by_doc: dict[int, dict[int, Passage]] = {}

    def of(self, doc_id: int) -> dict[int, Passage]:
        if doc_id not in self._by_doc:
            self._by_doc[doc_id] = {
                p.ordinal: p
                for p in self._session.scalars(select(Passage).where(Passage.document_id == doc_id))
            }
        return self._by_doc[doc_id]


def _name(placed: Placed, guid: object) -> str:
    return placed.titles.get(str(guid), str(guid))


def _restore_link(
    session: Session,
    project: Project,
    actor: User,
    link: dict[str, Any],
    placed: Placed,
    passages: _Passages,
    report: ExchangeReport,
) -> None:
    source, target = link.get("source"), link.get("target")
    what = _(
        "the link from %(source)s to %(target)s",
        source=_name(placed, source),
        target=_name(placed, target),
    )
    if source not in placed.ids or target not in placed.ids:
        report.dropped.append(
            _("%(what)s not imported: a document of it is not in the file", what=what)
        )
        return
    documents = [session.get(Document, placed.ids[str(g)]) for g in (source, target)]
    assert documents[0] is not None and documents[1] is not None
    try:
        with session.begin_nested():
            made = document_links.link_documents(
                session, project, documents[0], documents[1], str(link.get("kind")), actor
            )
    except Conflict as error:
        there = session.scalar(
            select(DocumentLink).where(
                DocumentLink.source_id == documents[0].id,
                DocumentLink.target_id == documents[1].id,
                DocumentLink.kind == str(link.get("kind")),
            )
        )
        if there is None:  # linked the other way round, or as the other kind
            report.dropped.append(_("%(what)s not imported: %(why)s", what=what, why=error))
        return  # else the same link is there already: nothing is lost
    except DomainError as error:  # an unknown kind ...
        report.dropped.append(_("%(what)s not imported: %(why)s", what=what, why=error))
        return
    made.created_at = parse_time(str(link.get("created_at") or "")) or made.created_at
    creator = link.get("created_by")
    if isinstance(creator, str) and creator:
        # A member of this project only: an import never names another account.
        known = session.scalar(
            select(User.id)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.project_id == project.id, User.username == creator)
        )
        if known is not None:
            made.created_by_id = known
    pairs = link.get("pairs") or []
    if not pairs:
        return
    if not {source, target} <= placed.made:
        report.dropped.append(
            _(
                "%(what)s: its aligned pairs not imported (a document was already in the "
                "project, with passages of its own); it is aligned afresh when opened",
                what=what,
            )
        )
        return
    rows = _pairs(pairs, passages.of(placed.ids[str(source)]), passages.of(placed.ids[str(target)]))
    if rows is None:
        report.dropped.append(
            _("%(what)s: its aligned pairs not imported (unknown passages)", what=what)
        )
        return
    for position, relation, s_units, t_units, corrected in rows:
        session.add(
            AlignmentPair(
                link_id=made.id,
                position=position,
                relation=relation,
                source_units=s_units,
                target_units=t_units,
                corrected=corrected,
            )
        )


def _pairs(
    pairs: list[Any], source: dict[int, Passage], target: dict[int, Passage]
) -> list[tuple[int, str, list[list[int]], list[list[int]], bool]] | None:
    out = []
    try:
        for position, relation, s_units, t_units, corrected in pairs:
            mapped = []
            for units, passages in ((s_units, source), (t_units, target)):
                here = []
                for ordinal, start, end in units:
                    passage = passages.get(ordinal)
                    if not (isinstance(start, int) and isinstance(end, int)):
                        return None
                    if passage is None or not 0 <= start <= end <= len(passage.text):
                        return None
                    here.append([passage.id, start, end])
                mapped.append(here)
            if relation not in RELATIONS or not isinstance(position, int):
                return None
            out.append((position, str(relation), mapped[0], mapped[1], corrected is True))
    except (TypeError, ValueError):  # not the lists of lists an export writes
        return None
    if len({row[0] for row in out}) != len(out):
        return None
    return out


def _restore_quotation(
    session: Session,
    project: Project,
    _actor: User,
    quote: dict[str, Any],
    placed: Placed,
    passages: _Passages,
    report: ExchangeReport,
) -> None:
    report_guid, statement_guid = quote.get("report"), quote.get("statement")
    what = _(
        "a quotation of %(statement)s in %(report)s (“%(words)s”)",
        statement=_name(placed, statement_guid),
        report=_name(placed, report_guid),
        words=str(quote.get("report_text", ""))[:40],
    )
    if report_guid not in placed.ids or statement_guid not in placed.ids:
        report.dropped.append(
            _("%(what)s not imported: a document of it is not in the file", what=what)
        )
        return
    report_id, statement_id = placed.ids[str(report_guid)], placed.ids[str(statement_guid)]
    if report_id == statement_id:
        report.dropped.append(_("%(what)s not imported: a report cannot quote itself", what=what))
        return
    sides = []
    for side, doc_id in (("report", report_id), ("statement", statement_id)):
        passage = passages.of(doc_id).get(quote.get(f"{side}_passage"))  # type: ignore[arg-type]
        start, end = quote.get(f"{side}_start"), quote.get(f"{side}_end")
        words = quote.get(f"{side}_text")
        if (
            passage is None
            or not isinstance(start, int)
            or not isinstance(end, int)
            or not isinstance(words, str)
            or not 0 <= start < end <= len(passage.text)
            # The stretch holds the words, trimmed of a comma or space at an edge; a
            # statement's words may run on into the next passage, whose first part is here.
            or not (words in passage.text[start:end] or passage.text[start:end] in words)
        ):
            report.dropped.append(
                _("%(what)s not imported: the passage no longer holds those words", what=what)
            )
            return
        sides.append(passage.id)
    fields = {name: quote.get(name) for name in _QUOTE_FIELDS}
    score = fields["score"]
    if (
        fields["kind"] not in QUOTE_KINDS
        or not isinstance(score, int | float)
        or isinstance(score, bool)
        or not isinstance(fields["quoted"], bool)
    ):
        report.dropped.append(
            _("%(what)s not imported: its kind, score or mark is not readable", what=what)
        )
        return
    known = session.scalar(
        select(Quotation.id).where(
            Quotation.report_passage_id == sides[0],
            Quotation.statement_passage_id == sides[1],
            Quotation.report_start == fields["report_start"],
            Quotation.report_end == fields["report_end"],
            Quotation.statement_start == fields["statement_start"],
            Quotation.statement_end == fields["statement_end"],
        )
    )
    if known is not None:
        return
    session.add(
        Quotation(
            project_id=project.id,
            report_id=report_id,
            statement_id=statement_id,
            report_passage_id=sides[0],
            statement_passage_id=sides[1],
            **fields,
        )
    )
