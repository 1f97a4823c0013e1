"""Coding over HTTP: idempotent applies, stance, memos, spans, blindness and roles."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from lxml import html
from sqlalchemy import func
from sqlalchemy import select

from tests.conftest import reread
from tests.conftest import write_lock_held_elsewhere
from workbench.codebooks import codes as codebooks
from workbench.models import Annotation
from workbench.models import Assignment
from workbench.models import AuditEvent
from workbench.models import Passage
from workbench.models import PassageState

from .conftest import Team


class _Chips(HTMLParser):
    """Collects the code names shown on passages, with the coder label for others' chips."""

    def __init__(self) -> None:
        super().__init__()
        self.mine: list[str] = []
        self.others: list[str] = []
        self._where: str | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        if self._where:
            self._depth += 1
        elif "chip other" in cls:
            self._where, self._depth = "others", 1
        elif cls.split() and cls.split()[0] == "name":
            self._where, self._depth = "mine", 1

    def handle_endtag(self, tag: str) -> None:
        if self._where:
            self._depth -= 1
            if self._depth == 0:
                self._where = None

    def handle_data(self, data: str) -> None:
        if self._where and data.strip():
            getattr(self, self._where).append(data.strip())


def chips(html: str) -> _Chips:
    parser = _Chips()
    parser.feed(html)
    return parser


def with_others(client, html: str) -> _Chips:
    """The chips of a coding view, with the other coders' codings each passage offers to open."""
    found = chips(html)
    for url in re.findall(r'<details class="others" hx-get="([^"]+)"', html):
        found.others += chips(client.get(url, htmx=True).get_data(as_text=True)).others
    return found


def _count(session, **where) -> int:
    stmt = select(func.count(Annotation.id))
    for key, value in where.items():
        stmt = stmt.where(getattr(Annotation, key) == value)
    return int(session.scalar(stmt))


def test_apply_is_idempotent(client, team: Team, session) -> None:
    client.login("coder1")
    p = team.passages[1]
    code = team.codes["Sovereignty"]
    for _ in range(3):
        r = client.post(f"/p/{team.slug}/code/apply", {"passage_id": p.id, "code_id": code.id})
        assert r.status_code == 200
    reread(session)
    assert _count(session, passage_id=p.id, code_id=code.id) == 1
    # One history event for the apply; repeats changed nothing and recorded nothing.
    events = session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "apply"))
    assert events == 1
    state = session.scalar(select(PassageState).where(PassageState.passage_id == p.id))
    assert state is not None and state.coded


def test_toggle_removes_and_stance_and_memo_update(client, team: Team, session) -> None:
    client.login("coder1")
    p, code = team.passages[0], team.codes["Capacity-building"]
    url = f"/p/{team.slug}/code"
    assert client.post(f"{url}/toggle", {"passage_id": p.id, "code_id": code.id}).status_code == 200
    r = client.post(f"{url}/stance", {"passage_id": p.id, "code_id": code.id, "stance": "2"})
    assert r.status_code == 200
    r = client.post(
        f"{url}/memo", {"passage_id": p.id, "code_id": code.id, "memo": "clear endorsement"}
    )
    assert r.status_code == 200
    reread(session)
    ann = session.scalar(select(Annotation).where(Annotation.passage_id == p.id))
    assert (ann.stance, ann.memo) == (2, "clear endorsement")
    assert client.post(f"{url}/toggle", {"passage_id": p.id, "code_id": code.id}).status_code == 200
    reread(session)
    assert _count(session, passage_id=p.id) == 0


