"""Concurrent coders never lose or duplicate an annotation, on SQLite and PostgreSQL.

Threads go through the whole web stack (test clients with CSRF); processes go through the
service layer with engines of their own. Every acknowledged change must be stored exactly once.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
from collections import Counter

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.conftest import Client
from tests.conftest import reread
from workbench.accounts import users as accounts
from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.models import Annotation
from workbench.models import AuditEvent
from workbench.models import Passage
from workbench.models import Project
from workbench.models import User
from workbench.unit_of_work import Database

PASSAGES = 12
THREADS = 6


@pytest.fixture()
def arena(session, make_user, make_project, import_text):
    lead = make_user("lead")
    coders = [make_user(f"c{i}") for i in range(THREADS)]
    project = make_project("Hammer", lead=lead, coders=tuple(coders))
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    text = "\n\n".join(
        f"Paragraph number {i} about sovereignty and cooperation." for i in range(PASSAGES)
    )
    import_text(project, [("hammer.txt", text.encode())])
    passages = [
        p.id for p in session.scalars(select(Passage).where(Passage.project_id == project.id))
    ]
    codes = [c.id for c in codebooks.live_codes(session, project) if c.is_codable]
    return project, coders, passages, codes


def _final_rows(session) -> Counter[tuple[int, int, int]]:
    reread(session)
    rows = session.execute(
        select(Annotation.coder_id, Annotation.passage_id, Annotation.code_id)
    ).all()
    return Counter((c, p, k) for c, p, k in rows)


def test_threads_through_http(app, arena, session) -> None:
    project, coders, passages, codes = arena
    expected: dict[int, set[tuple[int, int]]] = {}
    failures: list[str] = []
    barrier = threading.Barrier(THREADS + 2)

    def coder_run(user: User, seed: int) -> None:
        client = Client(app.test_client())
        client.login(user.username, PASSWORD)
        rng = random.Random(seed)
        mine: set[tuple[int, int]] = set()
        barrier.wait()
        for _ in range(40):
            pair = (rng.choice(passages), rng.choice(codes))
            if pair in mine and rng.random() < 0.4:
                r = client.post(
                    f"/p/{project.slug}/code/remove", {"passage_id": pair[0], "code_id": pair[1]}
                )
                if r.status_code == 200:
                    mine.discard(pair)
            else:
                # A double click: the same apply twice in a row.
                for _click in range(2):
                    r = client.post(
                        f"/p/{project.slug}/code/apply", {"passage_id": pair[0], "code_id": pair[1]}
                    )
                if r.status_code == 200:
                    mine.add(pair)
            if r.status_code != 200:
                failures.append(
                    f"{user.username}: {r.status_code} {r.get_data(as_text=True)[:200]}"
                )
        expected[user.id] = mine

    # Two extra tabs of the first coder apply the same triples at the same moment.
    shared = [(p, codes[0]) for p in passages]

    def tab_run() -> None:
        client = Client(app.test_client())
        client.login(coders[0].username, PASSWORD)
        barrier.wait()
        for p, k in shared:
            r = client.post(f"/p/{project.slug}/code/apply", {"passage_id": p, "code_id": k})
            if r.status_code != 200:
                failures.append(f"tab: {r.status_code}")

    workers = [threading.Thread(target=coder_run, args=(u, i)) for i, u in enumerate(coders[1:], 1)]
    workers += [threading.Thread(target=tab_run) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not failures, failures[:5]
    rows = _final_rows(session)
    assert all(n == 1 for n in rows.values()), "duplicate annotations"
    want = Counter((uid, p, k) for uid, pairs in expected.items() for p, k in pairs)
    want.update((coders[0].id, p, k) for p, k in shared)
    assert rows == want
    # The racing tabs recorded exactly one "apply" in the history per triple.
    events = session.execute(
        select(AuditEvent.passage_id, AuditEvent.after).where(
            AuditEvent.actor_id == coders[0].id, AuditEvent.action == "apply"
        )
    ).all()
    assert Counter((p, a["code_id"]) for p, a in events) == Counter(shared)


def _process_worker(
    url: str, username: str, slug: str, passages: list[int], codes: list[int], seed: int, queue
) -> None:
    database = Database(url)
    rng = random.Random(seed)
    done: list[tuple[int, int]] = []
    for _ in range(60):
        pair = (rng.choice(passages), rng.choice(codes))
        with database.writing() as session:
            project = session.scalar(select(Project).where(Project.slug == slug))
            user = accounts.user_by_name(session, username)
            coding.apply_code(session, project, user, pair[0], pair[1])
        done.append(pair)  # acknowledged: the transaction committed
    database.dispose()
    queue.put((username, done))


def test_processes_through_services(db_url, arena, session) -> None:
    project, coders, passages, codes = arena
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    # Every process codes as the same coder, so they contend on the very same rows.
    procs = [
        ctx.Process(
            target=_process_worker,
            args=(db_url, coders[0].username, project.slug, passages, codes[:2], seed, queue),
        )
        for seed in range(4)
    ]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=180) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0
    acknowledged = {pair for _name, pairs in results for pair in pairs}
    rows = _final_rows(session)
    assert all(n == 1 for n in rows.values())
    assert set(rows) == {(coders[0].id, p, k) for p, k in acknowledged}
