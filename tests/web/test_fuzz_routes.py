"""Malformed input to every route, as a lead, a coder and an admin: never an HTTP 500.

The route list comes from the application's URL map and the field names from the views' source,
so a new route or field is fuzzed without editing this test. Each request carries the real CSRF
token, so the views themselves (not the CSRF check) meet the malformed values.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from workbench.codebooks import codes as codebooks
from workbench.models import Code
from workbench.reliability import rounds

from .conftest import Team

WEB = Path(__file__).resolve().parents[2] / "workbench"
# Field names the views and the services they hand a form to read.
_FIELD = re.compile(
    r"(?:\.get|\.getlist|arg_int|req_int|ints|_flag|opt_int)\(\s*\"([A-Za-z_][A-Za-z0-9_]*)\""
)

HUGE = "9" * 30
MALFORMED: list[tuple[str, str]] = [
    ("nul", "a\x00b"),
    ("superscript two", "²"),
    ("circled one", "①"),
    ("above 2^31", str(2**31)),
    ("above 2^63", str(2**63 + 7)),
    ("max int", str(2**31 - 1)),  # in range, but no count or size may take it at its word
    ("over-long", "#" + "f" * 20_001),  # past every free-text limit
]
BAD_PATH_IDS = [str(2**31), str(2**63 + 7), "%C2%B2", "%D9%A3"]
BAD_SLUGS = ["x%00y", "s" * 3000]


def field_names() -> list[str]:
    """Every request field name read in the web layer and in interchange/exports."""
    names: set[str] = {"file", "files", "csrf_token"}
    for path in [*sorted((WEB / "web").glob("*.py")), WEB / "interchange" / "exports.py"]:
        names.update(_FIELD.findall(path.read_text()))
    names.update(codebooks.EDITABLE)  # the codebook forms pass these through by name
    names.discard("csrf_token")  # the real token is sent; a malformed one only tests CSRF
    return sorted(names)


def _path(rule: str, ids: dict[str, str], override: dict[str, str] | None = None) -> str:
    values = {**ids, **(override or {})}
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "1"), rule)


@pytest.fixture()
def world(app: Flask, session, team: Team, make_user, client_factory) -> dict[str, Any]:
    """A project with codes, passages, a round and a spare account, plus three signed-in clients."""
    admin = make_user("admin", admin=True)
    spare = make_user("spare")
    rnd = rounds.create_round(
        session,
        team.project,
        team.lead,
        name="R1",
        size=2,
        coder_ids=[team.coder1.id, team.coder2.id],
        seed=1,
    )
    session.commit()
    code = session.scalars(select(Code).where(Code.project_id == team.project.id)).first()
    assert code is not None
    passage = team.passages[0]
    ids = {
        "slug": team.slug,
        "doc_id": str(passage.document_id),
        "passage_id": str(passage.id),
        "code_id": str(code.id),
        "round_id": str(rnd.id),
        "user_id": str(spare.id),  # an admin's password reset must not sign a client out
        "job_id": "1",
        "fmt": "xlsx",
        "filename": "workbench.css",
    }
    clients = {}
    for role, user in (("lead", team.lead), ("coder", team.coder1), ("admin", admin)):
        client = client_factory()
        client.login(user.username)
        clients[role] = client
    return {"ids": ids, "clients": clients}


def _send(client: Any, method: str, url: str, value: str, names: list[str]) -> str:
    # Query strings stay short (a megabyte URL only measures the parser); forms get it all.
    query = {name: value[:600] if method == "GET" else value for name in names}
    try:
        if method == "GET":
            return str(client.get(url, query_string=query, htmx=True).status_code)
        form: dict[str, Any] = dict(query)
        for field in ("file", "files"):
            form[field] = (
                io.BytesIO(value.encode("utf-8", "replace")[:2000]),
                f"{value[:300]}.txt",
            )
        return str(client.post(url, data=form, content_type="multipart/form-data").status_code)
    except Exception as exc:  # the test client re-raises what would have been a 500
        return f"500 {type(exc).__name__}: {str(exc)[:160]}"


def test_no_route_answers_malformed_input_with_500(app: Flask, world: dict[str, Any]) -> None:
    names = field_names()
    assert {"passage_id", "code_id", "definition", "colour", "shortcut"} <= set(names)
    failures: list[str] = []
    sent = 0
    skip = {"static", "auth.logout"}
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in skip]
    assert len(rules) > 50
    for rule in rules:
        methods = sorted((rule.methods or set()) & {"GET", "POST"})
        params = re.findall(r"<(?:(\w+):)?(\w+)>", rule.rule)
        for role, client in world["clients"].items():
            # An admin acts as a lead in a project: project routes get the admin's path
            # variants only, which keeps the test near a minute per database.
            values = [] if role == "admin" and "<slug>" in rule.rule else MALFORMED
            for method in methods:
                urls = [_path(rule.rule, world["ids"])]
                for _conv, name in params:
                    bad = BAD_SLUGS if name == "slug" else BAD_PATH_IDS if _conv == "int" else []
                    urls += [_path(rule.rule, world["ids"], {name: b}) for b in bad]
                for url in urls:
                    status = _send(client, method, url, "1", names)
                    sent += 1
                    if status.startswith("5"):
                        failures.append(f"{role} {method} {url[:80]}: {status}")
                url = urls[0]
                for label, value in values:
                    status = _send(client, method, url, value, names)
                    sent += 1
                    if status.startswith("5"):
                        failures.append(f"{role} {method} {url[:80]} [{label}]: {status}")
                if method == "POST" and values:
                    # Wrong types: a JSON body where a form is expected.
                    try:
                        status = str(
                            client.post(url, json={"passage_id": [1], "x": {}}).status_code
                        )
                    except Exception as exc:
                        status = f"500 {type(exc).__name__}: {str(exc)[:160]}"
                    sent += 1
                    if status.startswith("5"):
                        failures.append(f"{role} {method} {url[:80]} [json]: {status}")
    assert sent > 1500  # the walk really covered every route, role and value
    # Nobody was signed out along the way (which would have turned the rest into redirects).
    for role, client in world["clients"].items():
        assert client.get("/").status_code == 200, role
    assert not failures, f"{len(failures)} of {sent} requests failed:\n" + "\n".join(failures[:60])


def _module_fields(app: Flask, endpoint: str) -> list[str]:
    """The field names read by the module that defines this endpoint's view."""
    module = sys.modules[app.view_functions[endpoint].__module__]
    sources = [Path(str(module.__file__))]
    if endpoint.startswith("exports."):
        sources.append(WEB / "interchange" / "exports.py")  # the export form is read there
    found: set[str] = set()
    for path in sources:
        found.update(_FIELD.findall(path.read_text()))
    found.discard("csrf_token")
    return sorted(found)


def test_each_field_alone_malformed_is_never_a_500(app: Flask, world: dict[str, Any]) -> None:
    # The walk above sends every field malformed at once, so the first field a view reads
    # answers 422 before later ones are parsed. Here one field at a time is malformed and the
    # rest are left out (their defaults apply), so every field's own parsing is reached.
    client = world["clients"]["lead"]
    failures: list[str] = []
    sent = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or set()) or rule.endpoint in {"static", "auth.logout"}:
            continue
        url = _path(rule.rule, world["ids"])
        for name in _module_fields(app, rule.endpoint):
            for value in ("²", str(2**31), HUGE):
                try:
                    status = str(client.post(url, data={name: value}).status_code)
                except Exception as exc:  # the test client re-raises what would be a 500
                    status = f"500 {type(exc).__name__}: {str(exc)[:160]}"
                sent += 1
                if status.startswith("5"):
                    failures.append(f"POST {url[:70]} {name}={value[:12]}: {status}")
    assert sent > 300
    assert client.get("/").status_code == 200  # still signed in: the walk really ran
    assert not failures, f"{len(failures)} of {sent} requests failed:\n" + "\n".join(failures[:60])