def test_done_with_no_code_is_an_answer(client, team: Team, session) -> None:
    client.login("coder2")
    p = team.passages[2]
    r = client.post(
        f"/p/{team.slug}/code/done",
        {"passage_id": p.id, "coded": "1", "scope": f"doc:{p.document_id}"},
    )
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'hx-swap-oob="outerHTML"' in html and 'id="scope-progress"' in html
    assert 'aria-valuenow="1"' in html  # the progress bar moved
    reread(session)
    state = session.scalar(select(PassageState).where(PassageState.passage_id == p.id))
    assert state.coded and _count(session, passage_id=p.id) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("code_id", "999999", "not in this project"),
        ("stance", "7", "outside the scale"),
        ("code_id", "abc", "not a number"),
    ],
)
def test_bad_input_is_a_clear_4xx(client, team: Team, session, field, value, message) -> None:
    client.login("coder1")
    data = {
        "passage_id": team.passages[0].id,
        "code_id": team.codes["Sovereignty"].id,
        "stance": "1",
    }
    data[field] = value
    r = client.post(f"/p/{team.slug}/code/apply", data)
    assert 400 <= r.status_code < 500
    assert message in r.get_data(as_text=True)
    assert _count(session) == 0  # nothing half-written


def test_span_outside_passage_and_huge_memo_are_refused(client, team: Team, session) -> None:
    client.login("coder1")
    p, code = team.passages[0], team.codes["Sovereignty"]
    r = client.post(
        f"/p/{team.slug}/code/apply",
        {"passage_id": p.id, "code_id": code.id, "span_start": 0, "span_end": 10_000},
    )
    assert r.status_code == 422 and "outside the passage" in r.get_data(as_text=True)
    r = client.post(
        f"/p/{team.slug}/code/apply",
        {"passage_id": p.id, "code_id": code.id, "memo": "x" * 3_000_000},
    )
    assert r.status_code in (413, 422)
    assert _count(session) == 0


def test_span_offsets_are_code_points(client, team: Team, session, import_text) -> None:
    text = "中国代表团支持能力建设。𠀀我们反对干涉内政。".encode()
    import_text(team.project, [("zh.txt", text)])
    p = session.scalars(select(Passage).where(Passage.text.like("%干涉%"))).first()
    start = p.text.index("干涉")
    client.login("coder1")
    code = team.codes["Sovereignty"]
    r = client.post(
        f"/p/{team.slug}/code/toggle",
        {"passage_id": p.id, "code_id": code.id, "span_start": start, "span_end": start + 2},
    )
    assert r.status_code == 200
    reread(session)
    ann = session.scalar(select(Annotation).where(Annotation.passage_id == p.id))
    assert p.text[ann.span_start : ann.span_end] == "干涉"
    assert "<mark" in r.get_data(as_text=True) and ">干涉</mark>" in r.get_data(as_text=True)


def test_blind_coders_see_only_their_own(client_factory, team: Team) -> None:
    one, two, lead = client_factory(), client_factory(), client_factory()
    one.login("coder1")
    two.login("coder2")
    lead.login("lead")
    p = team.passages[1]
    one.post(
        f"/p/{team.slug}/code/apply", {"passage_id": p.id, "code_id": team.codes["Sovereignty"].id}
    )
    url = f"/p/{team.slug}/code?doc={p.document_id}"
    page_of_two = two.get(url).get_data(as_text=True)
    seen_by_two = with_others(two, page_of_two)
    assert "Sovereignty" not in seen_by_two.mine + seen_by_two.others
    assert 'class="others"' not in page_of_two
    # Asking for the other coders' codings directly is refused in blind coding.
    refused = two.get(f"/p/{team.slug}/passages/{p.id}/codings", htmx=True)
    assert refused.status_code == 403
    assert "Sovereignty" not in refused.get_data(as_text=True)
    # URL tampering: filtering by another coder's code or asking for history shows none of theirs.
    tampered = two.get(f"{url}&code={team.codes['Sovereignty'].id}").get_data(as_text=True)
    assert "No passages match" in tampered
    history = two.get(f"/p/{team.slug}/passages/{p.id}/history", htmx=True).get_data(as_text=True)
    assert "Sovereignty" not in history and "Coder One" not in history
    seen_by_lead = with_others(lead, lead.get(url).get_data(as_text=True))
    assert any("Sovereignty" in o for o in seen_by_lead.others)
    assert "Coder One" in lead.get(f"/p/{team.slug}/passages/{p.id}/history", htmx=True).get_data(
        as_text=True
    )


