"""A reader of Chinese walks the workbench and meets no English interface text.

Text the users wrote (code names, passages, titles, names, file names) is marked translate="no"
by the templates and left out; so are key caps, code samples and the words every language keeps
(format names, coefficients' symbols: ``tests.i18n_scan.KEEP``); an attribute may name data the
page shows marked so. Everything else a page shows,
in text or in the attributes a reader meets (title, placeholder, aria-label, alt, button values,
the window title), must be Chinese.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.walk_study import WalkStudy
from tests.browser.walk_study import build_walk_study
from tests.conftest import PASSWORD
from tests.i18n_scan import KEEP

pytestmark = pytest.mark.browser

# Every Latin word shown outside data, with where it was seen. Hidden elements count too: a
# dialog or a fold opened later shows its text then.
_ENGLISH_LEFT = """(keep) => {
  const allowed = new Set(keep);
  const found = [];
  // A textarea's text is what its user typed (a memo), never interface text.
  const exempt = '[translate="no"], script, style, kbd, code, pre, samp, noscript, template, '
      + 'textarea';
  const words = (text) => (text.match(/[A-Za-z][A-Za-z0-9'’.-]*/g) || [])
      .filter((w) => !allowed.has(w) && !allowed.has(w.replace(/[.'’-]+$/, '')))
      .filter((w) => !/^v[0-9]+$/.test(w));
  const note = (where, text) => {
    const bad = words(text);
    if (bad.length) found.push(where + ': ' + text.replace(/\\s+/g, ' ').trim().slice(0, 120));
  };
  // Attributes cannot mark a part of their value translate="no": a label such as "应用
  // Sovereignty" names data. A word of an attribute passes if the page shows it as data.
  const data = new Set();
  for (const el of document.body.querySelectorAll('[translate="no"]')) {
    const shown = el.textContent + ' ' + (el.getAttribute('title') || '');
    for (const w of (shown.match(/[A-Za-z][A-Za-z0-9'’.-]*/g) || [])) data.add(w);
  }
  const attribute = (where, text) => {
    const bad = words(text).filter((w) => !data.has(w));
    if (bad.length) found.push(where + ': ' + text.replace(/\\s+/g, ' ').trim().slice(0, 120));
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(exempt)) continue;
    // An SVG <title> is a chart's tooltip: it may name data the way an attribute does.
    if (parent.namespaceURI === 'http://www.w3.org/2000/svg' && parent.localName === 'title') {
      attribute('svg title', node.nodeValue);
    } else {
      note(parent.tagName.toLowerCase(), node.nodeValue);
    }
  }
  const labelled = '[title], [placeholder], [aria-label], [alt], input[type=submit], '
      + 'input[type=button]';
  for (const el of document.body.querySelectorAll(labelled)) {
    if (el.closest(exempt)) continue;
    for (const name of ['title', 'placeholder', 'aria-label', 'alt']) {
      const value = el.getAttribute(name);
      if (value) attribute(el.tagName.toLowerCase() + '@' + name, value);
    }
    if (el.matches('input[type=submit], input[type=button]')) note('input@value', el.value);
  }
  attribute('document.title', document.title);
  return found;
}"""

# The pages the issue names, and more of the coder's week.
PAGES = (
    "coding view (document)",
    "codebook",
    "agreement report",
    "round report",
    "agreement",
    "project",
    "projects",
)


@pytest.fixture()
def walk(session: Any, make_user: Any, make_project: Any, import_text: Any) -> WalkStudy:
    return build_walk_study(session, make_user, make_project, import_text)


def english_left(page: Any) -> list[str]:
    """The English interface text the page shows, one line per piece."""
    return list(page.evaluate(_ENGLISH_LEFT, sorted(KEEP)))


def chinese_page(browser: Any, live_server: str, username: str) -> Any:
    """A page of a browser that asks for Chinese (Accept-Language), signed in."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server}/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{live_server}/")
    return page


def test_the_check_finds_english_and_passes_data(
    browser: Any, live_server: str, walk: WalkStudy
) -> None:
    page = chinese_page(browser, live_server, "lead")
    page.evaluate(
        """() => document.querySelector('main').insertAdjacentHTML('beforeend',
             '<p id="planted">编码 Coded passages</p><p translate="no">Sovereignty</p>' +
             '<button title="Open the round">打开</button><kbd>j</kbd><p>CSV · α</p>' +
             '<button aria-label="应用 Sovereignty">应用</button>' +
             '<button aria-label="Remove Sovereignty">删除</button>')"""
    )
    found = english_left(page)
    assert any("Coded passages" in line for line in found)
    assert any("Open the round" in line for line in found)
    assert "p: Sovereignty" not in found
    assert not any(line.endswith(": j") or "CSV" in line for line in found)
    # In an attribute, data the page shows as data passes; the English word beside it does not.
    assert not any("应用 Sovereignty" in line for line in found)
    assert any("Remove Sovereignty" in line for line in found)
    page.context.close()


def test_a_chinese_reader_meets_no_english_on_the_main_pages(
    browser: Any, live_server: str, walk: WalkStudy
) -> None:
    page = chinese_page(browser, live_server, "lead")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    pages = walk.lead_pages()
    left: list[str] = []
    for name in PAGES:
        response = page.goto(live_server + pages[name])
        assert response is not None and response.status == 200, name
        page.wait_for_load_state("networkidle")
        page.evaluate(
            "() => document.querySelectorAll('details').forEach((d) => { d.open = true; })"
        )
        left += [f"{name} | {line}" for line in english_left(page)]
    assert not left, f"{len(left)} pieces of English interface text:\n" + "\n".join(left)
    page.context.close()


def test_coding_in_chinese_keeps_the_interface_chinese(
    browser: Any, live_server: str, walk: WalkStudy
) -> None:
    """Fragments the coding view swaps in (a code applied by key, the keyboard help) too."""
    page = chinese_page(browser, live_server, "coder1")
    page.goto(live_server + walk.coder_pages()["coder coding view (all)"])
    page.wait_for_load_state("networkidle")
    page.keyboard.press("j")
    page.keyboard.press("?")
    page.wait_for_load_state("networkidle")
    left = english_left(page)
    assert not left, "English in the coding view:\n" + "\n".join(left)
    page.context.close()


def _walk(page: Any, live_server: str, pages: dict[str, str]) -> list[str]:
    """The English left on each page, every fold open, one line per piece."""
    left: list[str] = []
    for name, path in pages.items():
        page.goto(live_server + path)
        page.wait_for_load_state("networkidle")
        page.evaluate(
            "() => document.querySelectorAll('details').forEach((d) => { d.open = true; })"
        )
        page.wait_for_load_state("networkidle")
        left += [f"{name} | {line}" for line in english_left(page)]
    return left


def test_every_page_of_a_lead_is_chinese(browser: Any, live_server: str, walk: WalkStudy) -> None:
    """Beyond the main pages: every page type a lead reaches, with its folds open."""
    page = chinese_page(browser, live_server, "lead")
    left = _walk(page, live_server, walk.lead_pages())
    assert not left, f"{len(left)} pieces of English interface text:\n" + "\n".join(left)
    page.context.close()


def test_every_page_of_a_coder_is_chinese(browser: Any, live_server: str, walk: WalkStudy) -> None:
    """The pages a coder sees differently (their queue, blind views, their gold results)."""
    page = chinese_page(browser, live_server, "coder1")
    left = _walk(page, live_server, walk.coder_pages())
    assert not left, f"{len(left)} pieces of English interface text:\n" + "\n".join(left)
    page.context.close()
