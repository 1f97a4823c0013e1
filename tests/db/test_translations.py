"""Linked documents, alignments with corrections, traced quotations and codes across versions."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func
from sqlalchemy import select

from tests.db.translation_fixtures import traced_seed_report
from workbench.cli import main
from workbench.core.agreement import Resampling
from workbench.core.errors import Conflict
from workbench.core.errors import NotFound
from workbench.core.errors import ValidationError
from workbench.documents import seeding
from workbench.models import AlignmentPair
from workbench.models import Annotation
from workbench.models import AuditEvent
from workbench.models import Code
from workbench.models import Document
from workbench.models import DocumentLink
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Quotation
from workbench.translations import alignments
from workbench.translations import comparison
from workbench.translations import links
from workbench.translations import tracing

ENGLISH = (
    b"Mr. President,\n\n"
    b"China will provide US$50 million to the Global Humanitarian Response Plan in 2021.\n\n"
    b"We call on the World Health Organization to lead the response of 193 Member States.\n\n"
    b"Thank you, Mr. President.\n"
)
CHINESE = (
    "主席先生！中国将在2021年向全球人道主义应对计划提供5000万美元。"
    "我们呼吁世界卫生组织领导193个会员国的应对工作，团结一致，共同努力。谢谢主席先生。\n"
).encode()


@pytest.fixture()
def study(session, make_user, make_project, import_text):
    lead = make_user("lead")
    coder = make_user("coder")
    project = make_project(lead=lead, coders=(coder,))
    import_text(project, [("english.txt", ENGLISH), ("chinese.txt", CHINESE)])
    english = session.scalar(select(Document).where(Document.filename == "english.txt"))
    chinese = session.scalar(select(Document).where(Document.filename == "chinese.txt"))
    return project, lead, coder, english, chinese


def _texts(pairs):
    return [([u.text for u in p.source], [u.text for u in p.target], p.relation) for p in pairs]


def test_a_link_shows_on_both_documents_and_is_in_the_history(session, study):
    project, lead, _, english, chinese = study
    link = links.link_documents(session, project, english, chinese, "translation", lead)
    session.commit()
    assert [(v.other_id, v.label) for v in links.links_of(session, english)] == [
        (chinese.id, "other version")
    ]
    assert [(v.other_id, v.label) for v in links.links_of(session, chinese)] == [
        (english.id, "original")
    ]
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "document_link"))
    assert event.entity_id == link.id and event.after["kind"] == "translation"
    with pytest.raises(Conflict):
        links.link_documents(session, project, chinese, english, "report", lead)
    with pytest.raises(ValidationError):
        links.link_documents(session, project, english, english, "translation", lead)
    with pytest.raises(ValidationError):
        links.link_documents(session, project, english, chinese, "summary", lead)
    with pytest.raises(NotFound):
        links.find_document(session, project, "no such title")
    assert links.find_document(session, project, str(english.id)).id == english.id


def test_alignment_pairs_paragraphs_with_sentences_of_a_run_together_version(session, study):
    project, lead, _, english, chinese = study
    link = links.link_documents(session, project, english, chinese, "translation", lead)
    assert _texts(alignments.views(session, link)) == [
        (["Mr. President,"], ["主席先生！"], "1-1"),
        (
            ["China will provide US$50 million to the Global Humanitarian Response Plan in 2021."],
            ["中国将在2021年向全球人道主义应对计划提供5000万美元。"],
            "1-1",
        ),
        (
            ["We call on the World Health Organization to lead the response of 193 Member States."],
            ["我们呼吁世界卫生组织领导193个会员国的应对工作，团结一致，共同努力。"],
            "1-1",
        ),
        (["Thank you, Mr. President."], ["谢谢主席先生。"], "1-1"),
    ]


def test_corrections_join_split_and_move_with_history(session, study):
    project, lead, _, english, chinese = study
    link = links.link_documents(session, project, english, chinese, "translation", lead)
    alignments.pairs_of(session, link)
    alignments.join(session, link, 0, lead)
    assert [p.relation for p in alignments.views(session, link)] == ["n-n", "1-1", "1-1"]
    alignments.split(session, link, 0, 1, 1, lead)
    assert [p.relation for p in alignments.views(session, link)] == ["1-1"] * 4
    alignments.move(session, link, 2, "target", True, lead)
    shown = _texts(alignments.views(session, link))
    assert shown[2][1] == [] and shown[2][2] == "source-only"
    assert shown[3][1] == [
        "我们呼吁世界卫生组织领导193个会员国的应对工作，团结一致，共同努力。",
        "谢谢主席先生。",
    ]
    assert all(p.corrected for p in alignments.views(session, link)[2:])
    actions = [e.action for e in alignments.history(session, link)]
    assert actions == ["move", "split", "join"]
    with pytest.raises(ValidationError):
        alignments.join(session, link, 3, lead)
    with pytest.raises(ValidationError):
        alignments.split(session, link, 0, 0, 0, lead)
    session.commit()
    links.unlink(session, project, link.id, lead)
    session.commit()
    assert session.scalar(select(func.count()).select_from(AlignmentPair)) == 0


def test_reports_are_traced_and_counted_on_the_statement(session, study):
    project, lead, _, _, _ = study
    seeding.import_seeds(session, project)
    report = session.scalar(select(Document).where(Document.title.like("Chinese envoy calls%")))
    statement = session.scalar(
        select(Document).where(Document.title.like("Remarks by Amb. Zhang%"))
    )
    with pytest.raises(ValidationError):
        tracing.trace(session, project, report)
    links.link_documents(session, project, report, statement, "report", lead)
    found = tracing.trace(session, project, report)
    assert {q.statement_id for q in found} == {statement.id}
    assert {q.kind for q in found} == {"exact", "near"}
    assert tracing.quoted_in(session, statement) == 1
    assert len(tracing.quotations_of(session, statement)) == len(found)
    again = tracing.trace(session, project, report)
    assert len(again) == len(found)
    assert session.scalar(select(func.count()).select_from(Quotation)) == len(found)
    everywhere = tracing.trace(session, project, report, everywhere=True)
    assert {q.statement_id for q in everywhere} == {statement.id}
    session.commit()
    session.delete(statement)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Quotation)) == 0
    assert session.scalar(select(func.count()).select_from(DocumentLink)) == 0


def test_codes_compared_across_versions(session, study, import_text):
    project, lead, coder, english, _ = study
    # Coded passage by passage, the run-together version is best cut into sentences.
    import_text(project, [("chinese-sentences.txt", CHINESE + "新华社".encode())], mode="sentence")
    chinese = session.scalar(select(Document).where(Document.filename == "chinese-sentences.txt"))
    link = links.link_documents(session, project, english, chinese, "translation", lead)
    pairs = alignments.views(session, link)
    code_a = Code(project_id=project.id, name="aid", key="aid")
    code_b = Code(project_id=project.id, name="who", key="who")
    session.add_all([code_a, code_b])
    session.flush()
    plan = {  # pair → (source codes, target codes) as (code, stance)
        1: ([(code_a, 2)], [(code_a, 1)]),
        2: ([(code_a, 1), (code_b, None)], [(code_a, 1)]),
        3: ([], []),
    }
    for position, (source_codes, target_codes) in plan.items():
        for units, codes in (
            (pairs[position].source, source_codes),
            (pairs[position].target, target_codes),
        ):
            for unit in units:
                session.add(
                    PassageState(
                        project_id=project.id,
                        passage_id=unit.passage_id,
                        coder_id=coder.id,
                        coded=True,
                    )
                )
                for code, stance in codes:
                    session.add(
                        Annotation(
                            project_id=project.id,
                            passage_id=unit.passage_id,
                            coder_id=coder.id,
                            code_id=code.id,
                            stance=stance,
                        )
                    )
    session.flush()
    result = comparison.cross_version(session, link, coder.id, resampling=Resampling(replicates=50))
    assert result.comparison.compared_pairs == 3  # the first pair is not coded
    by_code = {c.code_id: c for c in result.comparison.codes}
    assert (by_code[code_a.id].both, by_code[code_a.id].stance_changed) == (2, 1)
    assert (by_code[code_b.id].source_only, by_code[code_b.id].target_only) == (1, 0)
    assert [d.position for d in result.comparison.differences] == [1, 2]
    assert result.code_names == {code_a.id: ("aid", ""), code_b.id: ("who", "")}
    consensus = comparison.cross_version(session, link, None, resampling=Resampling(replicates=0))
    assert consensus.comparison.compared_pairs == 0


@pytest.fixture()
def run(app, db_url, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url)
    return lambda *args: CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_command_line(run, session, study):
    project, *_ = study
    seeding.import_seeds(session, project)
    session.commit()
    result = run(
        "link",
        "--project",
        project.slug,
        "--source",
        "english.txt",
        "--target",
        "chinese.txt",
        "--kind",
        "translation",
    )
    assert result.exit_code == 1 and "No document 'english.txt'" in result.output
    english = session.scalar(select(Document).where(Document.filename == "english.txt"))
    chinese = session.scalar(select(Document).where(Document.filename == "chinese.txt"))
    result = run(
        "link",
        "--project",
        project.slug,
        "--source",
        str(english.id),
        "--target",
        chinese.title,
        "--kind",
        "translation",
    )
    assert result.exit_code == 0, result.output
    result = run("alignment", "--project", project.slug, "--document", str(chinese.id), "--json")
    pairs = json.loads(result.output)
    assert [p["relation"] for p in pairs] == ["1-1"] * 4
    assert pairs[0] == {"source": ["Mr. President,"], "target": ["主席先生！"], "relation": "1-1"}
    report = session.scalar(select(Document).where(Document.title.like("China calls for%")))
    statement = session.scalar(
        select(Document).where(Document.title.like("Statement by Ambassador%"))
    )
    run(
        "link",
        "--project",
        project.slug,
        "--source",
        str(report.id),
        "--target",
        str(statement.id),
        "--kind",
        "report",
    )
    result = run("quotes", "--project", project.slug, "--document", str(report.id), "--json")
    quotes = json.loads(result.output)
    assert quotes and set(quotes[0]) == {
        "report_text",
        "statement_document",
        "statement_text",
        "kind",
        "score",
    }
    assert {q["statement_document"] for q in quotes} == {statement.title}
    assert not [
        q
        for q in quotes
        if "press release" in q["report_text"] or "vulnerable targets" in q["report_text"]
    ]
    assert session.scalar(select(func.count()).select_from(Passage)) > 0


def test_alignment_and_quotations_sheets_in_the_workbook_and_csv(session, study):
    import io
    import zipfile

    from openpyxl import load_workbook

    from workbench.formats.scope import ExportScope
    from workbench.interchange import exports

    project, lead, coder, english, chinese = study
    empty = io.BytesIO()
    exports.write_export(session, project, ExportScope(bootstrap=0), "xlsx", empty)
    assert not {"Alignment", "Quotations"} & set(load_workbook(empty).sheetnames)
    link = links.link_documents(session, project, english, chinese, "translation", lead)
    pairs = alignments.views(session, link)
    code = Code(project_id=project.id, name="aid", key="aid")
    session.add(code)
    session.flush()
    session.add(
        Annotation(
            project_id=project.id,
            passage_id=pairs[1].source[0].passage_id,
            coder_id=coder.id,
            code_id=code.id,
            stance=2,
        )
    )
    seeding.import_seeds(session, project)
    report = session.scalar(select(Document).where(Document.title.like("Chinese envoy calls%")))
    statement = session.scalar(
        select(Document).where(Document.title.like("Remarks by Amb. Zhang%"))
    )
    links.link_documents(session, project, report, statement, "report", lead)
    traced = tracing.trace(session, project, report)
    session.commit()
    buf = io.BytesIO()
    exports.write_export(session, project, ExportScope(bootstrap=0), "xlsx", buf)
    wb = load_workbook(io.BytesIO(buf.getvalue()))
    rows = list(wb["Alignment"].iter_rows(values_only=True))
    header = rows[0]
    body = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert [r["relation"] for r in body] == ["1-1"] * 4
    assert body[1]["target_text"] == "中国将在2021年向全球人道主义应对计划提供5000万美元。"
    assert body[1]["source_codes"] == "aid (coder: +2)" and body[1]["target_codes"] in ("", None)
    quotes = list(wb["Quotations"].iter_rows(values_only=True))
    assert len(quotes) == 1 + len(traced)
    assert {r[quotes[0].index("kind")] for r in quotes[1:]} == {"exact", "near"}
    archive = io.BytesIO()
    exports.write_export(session, project, ExportScope(bootstrap=0), "csv", archive)
    names = zipfile.ZipFile(archive).namelist()
    assert any(n.endswith("alignment.csv") for n in names) and any(
        n.endswith("quotations.csv") for n in names
    )


def test_the_statements_index_is_reused_until_a_statement_changes(session, study, monkeypatch):
    project, lead, _, _, _ = study
    seeding.import_seeds(session, project)
    report = session.scalar(select(Document).where(Document.title.like("Chinese envoy calls%")))
    statement = session.scalar(
        select(Document).where(Document.title.like("Remarks by Amb. Zhang%"))
    )
    links.link_documents(session, project, report, statement, "report", lead)
    tracing.clear_index_cache()
    builds = []
    real = tracing.QuoteIndex

    def counting(statements):
        builds.append(len(statements))
        return real(statements)

    monkeypatch.setattr(tracing, "QuoteIndex", counting)
    first = tracing.trace(session, project, report)
    assert tracing.trace(session, project, report) == first
    assert len(builds) == 1  # the second trace reused the index
    # Change the statement sentence behind one exact quotation: the next trace must see it.
    exact = next(q for q in first if q.kind == "exact")
    changed = next(
        p
        for p in session.scalars(select(Passage).where(Passage.document_id == statement.id))
        if exact.statement_text in p.text
    )
    changed.text = changed.text.replace(exact.statement_text, "Nothing of the kind was said.")
    session.flush()
    again = tracing.trace(session, project, report)
    assert len(builds) == 2
    assert exact.statement_text not in {q.statement_text for q in again}
    # Against every statement of the project: another set, another index, kept beside the first.
    tracing.trace(session, project, report, everywhere=True)
    tracing.trace(session, project, report)
    assert len(builds) == 3
    tracing.clear_index_cache()


def test_undoing_a_deletion_puts_back_links_alignments_and_quotations(session, study):
    from workbench.documents import changes
    from workbench.documents import lifecycle_history

    project, lead, _, english, chinese = study
    link = links.link_documents(session, project, english, chinese, "translation", lead)
    alignments.pairs_of(session, link)
    alignments.join(session, link, 0, lead)  # a correction of the lead's
    report, statement = traced_seed_report(session, project, lead)
    session.commit()

    def state():
        pairs = session.execute(
            select(
                AlignmentPair.position,
                AlignmentPair.relation,
                AlignmentPair.source_units,
                AlignmentPair.target_units,
                AlignmentPair.corrected,
            ).order_by(AlignmentPair.link_id, AlignmentPair.position)
        ).all()
        quotes = session.execute(
            select(Quotation.report_start, Quotation.report_end, Quotation.statement_text).order_by(
                Quotation.id
            )
        ).all()
        kinds = session.scalars(select(DocumentLink.kind).order_by(DocumentLink.id)).all()
        return kinds, [tuple(p) for p in pairs], [tuple(q) for q in quotes]

    before = state()
    assert before[0] == ["translation", "report"] and before[1] and before[2]
    for document in (statement, english):
        changes.delete(session, project, lead, document.id)
    session.commit()
    assert state() == ([], [], [])
    deletions = session.scalars(
        select(AuditEvent.id).where(AuditEvent.action == "delete").order_by(AuditEvent.id)
    ).all()
    for event_id in deletions:
        _, left_out, _ = lifecycle_history.undo(session, project, lead, event_id)
        assert left_out == []
    session.commit()
    assert state() == before
    # A link whose other document is deleted too (and not put back) is left out, and said so.
    changes.delete(session, project, lead, statement.id)
    session.commit()
    event_id = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc())).first()
    changes.delete(session, project, lead, report.id)
    session.commit()
    _, left_out, _ = lifecycle_history.undo(session, project, lead, event_id)
    assert left_out == [
        "1 links to a document that no longer exists",
        f"{len(before[2])} traced quotations to a document that no longer exists",
    ]


def _split(session, project, lead, document, passage, at: int) -> None:
    """Split a passage in two at a character, as the web does."""
    from workbench.documents import layout_preview
    from workbench.documents import passage_edits
    from workbench.documents import passage_layout

    layout = passage_edits.split_layout(session, document, passage, at)
    preview = layout_preview.preview(session, document, layout)
    passage_layout.apply(session, project, lead, document, layout, preview.fingerprint)


def test_undoing_a_report_deletion_after_its_statement_changed(session, study) -> None:
    from workbench.documents import deletion
    from workbench.documents import lifecycle_history

    project, lead, _, _, _ = study
    report, statement = traced_seed_report(session, project, lead)
    session.commit()
    quoted = session.get(Passage, session.scalars(select(Quotation.statement_passage_id)).first())
    event = deletion.delete_document(session, project, lead, report)
    session.commit()
    _split(
        session, project, lead, statement, quoted, quoted.text.index(" ", len(quoted.text) // 2) + 1
    )
    session.commit()
    _, left_out, _ = lifecycle_history.undo(session, project, lead, event)
    session.commit()
    assert any("on passages of the other document that changed since" in n for n in left_out)
    live = set(session.scalars(select(Passage.id)))
    for q in session.scalars(select(Quotation)):
        assert {q.report_passage_id, q.statement_passage_id} <= live


def test_an_alignment_naming_passages_changed_since_is_not_restored(session, study) -> None:
    from workbench.documents import deletion
    from workbench.documents import lifecycle_history
    from workbench.interchange import project_exchange

    project, lead, _, english, chinese = study
    link = links.link_documents(session, project, english, chinese, "translation", lead)
    alignments.pairs_of(session, link)
    alignments.join(session, link, 0, lead)
    session.commit()
    event = deletion.delete_document(session, project, lead, chinese)
    session.commit()
    second = session.scalars(
        select(Passage).where(Passage.document_id == english.id).order_by(Passage.ordinal)
    ).all()[1]
    _split(session, project, lead, english, second, second.text.index(" ") + 1)
    session.commit()
    doc_id, left_out, _ = lifecycle_history.undo(session, project, lead, event)
    alignments.realign_after_change(session, doc_id, lead)
    session.commit()
    assert any("the link is aligned afresh" in n for n in left_out)
    live = set(session.scalars(select(Passage.id)))
    named = {
        u[0]
        for pair in session.scalars(select(AlignmentPair))
        for u in [*pair.source_units, *pair.target_units]
    }
    assert named <= live
    project_exchange.export_qdpx(session, project, io.BytesIO())  # names every passage it finds