def test_open_mode_shows_others(client_factory, team: Team, session) -> None:
    team.project.blind = False
    session.commit()
    one, two = client_factory(), client_factory()
    one.login("coder1")
    two.login("coder2")
    p = team.passages[1]
    one.post(
        f"/p/{team.slug}/code/apply", {"passage_id": p.id, "code_id": team.codes["Sovereignty"].id}
    )
    page = two.get(f"/p/{team.slug}/code?doc={p.document_id}").get_data(as_text=True)
    seen = with_others(two, page)
    assert any("Sovereignty" in o for o in seen.others)


LEAD_ONLY_POSTS = [
    ("/p/{slug}/settings", {}),
    ("/p/{slug}/members", {"username": "coder2", "role": "lead"}),
    ("/p/{slug}/assign", {"coders": "1", "documents": "1"}),
    ("/p/{slug}/codebook/codes", {"name": "New"}),
    ("/p/{slug}/codebook/merge", {"source_id": "1", "target_id": "2"}),
    ("/p/{slug}/passages/{pid}/codable", {"codable": "0"}),
    ("/p/{slug}/d/{did}/metadata", {"title": "x"}),
    ("/p/{slug}/upload", {}),
]
LEAD_ONLY_GETS = ["/p/{slug}/team"]


@pytest.mark.parametrize(("url", "data"), LEAD_ONLY_POSTS)
def test_coders_cannot_use_lead_actions(client, team: Team, url, data) -> None:
    client.login("coder1")
    p = team.passages[0]
    r = client.post(url.format(slug=team.slug, pid=p.id, did=p.document_id), data)
    assert r.status_code == 403


@pytest.mark.parametrize("url", LEAD_ONLY_GETS)
def test_coders_cannot_open_lead_pages(client, team: Team, url) -> None:
    client.login("coder1")
    assert client.get(url.format(slug=team.slug)).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/p/{slug}",
        "/p/{slug}/code",
        "/p/{slug}/queue",
        "/p/{slug}/codebook",
        "/p/{slug}/d/{did}",
        "/p/{slug}/passages/{pid}/history",
    ],
)
def test_outsiders_get_403_and_anonymous_get_login(
    client_factory, team: Team, make_user, url
) -> None:
    make_user("outsider")
    p = team.passages[0]
    target = url.format(slug=team.slug, did=p.document_id, pid=p.id)
    outsider = client_factory()
    outsider.login("outsider")
    assert outsider.get(target).status_code == 403
    anonymous = client_factory()
    r = anonymous.get(target)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_coder_cannot_touch_another_projects_passage(
    client, team: Team, make_project, import_text, session
) -> None:
    other = make_project("Other", lead=team.lead, coders=(team.coder1,))
    import_text(other, [("other.txt", b"Another text entirely, about sovereignty.")])
    client.login("coder1")
    foreign = session.scalars(select(Passage).where(Passage.project_id == other.id)).first()
    r = client.post(
        f"/p/{team.slug}/code/apply",
        {"passage_id": foreign.id, "code_id": team.codes["Sovereignty"].id},
    )
    assert r.status_code == 404
    assert _count(session) == 0


def test_code_names_and_memos_render_as_text(client, team: Team, session) -> None:
    code = team.codes["Sovereignty"]
    codebooks.edit_code(
        session, team.project, code.id, {"name": "<script>alert(1)</script>"}, user=team.lead
    )
    session.commit()
    client.login("coder1")
    p = team.passages[0]
    r = client.post(
        f"/p/{team.slug}/code/apply",
        {"passage_id": p.id, "code_id": code.id, "memo": "<img src=x onerror=alert(2)>"},
    )
    html = r.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html


def test_progress_in_an_assigned_view_counts_assigned_passages(
    client_factory, team: Team, session
) -> None:
    from workbench.coding import assignments

    doc = team.passages[0].document_id
    assignments.assign_sample(session, team.project, [team.coder1.id], size=2, overlap=0, seed=5)
    session.commit()
    coder = client_factory()
    coder.login("coder1")
    page = coder.get(f"/p/{team.slug}/code?doc={doc}&assigned=1").get_data(as_text=True)
    assert 'aria-valuemax="2"' in page and f'value="doc:{doc} assigned:1"' in page
    assigned = session.scalars(select(Assignment.passage_id)).all()
    r = coder.post(
        f"/p/{team.slug}/code/done", {"passage_id": assigned[0], "scope": f"doc:{doc} assigned:1"}
    )
    html = r.get_data(as_text=True)
    assert 'aria-valuemax="2"' in html and 'aria-valuenow="1"' in html


