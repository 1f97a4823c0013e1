"""Agreement data from the database: scopes, coding records, unit metadata, the consensus layer.

Rules (the agreement package's, applied to stored codings):
- A unit is a codable passage. A coder's (passage) pair counts as coded only when the coder's
  PassageState says coded; annotations of a passage the coder reopened are ignored, and a
  passage the coder never marked coded is missing, not "no code".
- A coded passage with no annotation in the report's codes is one record with code None
  ("nothing applies").
- Codes are live, applicable codes named by their path ("Cooperation > Capacity-building"), in
  codebook order; codes that take no stance never carry one.
- The consensus layer is the reference layer: every passage with a ConsensusState, with its
  consensus codes, as records of the coder "consensus".
Everything is read with plain column selects, so 100k+ annotations load without ORM objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.codebooks import codes as codebooks
from workbench.core.agreement import CodingRecord
from workbench.core.errors import NotFound
from workbench.core.i18n import _
from workbench.models import Annotation
from workbench.models import Assignment
from workbench.models import Code
from workbench.models import ConsensusAnnotation
from workbench.models import ConsensusState
from workbench.models import Document
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Project
from workbench.models import ReliabilityRound
from workbench.models import User

CONSENSUS = "consensus"


@dataclass(frozen=True)
class Scope:
    """Which codings a report covers; None means no restriction."""

    round_id: int | None = None
    coder_ids: tuple[int, ...] | None = None
    doc_ids: tuple[int, ...] | None = None
    code_ids: tuple[int, ...] | None = None
    passage_ids: tuple[int, ...] | None = None
    pairable_only: bool = False  # only passages coded by two or more of the scope's coders


@dataclass
class AgreementData:
    """Coding records of a scope with what a report needs to label them."""

    records: list[CodingRecord]
    codes: list[str]
    code_ids: dict[str, int]
    coders: dict[str, str]  # username -> display name
    coder_ids: dict[str, int]
    stance_scale: tuple[float, ...]
    unit_meta: dict[int, dict[str, str | None]] = field(default_factory=dict)


def get_round(session: Session, project: Project, round_id: int) -> ReliabilityRound:
    """Return a round of this project, refusing rounds of other projects."""
    rnd = session.get(ReliabilityRound, round_id)
    if rnd is None or rnd.project_id != project.id:
        raise NotFound(
            _("Round %(round)s is not a reliability round of this project.", round=round_id)
        )
    return rnd


def round_coder_ids(session: Session, rnd: ReliabilityRound) -> tuple[int, ...]:
    """The coders chosen for a round (gold trainees added later are not among them)."""
    chosen = rnd.sample.get("coder_ids") if isinstance(rnd.sample, dict) else None
    if chosen:
        return tuple(int(c) for c in chosen)
    trainees = set(rnd.sample.get("trainee_ids", [])) if isinstance(rnd.sample, dict) else set()
    assigned = session.scalars(
        select(Assignment.coder_id).where(Assignment.round_id == rnd.id).distinct()
    )
    return tuple(sorted(c for c in assigned if c not in trainees))


def report_codes(
    session: Session, project: Project, code_ids: Iterable[int] | None = None
) -> list[tuple[int, str]]:
    """(id, path) of the live, applicable codes in codebook order; optionally a checked subset."""
    codes = codebooks.all_codes(session, project)
    paths = codebooks.code_paths(codes)
    live = [c for c in codes if c.deleted_at is None]
    ordered = [(c.id, paths[c.id]) for c, _ in codebooks.tree_order(live) if c.is_codable]
    if code_ids is None:
        return ordered
    wanted = list(dict.fromkeys(code_ids))
    known = {cid for cid, _ in ordered}
    unknown = [cid for cid in wanted if cid not in known]
    if unknown:
        raise NotFound(
            _(
                "Code %(code)s is not an applicable code of this project's codebook.",
                code=unknown[0],
            )
        )
    return [(cid, path) for cid, path in ordered if cid in set(wanted)]


def scope_for(
    session: Session,
    project: Project,
    *,
    round_id: int | None = None,
    doc_ids: Iterable[int] | None = None,
    code_ids: Iterable[int] | None = None,
    coder_ids: Iterable[int] | None = None,
) -> Scope:
    """Check and build a scope: a round's passages and coders, documents, codes."""
    coders = tuple(coder_ids) if coder_ids is not None else None
    if round_id is not None:
        rnd = get_round(session, project, round_id)
        coders = coders if coders is not None else round_coder_ids(session, rnd)
    docs = tuple(dict.fromkeys(doc_ids)) if doc_ids is not None else None
    if docs:
        found = set(
            session.scalars(
                select(Document.id).where(Document.project_id == project.id, Document.id.in_(docs))
            )
        )
        missing = [d for d in docs if d not in found]
        if missing:
            raise NotFound(_("Document %(document)s is not in this project.", document=missing[0]))
    codes = tuple(cid for cid, _ in report_codes(session, project, code_ids)) if code_ids else None
    return Scope(round_id=round_id, coder_ids=coders, doc_ids=docs or None, code_ids=codes)


