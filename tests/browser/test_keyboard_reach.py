"""Every action of the coding view and the codebook page is reachable and usable by Tab alone.

A walk presses Tab from the top of the page until the focus comes round again, and records what
had the focus: the main actions must all be among them, each with a visible focus outline, and
the walk must never be trapped. Then the actions are used with Enter, as a keyboard user would.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.browser.conftest import login
from workbench.codebooks import codes as codebooks
from workbench.models import Passage

pytestmark = pytest.mark.browser

STATEMENT = (
    b"Mr. Zhang Jun (China): We oppose interference in the internal affairs of States.\n\n"
    b"Capacity-building for developing countries must be strengthened.\n\n"
    b"The private sector is an indispensable partner.\n"
)

# What has the focus: enough to name it in an assertion, and whether its outline shows.
_FOCUSED = """() => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = (c) => {
    const [r, g, b] = rgb(c).slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  // The first opaque background behind an element: what its outline is drawn against.
  const backdrop = (node) => {
    for (; node; node = node.parentElement) {
      const bg = getComputedStyle(node).backgroundColor;
      const parts = rgb(bg);
      if (parts.length === 3 || parts[3] > 0) return bg;
    }
    return "rgb(255, 255, 255)";
  };
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const li = el.closest("li.passage");
  const style = getComputedStyle(el);
  // Each element gets a number on its first visit: the walk ends when one comes round again.
  window.walkIds = window.walkIds || new WeakMap();
  if (!window.walkIds.has(el)) {
    window.walkNext = (window.walkNext || 0) + 1;
    window.walkIds.set(el, window.walkNext);
  }
  return {
    key: String(window.walkIds.get(el)),
    tag: el.tagName.toLowerCase(),
    cls: typeof el.className === "string" ? el.className : "",
    name: (el.getAttribute("aria-label") || el.textContent || el.value || "").trim(),
    passage: li ? li.id : "",
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2 &&
      contrast(style.outlineColor, backdrop(el.parentElement)) >= 3,
  };
}"""


def tab_walk(page: Any, limit: int = 400) -> list[dict[str, Any]]:
    """Press Tab until the focus comes back to where it started; return what had the focus."""
    seen: list[dict[str, Any]] = []
    keys: set[str] = set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = page.evaluate(_FOCUSED)
        if now is None:  # past the last control, the focus leaves the document
            if seen:
                break
            continue
        if now["key"] in keys:
            break
        keys.add(now["key"])
        seen.append(now)
    else:
        pytest.fail(f"Tab never came round after {limit} presses (a trap?)")
    return seen


def tab_to(page: Any, selector: str, limit: int = 300) -> None:
    """Press Tab until the element matching the selector has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector}")


def names(walk: list[dict[str, Any]], cls: str = "", tag: str = "") -> list[str]:
    """Names of the focused elements with this class (substring) and tag."""
    return [
        w["name"]
        for w in walk
        if (not cls or cls in w["cls"].split()) and (not tag or w["tag"] == tag)
    ]


@pytest.fixture()
def project(session: Any, make_user: Any, make_project: Any, import_text: Any) -> Any:
    lead = make_user("lead", name="Lead")
    coder = make_user("coder1", name="Coder One")
    project = make_project("Keyboard reach", lead=lead, coders=(coder,))
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    import_text(project, [("statement.txt", STATEMENT)])
    return project