def test_action_fragment_is_read_in_the_write_and_rendered_after_it(
    client, team: Team, monkeypatch
) -> None:
    # The changed row is read in the write's own transaction (one transaction per action) and
    # rendered once the write has committed: on SQLite, outside the writer turn.
    from flask import g

    from workbench.coding import pages
    from workbench.web import coding

    seen: list[tuple[str, bool]] = []
    build, render = pages.action_fragment, coding.render_template

    def watched(*args, **kwargs):
        seen.append(("read", g.wb_unit.writing))
        return build(*args, **kwargs)

    def rendered(*args, **kwargs):
        seen.append(("render", g.wb_unit.writing))
        return render(*args, **kwargs)

    monkeypatch.setattr(pages, "action_fragment", watched)
    monkeypatch.setattr(coding, "render_template", rendered)
    client.login("coder1")
    p, code = team.passages[0], team.codes["Sovereignty"]
    for action in ("toggle", "apply", "stance", "memo", "remove", "done"):
        data = {"passage_id": p.id, "code_id": code.id, "stance": "", "memo": "m"}
        if action == "done":
            data = {"passage_id": p.id, "coded": "0"}
        assert client.post(f"/p/{team.slug}/code/{action}", data).status_code == 200, action
    assert seen == [("read", True), ("render", False)] * 6


def test_a_refused_coding_action_gives_the_writer_turn_back(
    client_factory, team: Team, make_user, session, app
) -> None:
    # The turn is taken before the user is read: a request refused after that must still give
    # it back, or every later action waits: a passage of no project and a user who is not a
    # member (refused by the view), and a session ended elsewhere (refused before the view).
    from workbench.models import User
    from workbench.web.unit import database

    make_user("outsider", name="Outsider")
    session.commit()
    coder, outsider, ended = client_factory(), client_factory(), client_factory()
    for client, name in ((coder, "coder1"), (outsider, "outsider"), (ended, "coder2")):
        client.login(name)
    user = session.get(User, team.coder2.id)
    user.session_generation += 1
    session.commit()
    p, code = team.passages[0], team.codes["Sovereignty"]
    url = f"/p/{team.slug}/code/toggle"
    gate = database(app).gate  # None on PostgreSQL, which locks rows instead
    for client, status in ((coder, 404), (outsider, 403), (ended, 302)):
        passage_id = 10**6 if status == 404 else p.id
        response = client.post(url, {"passage_id": passage_id, "code_id": code.id})
        assert response.status_code == status
        if gate is not None:
            assert gate._threads.acquire(blocking=False), f"the turn was kept after {status}"
            gate._threads.release()
    assert coder.post(url, {"passage_id": p.id, "code_id": code.id}).status_code == 200


def test_passage_memo_keeps_one_state_row_and_records_changes_only(
    client, team: Team, session
) -> None:
    client.login("coder1")
    p = team.passages[1]
    url = f"/p/{team.slug}/code/memo"
    for memo in ("first thought", "first thought", "second thought"):
        assert client.post(url, {"passage_id": p.id, "memo": memo}).status_code == 200
    reread(session)
    states = session.scalars(select(PassageState).where(PassageState.passage_id == p.id)).all()
    assert [(s.memo, s.coded) for s in states] == [("second thought", False)]
    memos = session.scalars(
        select(AuditEvent.after).where(AuditEvent.action == "memo").order_by(AuditEvent.id)
    ).all()
    assert memos == [{"memo": "first thought"}, {"memo": "second thought"}]


