"""Assisted codings in agreement and the methods paragraph; refresher sets of gold passages."""

from __future__ import annotations

import pytest
from sqlalchemy import delete
from sqlalchemy import insert
from sqlalchemy import select

from tests.db.quality_fixtures import keyword_project
from tests.db.quality_fixtures import passages_of
from workbench.core.errors import Conflict
from workbench.models import Annotation
from workbench.models import Assignment
from workbench.models import ReliabilityRound
from workbench.quality.assisted import assisted_agreement
from workbench.quality.refresher import assign_refresher
from workbench.reliability import reports
from workbench.reliability.records import Scope


def test_agreement_without_assisted_codings_and_the_methods_sentence(
    session, make_user, make_project, import_text
) -> None:
    project, _, ann, partnership, _ = keyword_project(session, make_user, make_project, import_text)
    before = assisted_agreement(session, project)
    assert before["assisted"] == 0 and before["per_code"]["Partnership"]["alpha_with"] == 1.0
    # On five passages ann accepted a wrong suggestion: Partnership where bob did not apply it.
    ids = [p.id for p in passages_of(session, project)][40:]
    mine = set(
        session.scalars(
            select(Annotation.passage_id).where(
                Annotation.coder_id == ann.id, Annotation.code_id == partnership.id
            )
        )
    )
    wrong = [pid for pid in ids if pid not in mine][:5]
    for pid in wrong:
        session.execute(
            insert(Annotation).values(
                project_id=project.id, passage_id=pid, coder_id=ann.id, code_id=partnership.id,
                memo="", suggestion_shown=True, suggestion_accepted=True,
            )
        )  # fmt: skip
    session.commit()
    after = assisted_agreement(session, project)
    assert after["assisted"] == 5 and after["passages_left_out"] == 5
    code = after["per_code"]["Partnership"]
    assert code["alpha_with"] < 1.0 and code["alpha_without"] == 1.0
    pr = reports.project_report(session, project, Scope(), bootstrap=0, breakdowns=False)
    paragraph, _ = reports.methods_from(pr)
    assert "5 of" in paragraph and "machine suggestion" in paragraph
    session.execute(delete(Annotation).where(Annotation.suggestion_accepted.is_(True)))
    session.commit()
    pr = reports.project_report(session, project, Scope(), bootstrap=0, breakdowns=False)
    assert "machine suggestion" not in reports.methods_from(pr)[0]


def test_refresher_gives_uncoded_gold_passages_once(
    session, make_user, make_project, import_text
) -> None:
    project, lead, ann, _, _ = keyword_project(session, make_user, make_project, import_text)
    with pytest.raises(Conflict, match="no gold round"):
        assign_refresher(session, project, lead, ann.id)
    ids = [p.id for p in passages_of(session, project)][:40]  # these have a consensus
    rnd = ReliabilityRound(project_id=project.id, name="Gold", is_gold=True, pass_threshold=0.8)
    session.add(rnd)
    session.flush()
    for pid in ids:
        session.execute(
            insert(Assignment).values(project_id=project.id, passage_id=pid, coder_id=lead.id,
                                      round_id=rnd.id)
        )  # fmt: skip
    session.commit()
    added = assign_refresher(session, project, lead, ann.id, size=15)
    assert added == 15
    given = set(
        session.scalars(
            select(Assignment.passage_id).where(
                Assignment.coder_id == ann.id, Assignment.round_id == rnd.id
            )
        )
    )
    assert len(given) == 15 and given <= set(ids)
    assert ann.id in (session.get(ReliabilityRound, rnd.id).sample or {}).get("trainee_ids", [])
    assert assign_refresher(session, project, lead, ann.id, size=100) == 25
    with pytest.raises(Conflict, match="every gold passage"):
        assign_refresher(session, project, lead, ann.id)