def test_tab_reaches_every_action_of_the_coding_view(
    page: Any, live_server: str, project: Any, session: Any
) -> None:
    passages = list(
        session.scalars(
            select(Passage).where(Passage.project_id == project.id).order_by(Passage.ordinal)
        )
    )
    codable = [c for c in codebooks.live_codes(session, project) if c.is_codable]
    doc = passages[0].document_id
    login(page, live_server, "coder1")
    page.goto(f"{live_server}/p/{project.slug}/d/{doc}/code")
    first = f"#passage-{passages[0].id}"
    # Give the first passage a code with a stance, so its chip's controls are on the page.
    page.locator(f"{first} p.text").click()
    page.locator(f".apply-code[data-code='{codable[1].id}']").click()
    page.locator(f"{first} .chip").wait_for()
    page.locator("a.brand").focus()

    walk = tab_walk(page)
    done = {w["passage"] for w in walk if "done" in w["cls"].split()}
    assert done == {f"passage-{p.id}" for p in passages if p.codable}
    applied = {w["name"] for w in walk if "apply-code" in w["cls"].split()}
    assert len(applied) == len(codable)
    stances = [w for w in walk if "stance" in w["cls"].split() and w["passage"] == first[1:]]
    assert len(stances) == 5
    summaries = names(walk, tag="summary")
    assert "memo" in summaries and "passage memo" in summaries
    assert any(n.startswith("definition of") for n in summaries)
    assert any(n.startswith("remove ") for n in names(walk, cls="remove"))
    assert "history" in names(walk, cls="history-link")
    assert "Filter" in names(walk, tag="button")
    assert {"Codebook", "My queue", "Sign out"} <= {w["name"] for w in walk}
    # Every link and button shows a focus outline of at least 2 px and 3:1 against its backdrop.
    hidden = [w["name"] for w in walk if not w["outline"] and w["tag"] in ("a", "button")]
    assert hidden == [], f"focus not visible on {hidden}"

    # Used by keyboard alone: Enter on the second passage's Done marks that passage (not the
    # current one), and Enter on a code in the codebook applies it to the passage last tabbed in.
    second = f"#passage-{passages[1].id}"
    page.locator("a.brand").focus()
    tab_to(page, f"{second} button.done")
    page.keyboard.press("Enter")
    page.locator(f"{second} .state[data-state='coded']").wait_for()
    third = f"#passage-{passages[2].id}"
    assert page.locator(f"{third} .state").get_attribute("data-state") == "todo"
    page.locator("a.brand").focus()
    tab_to(page, f"{third} button.history-link")
    tab_to(page, f".apply-code[data-code='{codable[0].id}']")
    page.keyboard.press("Enter")
    page.locator(f"{third} .chip[data-code='{codable[0].id}']").wait_for()
    assert page.locator(f"{second} .chip").count() == 0


def test_tab_on_a_passage_steps_through_its_codes_and_moves_on(
    page: Any, live_server: str, project: Any, session: Any
) -> None:
    passage = session.scalars(
        select(Passage).where(Passage.project_id == project.id).order_by(Passage.ordinal)
    ).first()
    codable = [c for c in codebooks.live_codes(session, project) if c.is_codable]
    login(page, live_server, "coder1")
    page.goto(f"{live_server}/p/{project.slug}/d/{passage.document_id}/code")
    li = page.locator(f"#passage-{passage.id}")
    for code in codable[:2]:
        page.locator(f".apply-code[data-code='{code.id}']").click()
        li.locator(f".chip[data-code='{code.id}']").wait_for()
    page.reload()  # a fresh page: no code selected yet
    chips = li.locator(".chips .chip").evaluate_all("cs => cs.map(c => c.dataset.code)")
    assert sorted(chips) == sorted(str(c.id) for c in codable[:2])
    li.focus()
    page.keyboard.press("Tab")
    assert li.locator(".chip.selected").get_attribute("data-code") == chips[0]
    page.keyboard.press("Tab")
    assert li.locator(".chip.selected").get_attribute("data-code") == chips[1]
    page.keyboard.press("Tab")  # past the last code, Tab leaves the passage itself
    assert not page.evaluate("(id) => document.activeElement.id === id", f"passage-{passage.id}")


def test_tab_reaches_every_action_of_the_codebook(
    page: Any, live_server: str, project: Any, session: Any
) -> None:
    codes = codebooks.live_codes(session, project)
    login(page, live_server, "lead")
    page.goto(f"{live_server}/p/{project.slug}/codebook")
    page.locator("a.brand").focus()
    walk = tab_walk(page)
    assert names(walk, tag="summary").count("Edit") == len(codes)
    buttons = names(walk, tag="button")
    for action in ("Add", "Save the scale as a new version", "Merge", "Check"):
        assert action in buttons
    links = names(walk, tag="a")
    assert "Excel" in links and "REFI-QDA .qdc" in links
    # Every link and button shows a focus outline of at least 2 px and 3:1 against its backdrop.
    hidden = [w["name"] for w in walk if not w["outline"] and w["tag"] in ("a", "button")]
    assert hidden == [], f"focus not visible on {hidden}"

    # Edit a code by keyboard alone: open its fold, change the definition, save.
    target = next(c for c in codes if c.name == "Sovereignty")
    card = f"#code-{target.id}"
    page.locator("a.brand").focus()
    tab_to(page, f"{card} summary")
    page.keyboard.press("Enter")
    tab_to(page, f"{card} textarea[name=definition]")
    page.keyboard.press("Control+A")
    page.keyboard.type("Remarks on the order of business only.")
    tab_to(page, f"{card} form button[type=submit]")
    page.keyboard.press("Enter")
    page.locator("#codebook p.ok").wait_for()
    assert "order of business only" in page.locator(card).inner_text()