# In a document's scope the row comes with the progress in one statement; elsewhere it is read
# on its own. Both must show the same row.
@pytest.mark.parametrize("scoped", [False, True], ids=["no scope", "document scope"])
def test_a_leads_action_row_counts_the_others_and_lists_them_on_demand(
    client_factory, team: Team, scoped: bool
) -> None:
    one, lead = client_factory(), client_factory()
    one.login("coder1")
    lead.login("lead")
    p = team.passages[0]
    scope = {"scope": f"doc:{p.document_id}"} if scoped else {}
    for name in ("Sovereignty", "Capacity-building"):
        one.post(f"/p/{team.slug}/code/apply", {"passage_id": p.id, "code_id": team.codes[name].id})
    r = lead.post(
        f"/p/{team.slug}/code/apply",
        {"passage_id": p.id, "code_id": team.codes["Sovereignty"].id, **scope},
    )
    row = html.fromstring(r.get_data(as_text=True))
    fold = row.xpath(f"//li[@id='passage-{p.id}']/details[@class='others']")
    assert [f.xpath("string(summary)") for f in fold] == ["2 codings by 1 other coder"]
    # The lead's own coding is a chip of theirs; the others' arrive when the fold is opened.
    assert row.xpath("//div[@class='chips']/div/span[@class='name']/text()") == ["Sovereignty"]
    listed = lead.get(fold[0].get("hx-get"), htmx=True).get_data(as_text=True)
    assert sorted(chips(listed).others) == [
        "Coder One: Capacity-building",
        "Coder One: Sovereignty",
    ]


def test_a_coders_answer_in_a_document_scope_shows_their_codings_state_and_progress(
    client_factory, team: Team
) -> None:
    # Another coder's codings on the same passage stay out of a blind coder's answer.
    other, coder = client_factory(), client_factory()
    other.login("coder2")
    coder.login("coder1")
    p = team.passages[0]
    url = f"/p/{team.slug}/code/toggle"
    other.post(url, {"passage_id": p.id, "code_id": team.codes["Sovereignty"].id})

    def toggle(name: str) -> html.HtmlElement:
        data = {"passage_id": p.id, "code_id": team.codes[name].id}
        r = coder.post(url, {**data, "scope": f"doc:{p.document_id}"})
        assert r.status_code == 200
        return html.fromstring(f"<div>{r.get_data(as_text=True)}</div>")

    def shown(answer: html.HtmlElement) -> tuple[list[str], str, str, str]:
        row = answer.xpath(f"//li[@id='passage-{p.id}']")[0]
        names = row.xpath(".//div[@class='chips']/div/span[@class='name']/text()")
        state = row.xpath("string(.//span[contains(@class, 'state')]/@data-state)")
        bar = answer.xpath("//*[@id='scope-progress']")[0]
        return names, state, bar.get("aria-valuenow"), bar.get("aria-valuemax")

    total = sum(1 for q in team.passages if q.document_id == p.document_id and q.codable)
    assert shown(toggle("Capacity-building")) == (["Capacity-building"], "coded", "1", str(total))
    both = shown(toggle("Public-private partnership"))
    assert both == (["Capacity-building", "Public-private partnership"], "coded", "1", str(total))
    assert not toggle("Sovereignty").xpath("//details[@class='others']")
    toggle("Sovereignty")
    toggle("Capacity-building")
    # The last code removed: the one row of the answer carries no coding, only the progress.
    assert shown(toggle("Public-private partnership")) == ([], "todo", "0", str(total))


def test_a_coding_action_on_a_locked_database_is_a_503_and_frees_the_turn(
    client, team: Team, app, db_url
) -> None:
    # The action takes the writer turn and opens its write as the user is looked up: a lock
    # held by another program must still give a clear 503, and the next action must go through.
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    client.login("coder1")
    p, code = team.passages[0], team.codes["Sovereignty"]
    url = f"/p/{team.slug}/code/toggle"
    with write_lock_held_elsewhere(app, db_url):
        response = client.post(url, {"passage_id": p.id, "code_id": code.id})
    assert response.status_code == 503
    assert "busy" in response.get_data(as_text=True)
    assert client.post(url, {"passage_id": p.id, "code_id": code.id}).status_code == 200
