"""A study that fills every page type, for the accessibility and layout walks.

Built on the export tests' study (English and Chinese documents, two coders who disagree, a
consensus), plus a reliability round that both coders finished, adjudicated and declared gold,
Xinjiang rebuttal co-occurring with Sovereignty (the longest column label), an admin, an
export job and a coded document deleted (so the document history lists an entry with its undo),
so that no page is walked empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from tests.db.test_export_data import Study
from tests.db.test_export_data import build_study
from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.documents import catalog as documents
from workbench.documents import deletion as document_delete
from workbench.formats.scope import ExportScope
from workbench.jobs import export_jobs
from workbench.models import User
from workbench.reliability import adjudication
from workbench.reliability import gold
from workbench.reliability import rounds
from workbench.translations import links

# Pages outside a project, audited as the admin sees them (the sign-in page is audited signed out).
ADMIN_PAGES = {"accounts": "/admin/users", "password": "/account/password"}
SIGN_IN = "/login"


@dataclass
class WalkStudy:
    """The study and the ids the page addresses need."""

    study: Study
    admin: User
    round_id: int
    round_passage: int
    job_id: int
    link_id: int

    @property
    def slug(self) -> str:
        """The project's slug."""
        return self.study.project.slug

    def lead_pages(self) -> dict[str, str]:
        """Every page a lead reaches in this project, by a readable name, as paths."""
        p = f"/p/{self.slug}"
        doc = self.study.chinese[0].document_id
        first = self.study.english[0]
        english = first.document_id
        rnd = self.round_id
        return {
            "projects": "/",
            "project": p,
            "reader (Chinese)": f"{p}/d/{doc}",
            "codebook": f"{p}/codebook",
            "coding view (document)": f"{p}/d/{doc}/code",
            "queue": f"{p}/queue",
            "team": f"{p}/team",
            "coding quality": f"{p}/quality",
            "agreement": f"{p}/agreement",
            "agreement report": f"{p}/agreement/report",
            "round": f"{p}/agreement/rounds/{rnd}",
            "round report": f"{p}/agreement/report?round={rnd}",
            "disagreements": f"{p}/agreement/disagreements",
            "adjudication passage": f"{p}/agreement/passages/{self.round_passage}",
            "methods": f"{p}/agreement/methods",
            "gold result": f"{p}/agreement/rounds/{rnd}/gold/{self.study.coder1.id}",
            "export": f"{p}/export",
            "export job": f"{p}/export/jobs/{self.job_id}",
            "analysis": f"{p}/analysis",
            "analysis with segments": (
                f"{p}/analysis?code={self.study.codes['Capacity-building'].id}"
            ),
            "segments page": (
                f"{p}/analysis/segments?code={self.study.codes['Capacity-building'].id}"
            ),
            "password": "/account/password",
            "not found": f"{p}/d/999999",
            # A document's lifecycle: the history, the delete confirmation and the previews of
            # a change of passages, each listing the English document's codings that move (its
            # paragraphs are one sentence each, so only speaker turns change its passages).
            "document history": f"{p}/history",
            "delete confirmation": f"{p}/d/{english}/delete",
            "re-segment": f"{p}/d/{english}/resegment",
            "re-segment preview": f"{p}/d/{english}/resegment?mode=turn",
            "split": f"{p}/passages/{first.id}/split",
            "split preview": f"{p}/passages/{first.id}/split?at={len(first.text) // 2}",
            "merge preview": f"{p}/passages/{first.id}/merge",
            # The English and Chinese documents linked as versions of one statement.
            "translations": f"{p}/translations",
            "alignment": f"{p}/translations/{self.link_id}",
            "codes across versions": f"{p}/translations/{self.link_id}/compare"
            f"?coder={self.study.coder1.id}",
        }

    def coder_pages(self) -> dict[str, str]:
        """Pages a coder sees that a lead does not (or sees differently)."""
        p = f"/p/{self.slug}"
        return {
            "coder projects": "/",
            "coder project": p,
            "coder coding view (all)": f"{p}/code",
            "coder coding view (round)": f"{p}/code?round={self.round_id}",
            "coder queue": f"{p}/queue",
            "coder analysis": f"{p}/analysis",
            "my gold results": f"{p}/agreement/mine",
            "forbidden": f"{p}/agreement/report",
        }


def build_walk_study(
    session: Session, make_user: Any, make_project: Any, import_text: Any
) -> WalkStudy:
    """Create and commit the study."""
    study = build_study(session, make_user, make_project, import_text)
    admin = make_user("admin", admin=True, name="Admin")
    project, lead = study.project, study.lead
    codes = {c.name: c for c in codebooks.live_codes(session, project)}
    version = codebooks.current_version(session, project)
    xinjiang, sov = codes["Xinjiang rebuttal"], codes["Sovereignty"]
    passages = study.english + study.chinese
    for coder in (study.coder1, study.coder2):
        coding.apply_code(
            session, project, coder, study.chinese[0].id, xinjiang.id, codebook_version=version
        )
        coding.apply_code(
            session, project, coder, study.chinese[0].id, sov.id, codebook_version=version
        )
    rnd = rounds.create_round(
        session,
        project,
        lead,
        name="Pilot round",
        size=len(passages),
        coder_ids=[study.coder1.id, study.coder2.id],
        seed=7,
    )
    for passage in passages:
        for coder in (study.coder1, study.coder2):
            coding.set_done(session, project, coder, passage.id, True)
    session.flush()
    # The round is adjudicated (each passage takes coder two's coding) and declared gold; the
    # disagreement browser still lists the passages where the coders differed, as resolved.
    for passage in passages:
        adjudication.adopt(session, project, lead, passage.id, study.coder2.id, round_id=rnd.id)
    gold.declare_gold(session, project, lead, rnd, 0.8)
    job = export_jobs.create_job(session, project, lead, "xlsx", ExportScope())
    session.commit()
    # A third document, coded and then deleted: the history's entry and its undo button.
    text = b"A statement later withdrawn.\n\nIts second part.\n"
    imported = import_text(project, [("withdrawn.txt", text)])
    withdrawn = documents.get_document(session, project, imported.document_ids[0])
    coding.apply_code(
        session,
        project,
        study.coder1,
        withdrawn.passages[0].id,
        sov.id,
        codebook_version=codebooks.current_version(session, project),
    )
    document_delete.delete_document(session, project, lead, withdrawn)
    english_doc = documents.get_document(session, project, study.english[0].document_id)
    chinese_doc = documents.get_document(session, project, study.chinese[0].document_id)
    link = links.link_documents(session, project, english_doc, chinese_doc, "translation", lead)
    session.commit()
    return WalkStudy(
        study=study,
        admin=admin,
        round_id=rnd.id,
        round_passage=study.english[0].id,
        job_id=job.id,
        link_id=link.id,
    )
