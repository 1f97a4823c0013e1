"""An NVivo-shaped project comes in with every selection on its exact text, and goes out again."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.refi_fixtures import USERS
from tests.refi_fixtures import nvivo_file
from workbench.core.corpus import segment
from workbench.interchange import project_exchange
from workbench.models import Annotation
from workbench.models import Document
from workbench.models import Passage
from workbench.models import User

NS = {"q": "urn:QDA-XML:project:1.0"}


def _coded_texts(session: Session, project: Any) -> Counter[tuple[str, str, str]]:
    rows = session.execute(
        select(Passage.text, Annotation.span_start, Annotation.span_end, User.display_name)
        .join(Annotation, Annotation.passage_id == Passage.id)
        .join(User, User.id == Annotation.coder_id)
        .where(Annotation.project_id == project.id)
    ).all()
    return Counter((text if a is None else text[a:b], name, "") for text, a, b, name in rows)


def test_every_nvivo_selection_lands_on_its_text_and_survives_re_export(
    session: Session, make_user: Any, make_project: Any
) -> None:
    lead = make_user("lead")
    project = make_project("Comments", lead=lead)
    data, raw, wanted = nvivo_file()
    names = {guid: name for guid, (name, _) in USERS.items()}
    intended = Counter((w.text(raw), names[w.user], "") for w in wanted)
    lf = raw.replace("\r\n", "\n")
    # Paragraph segmentation would leave some of these selections in text nobody may code.
    by_paragraph = segment(lf, mode="paragraph")
    assert len(by_paragraph) < 40
    assert any(not p.codable for p in by_paragraph)

    report = project_exchange.import_project_file(
        session, project, lead, "comments.qdpx", data, create_coders=True
    )
    session.commit()
    assert report.complete, report.dropped
    assert report.codings == len(wanted) >= 300
    assert "UTF-16 code units, CRLF counted as two, BOM not counted" in report.readings[0]
    assert "UTF-16 code units" in " ".join(line for line, _problem in report.lines())
    doc = session.scalar(select(Document).where(Document.project_id == project.id))
    assert doc is not None and doc.text == lf and doc.segmentation == "lines"
    assert _coded_texts(session, project) == intended
    # Selections that cross a line merged those lines; furniture lines were made codable.
    assert [c for c in report.changes if "merged into one" in c]
    # Lines holding two selections of one coder with one code were cut between the two.
    assert len([c for c in report.changes if " cut at character " in c]) == 3
    assert report.merged_selections == 0
    assert sorted(report.created_coders) == ["Ünal.Á (Ünal.Á)", "王伟 (wangwei)"]
    created = session.scalars(
        select(Annotation.created_at).where(Annotation.project_id == project.id)
    ).all()
    assert sorted({c.strftime("%Y-%m-%dT%H:%M:%SZ") for c in created}) == sorted(
        {w.created for w in wanted}
    )

    buf = io.BytesIO()
    project_exchange.export_qdpx(session, project, buf)
    with zipfile.ZipFile(buf) as zf:
        root = etree.fromstring(zf.read("project.qde"))
        texts = {
            n.split("/")[-1][: -len(".txt")]: zf.read(n).decode("utf-8")
            for n in zf.namelist()
            if n.startswith("sources/")
        }
    users = {u.get("guid"): u.get("name") for u in root.iterfind(".//q:User", NS)}
    out: Counter[tuple[str, str, str]] = Counter()
    for source in root.iterfind(".//q:TextSource", NS):
        text = texts[source.get("guid")]
        for sel in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            out[(text[start:end], users[sel.get("creatingUser")], "")] += 1
            assert sel.get("creationDateTime")
    assert out == intended
    assert {"王伟", "Ünal.Á"} <= set(users.values())
