"""Coding records from the database give the same report as the same records written by hand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.core.agreement import CodingRecord
from workbench.core.agreement import build_report
from workbench.models import Passage
from workbench.models._common import utcnow
from workbench.reliability import records as agreement_data
from workbench.reliability import reports as agreement_reports
from workbench.reliability.records import Scope

CB = "Cooperation > Capacity-building"
SOV = "Sovereignty and non-interference > Sovereignty"

TEXT = "\n\n".join(f"Paragraph number {i} about counter-terrorism." for i in range(6)).encode()


@dataclass
class Situation:
    project: Any
    lead: Any
    one: Any
    two: Any
    codes: dict[str, Any]
    p: list[Passage]


@pytest.fixture()
def situation(session, make_user, make_project, import_text) -> Situation:
    """Two coders, six passages: agreement on p0, p2; disagreement on p1, p3; p4 missing."""
    return build_situation(session, make_user, make_project, import_text)


def build_situation(session, make_user, make_project, import_text) -> Situation:
    """The coding situation of ``situation`` (shared with the other agreement db tests)."""
    lead = make_user("lead", name="Lead")
    one = make_user("one", name="Coder One")
    two = make_user("two", name="Coder Two")
    project = make_project("Agreement study", lead=lead, coders=(one, two))
    codebooks.ensure_seed_codebook(session, project, lead)
    import_text(project, [("doc.txt", TEXT)])
    codes = {c.name: c for c in codebooks.live_codes(session, project)}
    p = list(
        session.scalars(
            select(Passage).where(Passage.project_id == project.id).order_by(Passage.ordinal)
        )
    )
    assert len(p) == 6

    def apply(coder: Any, passage: Passage, name: str, stance: int | None) -> None:
        coding.apply_code(session, project, coder, passage.id, codes[name].id, stance=stance)

    apply(one, p[0], "Capacity-building", 2)
    apply(one, p[0], "Double standards", 1)  # its code is deleted below: ignored
    apply(two, p[0], "Capacity-building", 2)
    apply(one, p[1], "Sovereignty", -1)
    coding.set_done(session, project, two, p[1].id, True)  # nothing applies
    coding.set_done(session, project, one, p[2].id, True)
    coding.set_done(session, project, two, p[2].id, True)
    apply(one, p[3], "Capacity-building", 1)
    apply(one, p[3], "Sovereignty", 0)
    apply(two, p[3], "Capacity-building", 1)
    apply(one, p[4], "Capacity-building", None)
    coding.set_done(session, project, one, p[4].id, False)  # reopened: not coded = missing
    apply(one, p[5], "Sovereignty", 1)
    apply(two, p[5], "Sovereignty", 1)
    session.flush()
    p[5].codable = False  # marked not codable after coding: out of every report
    codes["Double standards"].deleted_at = utcnow()
    session.commit()
    return Situation(project, lead, one, two, codes, p)


def hand_records(s: Situation) -> list[CodingRecord]:
    p = [x.id for x in s.p]
    return [
        CodingRecord(p[0], "one", CB, 2),
        CodingRecord(p[0], "two", CB, 2),
        CodingRecord(p[1], "one", SOV, -1),
        CodingRecord(p[1], "two", None),
        CodingRecord(p[2], "one", None),
        CodingRecord(p[2], "two", None),
        CodingRecord(p[3], "one", CB, 1),
        CodingRecord(p[3], "one", SOV, 0),
        CodingRecord(p[3], "two", CB, 1),
    ]


def test_records_follow_the_coded_state_rules(session, situation: Situation) -> None:
    data = agreement_data.load(session, situation.project, Scope())
    assert sorted(map(repr, data.records)) == sorted(map(repr, hand_records(situation)))
    assert data.coders == {"one": "Coder One", "two": "Coder Two"}
    assert CB in data.codes and SOV in data.codes
    assert not any("Double standards" in c for c in data.codes)
    assert all(not c.startswith("Cooperation >") or c != "Cooperation" for c in data.codes)
    assert data.stance_scale == (-2.0, -1.0, 0.0, 1.0, 2.0)


def test_report_from_the_database_matches_hand_records(session, situation: Situation) -> None:
    data = agreement_data.load(session, situation.project, Scope())
    from_db = build_report(data.records, codes=data.codes, bootstrap=200, seed=7).to_json()
    by_hand = build_report(hand_records(situation), codes=data.codes, bootstrap=200, seed=7)
    assert from_db == by_hand.to_json()
    # Values reasoned by hand: four coded passages (p4 reopened is missing, p5 not codable).
    assert from_db["passages"] == 4 and from_db["pairable_passages"] == 4
    assert from_db["coded_pairs"] == 8
    cb = from_db["per_code"][CB]
    assert cb["presence"]["alpha"] == 1.0 and cb["presence"]["cohen_kappa"] == 1.0
    assert cb["applications"] == 4 and cb["prevalence"] == 0.5
    # Sovereignty: one says yes on p1 and p3, two never: D_o = 4/8, D_e = 2*2*6/(8*7).
    sov = from_db["per_code"][SOV]
    assert sov["presence"]["alpha"] == pytest.approx(1 - (4 / 8) / (24 / 56))
    assert sov["presence"]["cohen_kappa"] == 0.0
    assert sov["presence"]["percent_agreement"] == 0.5
    assert sov["flag"] == "unreliable"
    # Stance: both gave the same stance on capacity-building wherever both applied it.
    assert cb["stance"]["units"] == 2 and cb["stance"]["percent_agreement"] == 1.0


def test_unit_meta_and_breakdowns(session, situation: Situation) -> None:
    p = situation.p
    p[0].language, p[0].original_language = "zh", "en"  # a translated speech
    p[1].language, p[1].original_language = "en", "en"
    session.commit()
    meta = agreement_data.unit_meta(session, situation.project, Scope())
    assert meta[p[0].id]["speech"] == "translated" and meta[p[1].id]["speech"] == "original"
    assert meta[p[2].id]["speech"] == "original"  # no original language: spoken as printed
    assert meta[p[0].id]["document"] == "Paragraph number 0 about counter-terrorism."
    assert p[5].id not in meta
    pr = agreement_reports.project_report(session, situation.project, Scope(), bootstrap=0)
    speech = pr.report.breakdowns["speech"]
    assert set(speech) == {"original", "translated"}
    assert speech["translated"][CB].units == 1


def test_code_and_document_scopes(session, situation: Situation) -> None:
    cb_id = situation.codes["Capacity-building"].id
    scope = agreement_data.scope_for(session, situation.project, code_ids=[cb_id])
    data = agreement_data.load(session, situation.project, scope)
    assert data.codes == [CB]
    # p1 keeps both coders (coded) although nobody applied capacity-building there.
    assert {
        (r.passage_id, r.coder, r.code) for r in data.records if r.passage_id == situation.p[1].id
    } == {
        (situation.p[1].id, "one", None),
        (situation.p[1].id, "two", None),
    }
    from workbench.core.errors import NotFound

    with pytest.raises(NotFound):
        agreement_data.scope_for(session, situation.project, code_ids=[999_999])
    with pytest.raises(NotFound):
        agreement_data.scope_for(session, situation.project, doc_ids=[999_999])
    folder = situation.codes["Cooperation"].id
    with pytest.raises(NotFound):
        agreement_data.scope_for(session, situation.project, code_ids=[folder])


def test_consensus_layer_is_the_reference(session, situation: Situation) -> None:
    from workbench.reliability import adjudication

    s = situation
    adjudication.resolve(session, s.project, s.lead, s.p[1].id, {s.codes["Sovereignty"].id: -1})
    adjudication.resolve(session, s.project, s.lead, s.p[2].id, {})
    session.commit()
    ref = agreement_data.consensus_records(session, s.project, Scope())
    assert sorted(map(repr, ref)) == sorted(
        map(
            repr,
            [
                CodingRecord(s.p[1].id, "consensus", SOV, -1),
                CodingRecord(s.p[2].id, "consensus", None),
            ],
        )
    )
    pr = agreement_reports.project_report(session, s.project, Scope(), bootstrap=0)
    # Two passages were adjudicated, but only p1's coders disagreed: one disagreement resolved.
    assert pr.reference_label == "consensus" and pr.resolved == 1
    ref_one, ref_two = pr.report.reference["one"], pr.report.reference["two"]
    assert ref_one.by_code[SOV].accuracy == 1.0 and ref_one.units == 2
    assert ref_two.by_code[SOV].accuracy == 0.5
    paragraph, rows = agreement_reports.methods_from(pr)
    assert "1 disagreement was resolved" in paragraph
    # Per code, by hand: p1 (resolved) is where the coders disagreed on Sovereignty; p2
    # (resolved) had no disagreement; nobody disagreed on Capacity-building anywhere resolved.
    resolved = {row["code"]: row["disagreements_resolved"] for row in rows}
    assert resolved[SOV] == 1
    assert resolved[CB] == 0
    assert set(resolved.values()) == {0, 1}
    assert (
        agreement_reports.report_payload(pr, s.project)["disagreements_resolved_per_code"][SOV] == 1
    )


def test_off_scale_stance_is_a_clear_error(session, situation: Situation) -> None:
    from workbench.core.errors import ValidationError
    from workbench.models import Annotation

    ann = session.scalars(select(Annotation).where(Annotation.stance == 2)).first()
    ann.stance = 9  # the scale changed after coding, say
    session.commit()
    with pytest.raises(ValidationError, match="not on the scale"):
        agreement_reports.project_report(session, situation.project, Scope(), bootstrap=0)
