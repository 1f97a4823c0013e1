"""The export speaks the language of whoever asks for it: About sheet and column dictionary in
Chinese for a Chinese interface, data cells identical to the English export, cell by cell."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from flask import Flask
from lxml import html
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tests.db.test_export_data import build_study

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}
# Prose written for readers, not data: the About block and dictionary, the methods paragraph.
PROSE = {"About", "Methods"}
# Columns of generated sentences about the data ("Coder One: applied, stance +1; ..."), written
# in the reader's language like the About sheet; every other cell is data.
PROSE_COLUMNS = {"Disagreements": {"judgements"}, "Drift": {"window", "flag_reason"}}


@pytest.fixture()
def study(session: Session, make_user: Any, make_project: Any, import_text: Any) -> Any:
    return build_study(session, make_user, make_project, import_text)


def _workbook(client: Any, slug: str, headers: dict[str, str]) -> Any:
    response = client.get(
        f"/p/{slug}/export/download?format=xlsx&layer=coders&bootstrap=0", headers=dict(headers)
    )
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data))


def _has_chinese(text: object) -> bool:
    return isinstance(text, str) and any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _check_languages(english: Any, chinese: Any) -> None:
    assert english.sheetnames == chinese.sheetnames  # sheet names are read by scripts: kept
    en_about = [[c.value for c in row] for row in english["About"].iter_rows()]
    zh_about = [[c.value for c in row] for row in chinese["About"].iter_rows()]
    assert len(en_about) == len(zh_about)
    # Field keys and column names stay as they are; the dictionary's descriptions are Chinese.
    heading = next(i for i, r in enumerate(zh_about) if r[0] == "工作表")
    assert en_about[heading][:3] == ["sheet", "column", "description"]
    assert zh_about[heading][:3] == ["工作表", "列", "说明"]
    assert [r[:1] for r in en_about[:heading]] == [r[:1] for r in zh_about[:heading]]
    dictionary = zh_about[heading + 1 :]
    assert dictionary and all(
        r[1] == e[1] for r, e in zip(dictionary, en_about[heading + 1 :], strict=True)
    )
    assert all(_has_chinese(r[2]) for r in dictionary), [
        r for r in dictionary if not _has_chinese(r[2])
    ][:5]
    assert not any(_has_chinese(r[2]) for r in en_about[heading + 1 :])
    fields = {r[0]: r[1] for r in zh_about[:heading]}
    assert _has_chinese(fields["presence_coding"]) and _has_chinese(fields["offsets"])
    assert fields["scope_documents"] == "全部"
    for name in english.sheetnames:
        if name in PROSE:
            continue
        en_cells = [[c.value for c in row] for row in english[name].iter_rows()]
        zh_cells = [[c.value for c in row] for row in chinese[name].iter_rows()]
        prose = [
            i
            for i, v in enumerate(en_cells[0] if en_cells else [])
            if v in PROSE_COLUMNS.get(name, ())
        ]
        assert len(prose) == len(PROSE_COLUMNS.get(name, ())), name
        for i in prose:
            assert all(_has_chinese(r[i]) for r in zh_cells[1:] if r[i]), name
            for row in (*en_cells, *zh_cells):
                row[i] = None
        assert en_cells == zh_cells, name


def test_a_chinese_workbook_has_a_chinese_about_sheet_and_the_same_data(
    study: Any, client_factory: Any
) -> None:
    lead = client_factory()
    lead.login("lead")
    slug = study.project.slug
    _check_languages(_workbook(lead, slug, EN), _workbook(lead, slug, ZH))


def test_a_background_export_keeps_the_language_it_was_asked_in(
    study: Any, client_factory: Any, app: Flask
) -> None:
    lead = client_factory()
    lead.login("lead")
    slug = study.project.slug
    english = _workbook(lead, slug, EN)
    app.config.update(EXPORT_INLINE_ROWS=0)
    started = lead.post(
        f"/p/{slug}/export/download",
        {"format": "xlsx", "bootstrap": "0"},
        htmx=False,
        headers=dict(ZH),
    )
    assert started.status_code == 303
    for _ in range(100):
        fragment = html.fromstring(lead.get(started.headers["Location"], htmx=True).data)
        if fragment.get("data-status") in ("done", "failed"):
            break
        time.sleep(0.1)
    assert fragment.get("data-status") == "done"
    link = fragment.xpath("//a[contains(@class,'button')]/@href")[0]
    chinese = load_workbook(io.BytesIO(lead.get(link).data))
    _check_languages(english, chinese)
