"""The codings of an exported workbook coming back in: checked into a plan, then applied.

Each coding, coded state and consensus row is checked against the project (passages brought
in, applicable codes, the stance scale, members or coders to create, times); what passes goes
into the plan and the rest is reported with its sheet, row and column. Applying goes through
the coding services, then restores the file's own times and code revisions.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.core import limits
from workbench.formats import coding_sheet as cs
from workbench.formats.codebook_xlsx import ImportProblem
from workbench.formats.times import parse_utc
from workbench.formats.workbook_read import ANNOTATIONS
from workbench.formats.workbook_read import CODED
from workbench.formats.workbook_read import WorkbookContent
from workbench.interchange.consensus_import import Consensus
from workbench.interchange.consensus_import import apply_consensus
from workbench.interchange.import_report import ImportReport
from workbench.interchange.project_lookup import ProjectLookup
from workbench.interchange.project_lookup import create_coder
from workbench.interchange.project_lookup import not_member_message
from workbench.models import Annotation
from workbench.models import Code
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Project
from workbench.models import User


@dataclass
class _Coding:
    row: int
    passage: Passage
    coder: str
    code: Code
    stance: int | None
    memo: str
    span: coding.Span | None
    made_under: int | None
    revision: int | None
    created: dt.datetime | None
    updated: dt.datetime | None
    suggestion_shown: bool = False
    suggestion_accepted: bool = False


@dataclass
class Plan:
    """What an import will write: codings, coded states and the consensus, all checked."""

    codings: list[_Coding] = field(default_factory=list)
    states: list[tuple[Passage, str, bool, str, dt.datetime | None]] = field(default_factory=list)
    consensus: Consensus = field(default_factory=lambda: defaultdict(dict))
    consensus_times: dict[int, dt.datetime | None] = field(default_factory=dict)
    consensus_notes: dict[int, str] = field(default_factory=dict)  # the Coded row's memo


def plan_codings(
    session: Session,
    project: Project,
    content: WorkbookContent,
    by_old: dict[int, Passage],
    create_coders: bool,
    memo_limit: int,
    report: ImportReport,
) -> Plan:
    """Check every coding and state; what passes goes into the plan, the rest is reported."""
    lookup = ProjectLookup(session, project)
    live = codebooks.live_codes(session, project)
    by_key = {c.key: c for c in live}
    paths = codebooks.code_paths(live)
    by_path = {paths[c.id].casefold(): c for c in live}
    allowed = [s.value for s in codebooks.stance_scale(project)]
    plan = Plan()

    def bad(sheet: str, row: int, column: str, message: str) -> None:
        report.problems.append(ImportProblem(sheet, row, column, message))

    def coder(name: str, sheet: str, row: int) -> str | None:
        found = lookup.coder(name) if name else None
        if found is None and create_coders and name.strip():
            return "+" + name.strip()
        if found is None:
            bad(sheet, row, "coder", not_member_message(name) if name else "coder is empty")
        return found

    def time(sheet: str, row: int, column: str, text: str) -> tuple[bool, dt.datetime | None]:
        try:
            return True, parse_utc(text)
        except ValueError:
            bad(sheet, row, column, f"'{text}' is not an ISO 8601 time")
            return False, None

    for c in content.codings:
        passage = by_old.get(c.old_passage_id)
        code = by_key.get(c.code_key) or by_path.get(c.code_path.casefold())
        if passage is None:
            bad(ANNOTATIONS, c.row, "passage_id", f"passage {c.old_passage_id} is not imported")
            continue
        if code is None or not code.is_codable:
            bad(ANNOTATIONS, c.row, "code_path", f"'{c.code_path}' is not an applicable code")
            continue
        try:
            stance = cs.parse_stance(c.stance, allowed) if code.takes_stance else None
        except ValueError as exc:
            bad(ANNOTATIONS, c.row, "stance", str(exc))
            continue
        if len(c.memo) > memo_limit:
            bad(ANNOTATIONS, c.row, "memo", f"the memo is over the {memo_limit:,}-character limit")
            continue
        ok_created, created = time(ANNOTATIONS, c.row, "created_at", c.created_at)
        ok_updated, updated = time(ANNOTATIONS, c.row, "updated_at", c.updated_at)
        if not (ok_created and ok_updated):
            continue
        if c.layer == "consensus":
            plan.consensus[passage.id][code.id] = (stance, c.memo)
            plan.consensus_times[passage.id] = updated
            continue
        span = None
        if c.span_start or c.span_end:
            a, b = limits.counting_number(c.span_start), limits.counting_number(c.span_end)
            if a is None or b is None or not 0 <= a < b <= len(passage.text):
                where = f"{c.span_start[:20]}-{c.span_end[:20]}"
                bad(ANNOTATIONS, c.row, "span_start", f"span {where} is not inside the passage")
                continue
            span = coding.Span(a, b)
        who = coder(c.coder, ANNOTATIONS, c.row)
        if who is not None:
            plan.codings.append(
                _Coding(
                    c.row,
                    passage,
                    who,
                    code,
                    stance,
                    c.memo,
                    span,
                    c.codebook_version,
                    c.code_revision,
                    created,
                    updated,
                    c.suggestion_shown,
                    c.suggestion_accepted,
                )
            )
    for st in content.states:
        passage = by_old.get(st.old_passage_id)
        if passage is None:
            bad(CODED, st.row, "passage_id", f"passage {st.old_passage_id} is not imported")
            continue
        ok, updated = time(CODED, st.row, "updated_at", st.updated_at)
        if not ok:
            continue
        if len(st.memo) > memo_limit:
            bad(CODED, st.row, "passage_memo", f"the memo is over the {memo_limit:,} limit")
            continue
        if st.layer == "consensus":
            plan.consensus.setdefault(passage.id, {})
            plan.consensus_times[passage.id] = updated
            plan.consensus_notes[passage.id] = st.memo  # why it was resolved so
            continue
        who = coder(st.coder, CODED, st.row)
        if who is not None:
            plan.states.append((passage, who, st.coded, st.memo, updated))
    return plan


def apply_plan(
    session: Session,
    project: Project,
    actor: User,
    plan: Plan,
    report: ImportReport,
    memo_limit: int,
) -> None:
    """Write the plan through the coding services, then restore the file's own times."""
    version = codebooks.current_version(session, project)
    users: dict[str, User] = {}

    def user(name: str) -> User:
        if name not in users:
            if name.startswith("+"):
                users[name] = create_coder(session, project, name[1:])
                report.created_coders.append(users[name].username)
            else:
                users[name] = session.scalars(select(User).where(User.username == name)).one()
        return users[name]

    times: list[tuple[int, _Coding]] = []
    for c in plan.codings:
        kwargs: dict[str, Any] = {"span": c.span, "memo": c.memo}
        if c.code.takes_stance:
            kwargs["stance"] = c.stance
        annotation_id = coding.apply_code(
            session,
            project,
            user(c.coder),
            c.passage.id,
            c.code.id,
            codebook_version=c.made_under if c.made_under is not None else version,
            memo_limit=memo_limit,
            **kwargs,
        )
        times.append((annotation_id, c))
        report.codings_set += 1
        report.applied_rows += 1
    state_times: list[tuple[int, int, dt.datetime | None]] = []
    for passage, name, coded, memo, updated in plan.states:
        who = user(name)
        coding.set_done(session, project, who, passage.id, coded)
        if memo:
            coding.set_passage_memo(session, project, who, passage.id, memo, limit=memo_limit)
        report.passages_done += int(coded)
        report.applied_rows += 1
        state_times.append((passage.id, who.id, updated))
    apply_consensus(
        session,
        project,
        actor,
        plan.consensus,
        plan.consensus_times,
        report,
        sheet=CODED,
        notes=plan.consensus_notes,
    )
    session.flush()
    for annotation_id, c in times:
        values: dict[str, Any] = {}
        if c.created is not None:
            values["created_at"] = c.created
        if c.updated is not None:
            values["updated_at"] = c.updated
        if c.revision is not None:
            values["code_revision"] = c.revision
        if c.suggestion_shown or c.suggestion_accepted:
            values["suggestion_shown"] = c.suggestion_shown or c.suggestion_accepted
            values["suggestion_accepted"] = c.suggestion_accepted
        if values:
            session.execute(update(Annotation).where(Annotation.id == annotation_id).values(values))
    for passage_id, coder_id, updated in state_times:
        if updated is not None:
            session.execute(
                update(PassageState)
                .where(PassageState.passage_id == passage_id, PassageState.coder_id == coder_id)
                .values(updated_at=updated)
            )
