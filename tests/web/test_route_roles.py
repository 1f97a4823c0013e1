"""Every project route refuses outsiders (403) and sends anonymous visitors to sign in."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from .conftest import Team

# Routes that serve files or static content, or take no project.
SKIP = {"static"}


def _project_rules(app: Flask) -> list[tuple[str, str, str]]:
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP or "<slug>" not in rule.rule:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            rules.append((rule.endpoint, rule.rule, method))
    return rules


def _fill(rule: str, team: Team) -> str:
    p = team.passages[0]
    values = {"slug": team.slug, "doc_id": str(p.document_id), "passage_id": str(p.id)}

    def value(match: re.Match[str]) -> str:
        name = match.group(2)
        return values.get(name, "1")

    return re.sub(r"<(?:(\w+):)?(\w+)>", value, rule)


def test_every_project_route_checks_membership(app, client_factory, team: Team, make_user) -> None:
    make_user("outsider")
    outsider = client_factory()
    outsider.login("outsider")
    anonymous = client_factory()
    checked = 0
    for endpoint, rule, method in _project_rules(app):
        url = _fill(rule, team)
        if method == "GET":
            r_out, r_anon = outsider.get(url), anonymous.get(url)
        else:
            r_out, r_anon = outsider.post(url, {}), anonymous.post(url, {}, csrf=False)
        assert r_out.status_code == 403, (endpoint, method, url, r_out.status_code)
        assert r_anon.status_code in (302, 400, 401), (endpoint, method, url, r_anon.status_code)
        if r_anon.status_code == 302:
            assert "/login" in r_anon.headers["Location"]
        checked += 1
    assert checked >= 20  # the test really walked the application's routes


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_admin_only_project_creation(client, make_user, method) -> None:
    make_user("plain")
    client.login("plain")
    if method == "POST":
        assert client.post("/projects", {"name": "Mine"}, htmx=False).status_code == 403
    else:
        assert "New project" not in client.get("/").get_data(as_text=True)