def _passage_filtered(scope: Scope) -> bool:
    return (
        scope.doc_ids is not None
        or scope.passage_ids is not None
        or scope.round_id is not None
        or scope.pairable_only
    )


def in_scope(stmt: Select[Any], project: Project, scope: Scope) -> Select[Any]:
    """Restrict a statement joined to Passage to the scope's codable passages."""
    stmt = stmt.where(Passage.project_id == project.id, Passage.codable.is_(True))
    if scope.doc_ids is not None:
        stmt = stmt.where(Passage.document_id.in_(scope.doc_ids))
    if scope.passage_ids is not None:
        stmt = stmt.where(Passage.id.in_(scope.passage_ids))
    if scope.round_id is not None:
        stmt = stmt.where(
            Passage.id.in_(
                select(Assignment.passage_id).where(Assignment.round_id == scope.round_id)
            )
        )
    if scope.pairable_only:
        coded = select(PassageState.passage_id).where(
            PassageState.project_id == project.id, PassageState.coded.is_(True)
        )
        if scope.coder_ids is not None:
            coded = coded.where(PassageState.coder_id.in_(scope.coder_ids))
        pairable = coded.group_by(PassageState.passage_id).having(func.count() >= 2)
        stmt = stmt.where(Passage.id.in_(pairable))
    return stmt


def scoped(
    stmt: Select[Any], passage_col: Any, project_col: Any, project: Project, scope: Scope
) -> Select[Any]:
    """Restrict a one-table statement to the scope's codable passages without joining Passage.

    Every join plan depends on table statistics; right after a bulk import (before ANALYZE) a
    join on passage + project indexes turned a seconds-long report into many minutes on
    PostgreSQL. An IN / NOT IN subquery on the passage column plans well either way."""
    if _passage_filtered(scope):
        ids = in_scope(select(Passage.id), project, scope).scalar_subquery()
        return stmt.where(passage_col.in_(ids))
    closed = (
        select(Passage.id)
        .where(Passage.project_id == project.id, Passage.codable.is_(False))
        .scalar_subquery()
    )
    return stmt.where(project_col == project.id, passage_col.not_in(closed))


def _codes_of(
    session: Session, project: Project, scope: Scope
) -> tuple[list[str], dict[int, str], set[int]]:
    codes = report_codes(session, project, scope.code_ids)
    stance_codes = set(
        session.scalars(
            select(Code.id).where(Code.project_id == project.id, Code.takes_stance.is_(True))
        )
    )
    return [p for _, p in codes], dict(codes), stance_codes


@dataclass
class Codings:
    """A scope's raw codings: coded (passage, coder id) pairs and applications of its codes."""

    pairs: list[tuple[int, Any]]
    applied: list[tuple[int, Any, str, Any]]  # passage, coder id, code path, stance
    users: dict[int, tuple[str, str]]  # coder id -> (username, display name)


def _records(codings: Codings, name: dict[Any, str]) -> list[CodingRecord]:
    """One record per application, and one "nothing applies" record per other coded pair."""
    with_code = {(p, c) for p, c, _, _ in codings.applied}
    records = [CodingRecord(p, name[c], path, s) for p, c, path, s in codings.applied]
    records += [CodingRecord(p, name[c], None) for p, c in codings.pairs if (p, c) not in with_code]
    return records


def coding_rows(session: Session, project: Project, scope: Scope) -> Codings:
    """The coders' coded pairs and applications in the scope (plain rows, no ORM objects).

    Rows come in the database's order: no report statistic depends on the order of units."""
    _, paths, stance_codes = _codes_of(session, project, scope)
    pair_stmt = select(PassageState.passage_id, PassageState.coder_id).where(
        PassageState.coded.is_(True)
    )
    if scope.coder_ids is not None:
        pair_stmt = pair_stmt.where(PassageState.coder_id.in_(scope.coder_ids))
    # Through the Core connection: column rows skip the ORM's loading machinery (3x faster).
    conn = session.connection()
    pair_stmt = scoped(pair_stmt, PassageState.passage_id, PassageState.project_id, project, scope)
    pairs = [(p, c) for p, c in conn.execute(pair_stmt)]
    # Annotations are matched to the coded pairs here rather than by a join (see ``scoped``),
    # and codes are filtered here too: an IN list on code_id makes SQLite walk the code index
    # and fetch rows at random, several times slower on a large project.
    ann_stmt = scoped(
        select(Annotation.passage_id, Annotation.coder_id, Annotation.code_id, Annotation.stance),
        Annotation.passage_id,
        Annotation.project_id,
        project,
        scope,
    )
    coded = set(pairs)
    path_of = paths.get
    applied = [
        (p, c, path, s if k in stance_codes else None)
        for p, c, k, s in conn.execute(ann_stmt)
        if (path := path_of(k)) is not None and (p, c) in coded
    ]
    coder_ids = sorted({c for _, c in pairs})
    users = {
        int(i): (str(u), str(n))
        for i, u, n in session.execute(
            select(User.id, User.username, User.display_name).where(User.id.in_(coder_ids))
        )
    }
    return Codings(pairs, applied, users)


