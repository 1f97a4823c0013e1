"""The codebook over HTTP: every change makes a version; nothing is lost silently."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select

from tests.conftest import reread
from workbench.models import Annotation
from workbench.models import AuditEvent
from workbench.models import Code
from workbench.models import CodebookVersion
from workbench.models import ConsensusAnnotation
from workbench.reliability import adjudication

from .conftest import Team


def _versions(session) -> list[CodebookVersion]:
    return list(session.scalars(select(CodebookVersion).order_by(CodebookVersion.number)))


def test_edit_makes_a_version_and_flags_older_annotations(
    client_factory, team: Team, session
) -> None:
    coder, lead = client_factory(), client_factory()
    coder.login("coder1")
    lead.login("lead")
    code = team.codes["Sovereignty"]
    p = team.passages[1]
    coder.post(f"/p/{team.slug}/code/apply", {"passage_id": p.id, "code_id": code.id})
    before = len(_versions(session))
    r = lead.post(
        f"/p/{team.slug}/codebook/codes/{code.id}",
        {"definition": "A narrower definition.", "note": "after round 1"},
    )
    assert r.status_code == 200
    reread(session)
    versions = _versions(session)
    assert len(versions) == before + 1
    assert versions[-1].note == "after round 1"
    assert any(c["kind"] == "edited" and "definition" in c["fields"] for c in versions[-1].changes)
    view = coder.get(f"/p/{team.slug}/code?doc={p.document_id}").get_data(as_text=True)
    assert "older definition" in view
    # Re-confirming the coding (setting a stance) clears the flag.
    coder.post(
        f"/p/{team.slug}/code/stance", {"passage_id": p.id, "code_id": code.id, "stance": "1"}
    )
    view = coder.get(f"/p/{team.slug}/code?doc={p.document_id}").get_data(as_text=True)
    assert "older definition" not in view


def test_colour_change_is_a_version_but_flags_nothing(client_factory, team: Team, session) -> None:
    coder, lead = client_factory(), client_factory()
    coder.login("coder1")
    lead.login("lead")
    code, p = team.codes["Sovereignty"], team.passages[1]
    coder.post(f"/p/{team.slug}/code/apply", {"passage_id": p.id, "code_id": code.id})
    lead.post(f"/p/{team.slug}/codebook/codes/{code.id}", {"colour": "#123456"})
    view = coder.get(f"/p/{team.slug}/code?doc={p.document_id}").get_data(as_text=True)
    assert "older definition" not in view


def test_delete_needs_confirmation_and_restore_brings_annotations_back(
    client_factory, team: Team, session
) -> None:
    coder, lead = client_factory(), client_factory()
    coder.login("coder1")
    lead.login("lead")
    code, p = team.codes["Capacity-building"], team.passages[0]
    coder.post(f"/p/{team.slug}/code/apply", {"passage_id": p.id, "code_id": code.id})
    refused = lead.post(f"/p/{team.slug}/codebook/codes/{code.id}/delete", {})
    assert refused.status_code == 409
    assert "1 annotation." in refused.get_data(as_text=True)
    reread(session)
    assert session.get(Code, code.id).deleted_at is None
    ok = lead.post(f"/p/{team.slug}/codebook/codes/{code.id}/delete", {"confirm": "yes"})
    assert ok.status_code == 200
    reread(session)
    assert session.get(Code, code.id).deleted_at is not None
    assert session.scalar(select(func.count(Annotation.id))) == 1  # kept, hidden
    view = coder.get(f"/p/{team.slug}/code?doc={p.document_id}").get_data(as_text=True)
    assert "Capacity-building" not in view
    assert lead.post(f"/p/{team.slug}/codebook/codes/{code.id}/restore", {}).status_code == 200
    view = coder.get(f"/p/{team.slug}/code?doc={p.document_id}").get_data(as_text=True)
    assert 'class="name">Capacity-building' in view


def test_merge_moves_annotations_and_folds_duplicates(client_factory, team: Team, session) -> None:
    one, two, lead = client_factory(), client_factory(), client_factory()
    one.login("coder1")
    two.login("coder2")
    lead.login("lead")
    src, dst = team.codes["Double standards"], team.codes["Sovereignty"]
    p = team.passages[1]
    one.post(f"/p/{team.slug}/code/apply", {"passage_id": p.id, "code_id": src.id, "memo": "m1"})
    one.post(f"/p/{team.slug}/code/apply", {"passage_id": p.id, "code_id": dst.id})
    two.post(f"/p/{team.slug}/code/apply", {"passage_id": p.id, "code_id": src.id})
    r = lead.post(f"/p/{team.slug}/codebook/merge", {"source_id": src.id, "target_id": dst.id})
    assert r.status_code == 200
    reread(session)
    rows = session.execute(select(Annotation.coder_id, Annotation.code_id, Annotation.memo)).all()
    assert sorted((c, k) for c, k, _ in rows) == sorted(
        [(team.coder1.id, dst.id), (team.coder2.id, dst.id)]
    )
    assert {m for c, _k, m in rows if c == team.coder1.id} == {"m1"}
    assert session.get(Code, src.id).deleted_at is not None
    moves = session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action.in_(["merge-move", "merge-fold"]))
    )
    assert moves == 2


def test_split_and_move_and_cycles(client, team: Team, session) -> None:
    client.login("lead")
    sov = team.codes["Sovereignty"]
    r = client.post(
        f"/p/{team.slug}/codebook/codes/{sov.id}/split", {"names": "Territorial; Political"}
    )
    assert r.status_code == 200
    reread(session)
    kids = session.scalars(select(Code).where(Code.parent_id == sov.id)).all()
    assert sorted(k.name for k in kids) == ["Political", "Territorial"]
    # Moving a code under its own child would make a cycle: refused, nothing changed.
    count = session.scalar(select(func.count(CodebookVersion.id)))
    r = client.post(f"/p/{team.slug}/codebook/codes/{sov.id}/move", {"parent_id": kids[0].id})
    assert r.status_code == 422
    reread(session)
    assert session.get(Code, sov.id).parent_id != kids[0].id
    assert session.scalar(select(func.count(CodebookVersion.id))) == count


def test_bad_codebook_edits_are_422(client, team: Team) -> None:
    client.login("lead")
    sov, cb = team.codes["Sovereignty"], team.codes["Capacity-building"]
    for data, message in [
        ({"name": ""}, "name"),
        ({"shortcut": cb.shortcut}, "shortcut"),
        ({"shortcut": "j"}, "reserved"),
        ({"colour": "red"}, "colour"),
        ({"name": "xinjiang REBUTTAL "}, "xinjiang"),  # a sibling's name, case and spaces aside
    ]:
        r = client.post(f"/p/{team.slug}/codebook/codes/{sov.id}", data)
        assert r.status_code == 422, data
        assert message.lower() in r.get_data(as_text=True).lower(), data


def test_names_with_markup_render_as_text(client, team: Team) -> None:
    client.login("lead")
    r = client.post(f"/p/{team.slug}/codebook/codes", {"name": "<b onmouseover=alert(1)>x</b>"})
    assert r.status_code == 200
    html = client.get(f"/p/{team.slug}/codebook").get_data(as_text=True)
    assert "<b onmouseover" not in html and "&lt;b onmouseover=alert(1)&gt;x&lt;/b&gt;" in html


def test_codebook_xlsx_import_reports_rows(client, team: Team, session) -> None:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Codebook"
    ws.append(["name", "parent path", "colour", "takes_stance"])
    ws.append(["Fine", "", "#aabbcc", "yes"])
    ws.append(["Orphan", "No such parent", "#aabbcc", "yes"])
    ws.append(["Bad colour", "", "blue", "maybe"])
    buf = io.BytesIO()
    wb.save(buf)
    client.login("lead")
    before = session.scalar(select(func.count(Code.id)))
    r = client.post(
        f"/p/{team.slug}/codebook/import",
        {"file": (io.BytesIO(buf.getvalue()), "codes.xlsx")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert "row 3" in text.lower() and "row 4" in text.lower()
    reread(session)
    assert session.scalar(select(func.count(Code.id))) == before


def test_the_lead_changes_the_stance_scale(client_factory, team: Team, session) -> None:
    coder, lead = client_factory(), client_factory()
    coder.login("coder1")
    lead.login("lead")
    code, p = team.codes["Sovereignty"], team.passages[1]
    coder.post(
        f"/p/{team.slug}/code/apply", {"passage_id": p.id, "code_id": code.id, "stance": "2"}
    )
    url = f"/p/{team.slug}/codebook/scale"
    dropped = lead.post(url, {"scale": "-1 against\n0 neutral\n1 for"})
    assert dropped.status_code == 409 and "2 (1 coding)" in dropped.get_data(as_text=True)
    assert lead.post(url, {"scale": "x nonsense"}).status_code == 422
    assert lead.post(url, {"scale": "1 up\n0 down"}).status_code == 422  # must ascend
    ok = lead.post(url, {"scale": "-2 firmly against\n0 neutral\n2 firmly for", "note": "3 levels"})
    assert ok.status_code == 200
    reread(session)
    assert [s["value"] for s in session.get(type(team.project), team.project.id).stance_scale] == [
        -2,
        0,
        2,
    ]
    assert _versions(session)[-1].note == "3 levels"
    view = coder.get(f"/p/{team.slug}/code?doc={p.document_id}").get_data(as_text=True)
    assert "firmly for" in view
    assert (
        coder.post(
            f"/p/{team.slug}/code/stance", {"passage_id": p.id, "code_id": code.id, "stance": "1"}
        ).status_code
        == 422
    )


def test_merge_keeps_every_value_or_refuses_and_moves_consensus_decisions(
    client_factory, team: Team, session
) -> None:
    one, lead = client_factory(), client_factory()
    one.login("coder1")
    lead.login("lead")
    src, dst = team.codes["Public-private partnership"], team.codes["Capacity-building"]
    p0, _p1, p2 = team.passages
    url = f"/p/{team.slug}/code/apply"
    # p0: both codes, different stances: merging would have to drop one.
    one.post(url, {"passage_id": p0.id, "code_id": src.id, "stance": "-1", "memo": "src memo"})
    one.post(url, {"passage_id": p0.id, "code_id": dst.id, "stance": "2", "memo": "dst memo"})
    # p2: the source alone, decided in the consensus.
    one.post(url, {"passage_id": p2.id, "code_id": src.id, "stance": "1"})
    reread(session)
    adjudication.resolve(session, team.project, team.lead, p2.id, {src.id: 1}, note="decided")
    session.commit()
    r = lead.post(f"/p/{team.slug}/codebook/merge", {"source_id": src.id, "target_id": dst.id})
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert "Nothing was merged" in text and "¶1 of" in text and "stances -1 and 2" in text
    reread(session)
    assert session.get(Code, src.id).deleted_at is None
    assert (
        session.scalar(select(func.count(Annotation.id)).where(Annotation.code_id == src.id)) == 2
    )
    # Settled (the source's stance taken off), the merge folds the two codings into one with
    # the target's stance and both memos, and the decision moves with the code.
    one.post(f"/p/{team.slug}/code/stance", {"passage_id": p0.id, "code_id": src.id, "stance": ""})
    r = lead.post(f"/p/{team.slug}/codebook/merge", {"source_id": src.id, "target_id": dst.id})
    assert r.status_code == 200
    reread(session)
    rows = session.execute(
        select(Annotation.passage_id, Annotation.code_id, Annotation.stance, Annotation.memo)
    ).all()
    assert sorted(rows) == sorted(
        [(p0.id, dst.id, 2, "dst memo\n\nsrc memo"), (p2.id, dst.id, 1, "")]
    )
    decided = session.execute(
        select(
            ConsensusAnnotation.passage_id, ConsensusAnnotation.code_id, ConsensusAnnotation.stance
        )
    ).all()
    assert decided == [(p2.id, dst.id, 1)]


def test_a_scale_may_not_drop_a_value_a_consensus_decision_uses(
    client_factory, team: Team, session
) -> None:
    coder, lead = client_factory(), client_factory()
    coder.login("coder1")
    lead.login("lead")
    code, p = team.codes["Sovereignty"], team.passages[1]
    coder.post(
        f"/p/{team.slug}/code/apply", {"passage_id": p.id, "code_id": code.id, "stance": "1"}
    )
    reread(session)
    adjudication.resolve(session, team.project, team.lead, p.id, {code.id: -2})
    session.commit()
    url = f"/p/{team.slug}/codebook/scale"
    dropped = lead.post(url, {"scale": "-1 against\n0 neutral\n1 for"})
    assert dropped.status_code == 409 and "-2 (1 coding)" in dropped.get_data(as_text=True)
