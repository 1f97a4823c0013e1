"""A coded study for the export tests (imported by the other test_export_* modules).

Two documents (English with a speaker turn, and Chinese with an astral character), two coders
who disagree somewhere, a span, memos that look like formulas, a passage coded as "nothing
applies", a code without stance, an assignment and a consensus on one passage.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.coding import assignments
from workbench.formats.scope import ExportScope
from workbench.interchange import exports
from workbench.models import Code
from workbench.models import Passage
from workbench.models import Project
from workbench.models import User
from workbench.reliability import adjudication

ENGLISH = (
    b"Mr. Zhang Jun (China): We support capacity-building for developing countries.\n\n"
    b"We oppose interference in the internal affairs of sovereign States.\n\n"
    b'- The private sector is an indispensable partner; =HYPERLINK("http://x","y") too.\n'
)
CHINESE = (
    "张军（中国）：中方谴责一切形式的恐怖主义。\n\n国际社会应加强反恐合作，支持发展中国家能力建设𠀀。\n"
).encode()
PAYLOAD_MEMO = '=HYPERLINK("http://evil.example","click")'
DASH_MEMO = "- first point\n- second point"


@dataclass
class Study:
    """What the tests need to find again."""

    project: Project
    lead: User
    coder1: User
    coder2: User
    codes: dict[str, Code]
    english: list[Passage]
    chinese: list[Passage]


def build_study(
    session: Session, make_user: Any, make_project: Any, import_text: Any, *, blind: bool = True
) -> Study:
    """Create and commit the study."""
    lead = make_user("lead", name="Lead")
    coder1 = make_user("coder1", name="Coder One")
    coder2 = make_user("coder2", name="Coder Two")
    project = make_project("CT study", lead=lead, coders=(coder1, coder2), blind=blind)
    codebooks.ensure_seed_codebook(session, project, lead)
    codebooks.add_code(
        session, project, {"name": "Procedural", "takes_stance": "0"}, parent_id=None, user=lead
    )
    session.commit()
    import_text(project, [("statement-2020.txt", ENGLISH)])
    import_text(project, [("zh-2018.txt", CHINESE)])
    codes = {c.name: c for c in codebooks.live_codes(session, project)}
    passages = list(
        session.scalars(
            select(Passage)
            .where(Passage.project_id == project.id)
            .order_by(Passage.document_id, Passage.ordinal)
        )
    )
    english = [p for p in passages if p.document_id == passages[0].document_id]
    chinese = [p for p in passages if p.document_id != passages[0].document_id]
    english[0].document.date = "2020-07-10"
    chinese[0].document.date = "2018-02-13"
    pp, cb_, sov = (
        codes["Public-private partnership"],
        codes["Capacity-building"],
        codes["Sovereignty"],
    )
    version = codebooks.current_version(session, project)
    apply = coding.apply_code
    apply(
        session,
        project,
        coder1,
        english[0].id,
        cb_.id,
        stance=1,
        memo=DASH_MEMO,
        codebook_version=version,
    )
    apply(session, project, coder2, english[0].id, cb_.id, stance=2, codebook_version=version)
    apply(session, project, coder2, english[1].id, sov.id, stance=-1, codebook_version=version)
    apply(
        session,
        project,
        coder1,
        english[2].id,
        pp.id,
        stance=1,
        span=coding.Span(2, 20),
        codebook_version=version,
    )
    apply(session, project, coder1, english[2].id, codes["Procedural"].id, codebook_version=version)
    coding.set_done(session, project, coder1, english[1].id, True)  # nothing applies
    apply(
        session,
        project,
        coder2,
        chinese[0].id,
        cb_.id,
        stance=0,
        memo=PAYLOAD_MEMO,
        codebook_version=version,
    )
    apply(
        session,
        project,
        coder1,
        chinese[1].id,
        cb_.id,
        stance=2,
        span=coding.Span(0, 6),
        codebook_version=version,
    )
    coding.set_passage_memo(session, project, coder1, chinese[1].id, "+ note", limit=1000)
    assignments.assign_documents(session, project, [english[0].document_id], [coder1.id], overlap=0)
    adjudication.resolve(session, project, lead, english[0].id, {cb_.id: 2})
    session.commit()
    return Study(project, lead, coder1, coder2, codes, english, chinese)


def export_workbook(session: Session, project: Project, scope: ExportScope | None = None) -> Any:
    """Export to xlsx in memory and reopen it with openpyxl."""
    buf = io.BytesIO()
    exports.write_export(session, project, scope or ExportScope(bootstrap=50), "xlsx", buf)
    buf.seek(0)
    return load_workbook(buf)


def rows_of(ws: Any) -> list[dict[str, Any]]:
    """A worksheet as dicts keyed by its header row."""
    values = list(ws.values)
    header = list(values[0])
    return [dict(zip(header, row, strict=False)) for row in values[1:]]


def test_the_study_builds(
    session: Session, make_user: Any, make_project: Any, import_text: Any
) -> None:
    study = build_study(session, make_user, make_project, import_text)
    assert len(study.english) == 3 and len(study.chinese) == 2
    assert not study.codes["Procedural"].takes_stance
