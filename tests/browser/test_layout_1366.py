"""At 1366 × 768 (the commonest laptop screen) tables and charts are whole, and Chinese renders.

Whole means: no table cell whose content overflows it, no cell outside the visible box of its
table's container (so the per-code table keeps its Prevalence column), no sideways scrolling of
the page, and chart labels that are the full code names inside their drawing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import pytest

from tests.browser.conftest import login
from tests.browser.conftest import open_all_details
from tests.browser.walk_study import WalkStudy
from tests.browser.walk_study import build_walk_study

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}

# Cells whose content overflows them, or that lie outside the visible box of their container.
_CLIPPED_CELLS = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    problems.push(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
  }
  for (const table of document.querySelectorAll("main table")) {
    if (!table.getClientRects().length) continue;
    const box = (table.closest(".scroll") || table.parentElement).getBoundingClientRect();
    const view = {left: Math.max(box.left, 0), right: Math.min(box.right, root.clientWidth)};
    for (const cell of table.querySelectorAll("th, td")) {
      const name = `${table.id || table.className}: "${cell.textContent.trim().slice(0, 40)}"`;
      if (cell.scrollWidth > cell.clientWidth + 1) {
        problems.push(`${name} overflows its cell (${cell.scrollWidth} > ${cell.clientWidth})`);
      }
      const r = cell.getBoundingClientRect();
      if (r.right > view.right + 1 || r.left < view.left - 1) {
        problems.push(`${name} is outside the visible box (${r.left}-${r.right})`);
      }
    }
  }
  return problems;
}"""

# SVG chart labels: cut ones (an ellipsis) and ones drawn outside their <svg>.
_CUT_LABELS = """(selector) => {
  const problems = [];
  for (const svg of document.querySelectorAll(selector)) {
    const frame = svg.getBoundingClientRect();
    for (const text of svg.querySelectorAll("text.label")) {
      const label = text.textContent.trim();
      if (label.includes("…") || label.includes("...")) problems.push(`cut: "${label}"`);
      const r = text.getBoundingClientRect();
      if (r.left < frame.left - 1 || r.right > frame.right + 1 || r.top < frame.top - 1) {
        problems.push(`outside the chart: "${label}"`);
      }
    }
  }
  return problems;
}"""


@pytest.fixture()
def walk(session: Any, make_user: Any, make_project: Any, import_text: Any) -> WalkStudy:
    return build_walk_study(session, make_user, make_project, import_text)


@pytest.fixture()
def laptop(page: Any, live_server: str, walk: WalkStudy) -> Any:
    page.set_viewport_size(LAPTOP)
    login(page, live_server, "lead")
    return page


def clipped(page: Any) -> list[str]:
    """Problems with the page's tables, with every fold open."""
    open_all_details(page)
    return list(page.evaluate(_CLIPPED_CELLS))


def svg_texts(page: Any, selector: str) -> list[str]:
    """The text of SVG <text> elements (they have no innerText)."""
    return list(page.locator(selector).evaluate_all("els => els.map(e => e.textContent)"))


def test_the_check_sees_a_clipped_column(laptop: Any, live_server: str, walk: WalkStudy) -> None:
    # The checks can fail: squeezing the report's table into a box that hides its overflow, and
    # cutting a label, are both reported.
    laptop.goto(f"{live_server}/p/{walk.slug}/agreement/report")
    # Let the breakdowns finish loading, so no request is cut off when the server stops.
    laptop.locator("details[data-breakdown='speech'] tr[data-value='original']").wait_for()
    laptop.evaluate(
        """() => {
          const wrap = document.querySelector('#per-code').closest('.scroll');
          wrap.style.maxWidth = '700px'; wrap.style.overflow = 'hidden';
          document.querySelector('svg.alpha-chart text.label').textContent = '…operation';
        }"""
    )
    assert any("Prevalence" in p for p in clipped(laptop))
    assert laptop.evaluate(_CUT_LABELS, "svg.alpha-chart") == ['cut: "…operation"']


