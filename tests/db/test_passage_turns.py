"""One coder's actions on one passage take turns, so the passage's state follows its codings.

Two tabs of a coder acting on one passage at the same moment: the second waits for the first
(on SQLite at the writer gate, on PostgreSQL for the (passage, coder) lock of
coding/passage_lock.py) and then decides from what the first committed. Before the lock,
PostgreSQL let each decide from a snapshot without the other's change: a code applied while the
last other code was removed left the passage reopened with a code on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Client
from tests.conftest import reread
from tests.db.test_toggle import _ann_id
from tests.db.test_toggle import _state
from workbench.coding import commands
from workbench.coding.view import ViewFilters
from workbench.models import Passage
from workbench.models import Project
from workbench.models import User
from workbench.web.unit import database

WAIT = 0.5  # long enough for a second tab that does not wait to have finished


def _act(app: Flask, project_id: int, coder_id: int, passage_id: int, code_id: int) -> Any:
    """A request's unit of work carrying out one toggle; returns the unit, not yet committed."""
    work = database(app).unit()
    work.begin_write()
    project = work.session.get(Project, project_id)
    coder = work.session.get(User, coder_id)
    assert project is not None and coder is not None
    command = commands.Command("toggle", passage_id, code_id)
    commands.perform(work.session, project, "coder", coder, command, ViewFilters(), memo_limit=100)
    return work


def _second_tab(target: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def _race(app: Flask, project: Project, coder: User, p: int, first: int, second: int) -> bool:
    """Toggle ``first`` in one tab and, while it is open, ``second`` in another; return whether
    the second tab waited for the first."""
    a = _act(app, project.id, coder.id, p, first)

    def other() -> None:
        b = _act(app, project.id, coder.id, p, second)
        b.commit()
        b.close()

    thread, errors = _second_tab(other)
    thread.join(WAIT)
    waited = thread.is_alive()
    a.commit()
    a.close()
    thread.join(30)
    assert not thread.is_alive() and not errors, errors
    return waited


def test_an_apply_and_the_last_removal_take_turns(app: Flask, session: Session, desk) -> None:
    project, coders, passages, codes = desk
    coder, p, (x, y) = coders[0], passages[0], codes[:2]
    session.commit()
    _act(app, project.id, coder.id, p, y).commit()  # Y on
    # One tab applies X while the other removes Y, the only code it would otherwise see.
    assert _race(app, project, coder, p, x, y)
    reread(session)
    assert _ann_id(session, coder, p, x) is not None and _ann_id(session, coder, p, y) is None
    assert _state(session, coder, p) is True  # a code is on: still coded


def test_two_last_removals_take_turns(app: Flask, session: Session, desk) -> None:
    project, coders, passages, codes = desk
    coder, p, (x, y) = coders[0], passages[0], codes[:2]
    session.commit()
    for code in (x, y):
        _act(app, project.id, coder.id, p, code).commit()
    # Each tab removes one of the two: whichever goes second removes the last, and reopens.
    assert _race(app, project, coder, p, x, y)
    reread(session)
    assert _ann_id(session, coder, p, x) is None and _ann_id(session, coder, p, y) is None
    assert _state(session, coder, p) is False


def test_other_coders_and_other_passages_do_not_wait(app: Flask, session: Session, desk) -> None:
    project, coders, passages, codes = desk
    session.commit()
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's writers take turns whatever they write")
    a = _act(app, project.id, coders[0].id, passages[0], codes[0])
    for coder, p in [(coders[1], passages[0]), (coders[0], passages[1])]:

        def other(coder: User = coder, p: int = p) -> None:
            _act(app, project.id, coder.id, p, codes[0]).commit()

        thread, errors = _second_tab(other)
        thread.join(30)
        assert not thread.is_alive() and not errors, errors
    a.commit()


def test_a_coding_request_waits_for_the_coders_turn(app: Flask, session: Session, desk) -> None:
    # The request's own lookup takes the lock (no statement of its own): a toggle sent while
    # another transaction holds the coder's turn on the passage waits for it.
    project, coders, passages, codes = desk
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: the lock is PostgreSQL's")
    coder, p = coders[0], passages[0]
    doc = session.get(Passage, p).document_id
    session.commit()
    client = Client(app.test_client())
    client.login(coder.username)
    holder = database(app).unit().session
    holder.execute(select(func.pg_advisory_xact_lock(p, coder.id)))
    answers: list[int] = []

    def toggle() -> None:
        data = {"passage_id": p, "code_id": codes[0], "scope": f"doc:{doc}"}
        answers.append(client.post(f"/p/{project.slug}/code/toggle", data).status_code)

    thread, errors = _second_tab(toggle)
    thread.join(WAIT)
    waited = thread.is_alive()
    started = time.monotonic()
    holder.commit()
    holder.close()
    thread.join(30)
    assert not errors, errors
    assert waited and answers == [200]
    assert time.monotonic() - started < 10
    reread(session)
    assert _ann_id(session, coder, p, codes[0]) is not None