def coding_records(
    session: Session, project: Project, scope: Scope
) -> tuple[list[CodingRecord], dict[int, tuple[str, str]]]:
    """The coders' records in the scope, and coder id -> (username, display name)."""
    rows = coding_rows(session, project, scope)
    return _records(rows, {i: u for i, (u, _) in rows.users.items()}), rows.users


def passage_codings(
    session: Session, project: Project, scope: Scope
) -> dict[int, dict[str, dict[str, Any]]]:
    """passage -> coder (username) -> {code path: stance}; {} is "coded, nothing applies"."""
    rows = coding_rows(session, project, scope)
    name = {i: u for i, (u, _) in rows.users.items()}
    out: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for p, c in rows.pairs:
        out[p][name[c]] = {}
    for p, c, path, stance in rows.applied:
        out[p].setdefault(name[c], {})[path] = stance
    return out


def _consensus_states(project: Project, scope: Scope) -> Select[Any]:
    """The passage ids of the scope that carry a consensus state."""
    return scoped(
        select(ConsensusState.passage_id),
        ConsensusState.passage_id,
        ConsensusState.project_id,
        project,
        scope,
    )


def consensus_records(session: Session, project: Project, scope: Scope) -> list[CodingRecord]:
    """The consensus layer in the scope, as records of the coder "consensus"."""
    _, paths, stance_codes = _codes_of(session, project, scope)
    states = _consensus_states(project, scope)
    applied = scoped(
        select(
            ConsensusAnnotation.passage_id, ConsensusAnnotation.code_id, ConsensusAnnotation.stance
        ),
        ConsensusAnnotation.passage_id,
        ConsensusAnnotation.project_id,
        project,
        scope,
    )
    conn = session.connection()
    done = {p for (p,) in conn.execute(states)}
    rows = Codings(
        pairs=sorted((p, CONSENSUS) for p in done),
        applied=sorted(
            (p, CONSENSUS, paths[k], s if k in stance_codes else None)
            for p, k, s in conn.execute(applied)
            if k in paths and p in done
        ),
        users={},
    )
    return _records(rows, {CONSENSUS: CONSENSUS})


def unit_meta(session: Session, project: Project, scope: Scope) -> dict[int, dict[str, str | None]]:
    """Per passage: language, original language, speech (original/translated), delegation,
    document type and document."""
    stmt = select(
        Passage.id,
        Passage.language,
        Passage.original_language,
        Passage.delegation,
        Document.doc_type,
        Document.title,
        Document.id,
    ).join(Document, Document.id == Passage.document_id)
    rows = session.connection().execute(in_scope(stmt, project, scope)).all()
    titles: dict[str, set[int]] = defaultdict(set)
    for *_meta, title, doc_id in rows:
        titles[title].add(doc_id)
    meta: dict[int, dict[str, str | None]] = {}
    for pid, lang, orig, delegation, doc_type, title, doc_id in rows:
        label = title if len(titles[title]) == 1 else f"{title} (#{doc_id})"
        meta[int(pid)] = {
            "language": lang,
            "original_language": orig,
            "speech": "original" if orig is None or orig == lang else "translated",
            "delegation": delegation,
            "doc_type": doc_type,
            "document": label,
        }
    return meta


def load(session: Session, project: Project, scope: Scope, *, meta: bool = True) -> AgreementData:
    """The scope's coding records, codes, coders, stance scale and (optionally) unit metadata."""
    codes, paths, _ = _codes_of(session, project, scope)
    records, users = coding_records(session, project, scope)
    scale = tuple(sorted(float(s.value) for s in codebooks.stance_scale(project)))
    return AgreementData(
        records=records,
        codes=codes,
        code_ids={path: cid for cid, path in paths.items()},
        coders={u: n for u, n in users.values()},
        coder_ids={u: cid for cid, (u, _) in users.items()},
        stance_scale=scale,
        unit_meta=unit_meta(session, project, scope) if meta else {},
    )


def differing_codes(codings: dict[str, dict[str, int | float | None]]) -> set[str]:
    """Codes on which coders of one passage differ, in presence or in stance."""
    if len(codings) < 2:
        return set()
    every = set().union(*codings.values())
    return {code for code in every if len({(code in c, c.get(code)) for c in codings.values()}) > 1}


def adjudicated_ids(session: Session, project: Project, scope: Scope) -> set[int]:
    """The passages of the scope that carry an adjudicated consensus."""
    return {int(p) for p in session.scalars(_consensus_states(project, scope))}