def test_agreement_report_keeps_every_column_and_whole_labels(
    laptop: Any, live_server: str, walk: WalkStudy
) -> None:
    for path in ("agreement/report", f"agreement/report?round={walk.round_id}"):
        laptop.goto(f"{live_server}/p/{walk.slug}/{path}")
        laptop.locator("details[data-breakdown='speech'] tr[data-value='original']").wait_for()
        assert clipped(laptop) == []
        prevalence = laptop.locator("#per-code thead th", has_text="Prevalence")
        assert prevalence.is_visible()
        assert laptop.evaluate(_CUT_LABELS, "svg.alpha-chart") == []
        labels = svg_texts(laptop, "svg.alpha-chart text.label")
        codes = laptop.locator("svg.alpha-chart g.code-row").evaluate_all(
            "rows => rows.map(r => r.dataset.code)"
        )
        assert labels == codes
        assert "Sovereignty and non-interference > Xinjiang rebuttal" in labels


def test_rounds_table_is_whole(laptop: Any, live_server: str, walk: WalkStudy) -> None:
    laptop.goto(f"{live_server}/p/{walk.slug}/agreement")
    table = laptop.locator("table.rounds-table")
    table.wait_for()
    assert table.locator("tbody tr").count() == 1
    assert clipped(laptop) == []
    assert "Xinjiang rebuttal" in table.locator("thead").inner_text()


def test_cooccurrence_and_frequencies_show_whole_code_names(
    laptop: Any, live_server: str, walk: WalkStudy
) -> None:
    laptop.goto(f"{live_server}/p/{walk.slug}/analysis")
    assert clipped(laptop) == []
    headers = laptop.locator("#cooccurrence-table thead th").all_inner_texts()
    assert "Xinjiang rebuttal" in [h.strip() for h in headers]
    breakdown = laptop.locator("#breakdown-table thead th").all_inner_texts()
    assert "Xinjiang rebuttal" in [h.strip() for h in breakdown]
    assert laptop.evaluate(_CUT_LABELS, "svg.bar-chart, svg.heatmap") == []
    bars = svg_texts(laptop, "svg.bar-chart text.label")
    assert "Sovereignty and non-interference > Xinjiang rebuttal" in bars
    assert laptop.locator("svg.heatmap text.label", has_text="Xinjiang rebuttal").count() == 2


def test_date_fields_say_their_form_without_a_realistic_placeholder(
    laptop: Any, live_server: str, walk: WalkStudy
) -> None:
    doc = walk.study.english[0].document_id
    pages = {"project": "", "reader": f"/d/{doc}", "analysis": "/analysis", "export": "/export"}
    for name, path in pages.items():
        laptop.goto(f"{live_server}/p/{walk.slug}{path}")
        open_all_details(laptop)
        fields = laptop.locator("main input[name^=date]:not([type=hidden])")
        assert fields.count() >= 1, name
        for field in fields.all():
            assert not field.get_attribute("placeholder"), name
            hint = laptop.locator(f"#{field.get_attribute('aria-describedby')}")
            assert "YYYY-MM-DD" in hint.inner_text(), name
            assert hint.is_visible(), name


def _cjk_font_installed() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


def test_chinese_passages_are_marked_and_drawn_with_a_chinese_face(
    laptop: Any, live_server: str, walk: WalkStudy
) -> None:
    doc = walk.study.chinese[0].document_id
    laptop.goto(f"{live_server}/p/{walk.slug}/d/{doc}")
    text = laptop.locator("li.passage p.text").first
    assert text.get_attribute("lang") == "zh"
    assert laptop.locator("h1").get_attribute("lang") == "zh"
    english = walk.study.english[0].document_id
    laptop.goto(f"{live_server}/p/{walk.slug}/d/{english}/code")
    assert laptop.locator("li.passage p.text").first.get_attribute("lang") == "en"
    # The stylesheet names the common Chinese faces after the Latin ones.
    stack = laptop.evaluate("() => getComputedStyle(document.body).fontFamily")
    for face in ("Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei"):
        assert face in stack
    assert stack.index("Arial") < stack.index("Noto Sans CJK SC")
    if not _cjk_font_installed():
        message = "no Chinese font installed (apt-get install fonts-noto-cjk)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Chromium reports the faces it actually drew the passage with.
    laptop.goto(f"{live_server}/p/{walk.slug}/d/{doc}")
    cdp = laptop.context.new_cdp_session(laptop)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "li.passage p.text"})
    used = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    faces = [f["familyName"] for f in used]
    assert any("CJK" in f or "Han" in f or "WenQuanYi" in f for f in faces), faces
