"""A toggle writes what applying and removing write: the coding, its history, the passage state.

On PostgreSQL a toggle is one statement of its own (coding.statements.LOGGED_TOGGLE), on SQLite
the test and then the apply or the remove; both must leave the same rows and the same history.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Client
from tests.conftest import reread
from workbench.coding import actions as coding
from workbench.coding.targets import Span
from workbench.models import Annotation
from workbench.models import AuditEvent
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import User


def _events(session: Session, coder: User) -> list[tuple[Any, ...]]:
    rows = session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == coder.id).order_by(AuditEvent.id)
    )
    return [(e.entity, e.entity_id, e.passage_id, e.action, e.before, e.after) for e in rows]


def _state(session: Session, coder: User, passage_id: int) -> bool | None:
    return session.scalar(
        select(PassageState.coded).where(
            PassageState.coder_id == coder.id, PassageState.passage_id == passage_id
        )
    )


def _ann_id(session: Session, coder: User, passage_id: int, code_id: int) -> int | None:
    return session.scalar(
        select(Annotation.id).where(
            Annotation.coder_id == coder.id,
            Annotation.passage_id == passage_id,
            Annotation.code_id == code_id,
        )
    )


def test_a_toggle_writes_the_codings_history_and_state_step_by_step(session, desk) -> None:
    project, coders, passages, codes = desk
    coder, p, (x, y) = coders[0], passages[0], codes[:2]

    def toggle(code_id: int) -> bool:
        on = coding.toggle_code(session, project, coder, p, code_id, codebook_version=3)
        session.commit()
        return on

    def snapshot(code_id: int, memo: str = "", span: list[int] | None = None) -> dict[str, Any]:
        return {"code_id": code_id, "stance": None, "memo": memo, "span": span}

    assert toggle(x) is True
    x_id = _ann_id(session, coder, p, x)
    assert _state(session, coder, p) is True
    assert toggle(y) is True
    y_id = _ann_id(session, coder, p, y)
    written = session.get(Annotation, y_id)
    assert written is not None
    assert (written.codebook_version, written.memo, written.stance) == (3, "", None)
    # A memo with quotes and a non-Latin letter, and a span: the removal must log them as kept.
    memo = 'Says "partners" \u2014 \u4e3b\u6743'
    coding.apply_code(session, project, coder, p, y, memo=memo, span=Span(0, 7))
    session.commit()
    assert toggle(x) is False  # another code is left: the passage stays coded
    assert _state(session, coder, p) is True
    assert toggle(y) is False  # the last code: the passage is open again
    assert _state(session, coder, p) is False
    assert _ann_id(session, coder, p, x) is None and _ann_id(session, coder, p, y) is None
    assert toggle(y) is True
    again = _ann_id(session, coder, p, y)
    assert _state(session, coder, p) is True

    reopened = {"coded": False, "reason": "last code removed"}
    assert _events(session, coder) == [
        ("annotation", x_id, p, "apply", None, snapshot(x)),
        ("annotation", y_id, p, "apply", None, snapshot(y)),
        ("annotation", y_id, p, "update", snapshot(y), snapshot(y, memo, [0, 7])),
        ("annotation", x_id, p, "remove", snapshot(x), None),
        ("annotation", y_id, p, "remove", snapshot(y, memo, [0, 7]), None),
        ("passage_state", None, p, "reopen", None, reopened),
        ("annotation", again, p, "apply", None, snapshot(y)),
    ]


def test_a_toggle_writes_what_apply_and_remove_write(session, desk) -> None:
    # The same steps taken by toggles and by the apply and remove services leave the same
    # codings, states and history (up to the annotations' ids).
    project, coders, passages, codes = desk
    steps = [(passages[i % 3], codes[i % 4]) for i in (0, 1, 5, 0, 2, 1, 7, 5, 3, 6, 2)]

    def by_toggle(coder: User) -> None:
        for p, k in steps:
            coding.toggle_code(session, project, coder, p, k)
            session.commit()

    def by_services(coder: User) -> None:
        on: set[tuple[int, int]] = set()
        for p, k in steps:
            if (p, k) in on:
                assert coding.remove_code(session, project, coder, p, k)
                on.discard((p, k))
            else:
                coding.apply_code(session, project, coder, p, k)
                on.add((p, k))
            session.commit()

    by_toggle(coders[0])
    by_services(coders[1])

    def outcome(coder: User) -> tuple[Any, ...]:
        ids = {}
        for a in session.scalars(select(Annotation).where(Annotation.coder_id == coder.id)):
            ids[a.id] = (a.passage_id, a.code_id)
        kept = sorted(ids.values())
        states = sorted(
            (s.passage_id, s.coded)
            for s in session.scalars(select(PassageState).where(PassageState.coder_id == coder.id))
        )
        # An event names its annotation by id; ids differ between the coders, their order not.
        history = [
            (entity, passage, action, before, after)
            for entity, _id, passage, action, before, after in _events(session, coder)
        ]
        return kept, states, history

    toggled, serviced = outcome(coders[0]), outcome(coders[1])
    assert toggled == serviced
    assert toggled[0] and toggled[2]  # something was kept, and something logged


def test_racing_toggles_keep_the_history_in_step_with_the_codings(app, desk, session) -> None:
    # Two tabs of each coder toggle the same few codings at once over HTTP: however the races
    # fall, every coding is stored at most once, its history alternates apply and remove and
    # ends on what is stored, and the passage is coded exactly while a coding of it is.
    project, coders, passages, codes = desk
    pairs = [(p, k) for p in passages[:2] for k in codes[:2]]
    doc = {p: session.get(Passage, p).document_id for p in passages[:2]}
    failures: list[str] = []
    barrier = threading.Barrier(2 * len(coders))

    def tab(user: User, seed: int) -> None:
        client = Client(app.test_client())
        client.login(user.username)
        rng = random.Random(seed)
        barrier.wait()
        for _ in range(30):
            p, k = rng.choice(pairs)
            data = {"passage_id": p, "code_id": k, "scope": f"doc:{doc[p]}"}
            r = client.post(f"/p/{project.slug}/code/toggle", data)
            if r.status_code != 200:
                failures.append(f"{user.username}: {r.status_code}")

    threads = [
        threading.Thread(target=tab, args=(u, 10 * i + t))
        for i, u in enumerate(coders)
        for t in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures[:5]
    reread(session)
    stored = Counter(
        (a.coder_id, a.passage_id, a.code_id)
        for a in session.scalars(select(Annotation).where(Annotation.project_id == project.id))
    )
    assert all(n == 1 for n in stored.values())
    histories: dict[tuple[int, int, int], list[str]] = defaultdict(list)
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.project_id == project.id, AuditEvent.entity == "annotation")
        .order_by(AuditEvent.id)
    )
    for e in events:
        code_id = (e.after or e.before or {})["code_id"]
        histories[(e.actor_id, e.passage_id, code_id)].append(e.action)
    assert histories, "the tabs logged nothing"
    for key, actions in histories.items():
        expected = ["apply", "remove"] * len(actions)
        assert actions == expected[: len(actions)], (key, actions)
        assert (key in stored) == (actions[-1] == "apply"), (key, actions)
    # And each passage's state follows its codings: coded while one of the coder's is on.
    for user in coders:
        for p in passages[:2]:
            on = any(c == user.id and q == p for c, q, _ in stored)
            assert bool(_state(session, user, p)) == on, (user.username, p)
