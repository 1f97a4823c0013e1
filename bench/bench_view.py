"""Benchmark the coding view of a heavily coded document: bytes of HTML and server time.

Usage:
  .venv/bin/python bench/bench_view.py [--pg URL] [--requests 50] [--rounds 2]
                                       [--compare OTHER_CHECKOUT ...]

Builds a project holding a 180-passage document with ~4,000 annotations by six coders (stances,
selections, code memos, passage memos, some codings made under an older definition), a
reliability round over that document, and other documents carrying more annotations, then opens
the document's coding view as the lead, as a coder (blind: their own codings only) and as a coder
in the blind round. For each it reports the bytes of HTML and the server time of the first request
and the median and 90th percentile over the next N (Flask test client, in-process: routing,
sign-in, queries and rendering, without a socket), the process CPU time per request (what the
server spends, whatever else the machine is doing) and the full garbage collections that ran.

With ``--compare DIR`` the measurements run in child processes against each checkout in turn
(this one and DIR, which must hold an older version of the workbench on the same schema),
interleaved round by round, so both see the same machine load. The database is built once.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent
PASSWORD = "bench-password"
CODERS = 6
BIG_PASSAGES = 180
BIG_ANNOTATIONS = 4000
OTHER_DOCS = 200
OTHER_PASSAGES = 20
PROSE = (
    "the council must strengthen capacity building and respect the sovereignty of states while "
    "countering terrorist financing through cooperation with the private sector and regional "
    "organisations under the charter without double standards or interference"
)
WORDS = PROSE.split()


def _text(rng: random.Random, words: int) -> str:
    body = " ".join(rng.choice(WORDS) for _ in range(words))
    return body[0].upper() + body[1:] + "."


def build(url: str) -> dict[str, Any]:
    """Create the project with bulk inserts; return what the measurement needs."""
    from sqlalchemy import insert
    from sqlalchemy import select
    from sqlalchemy import text
    from sqlalchemy.orm import sessionmaker

    from workbench.accounts import users as accounts
    from workbench.codebooks import codes as codebooks
    from workbench.db import make_engine
    from workbench.migrate import upgrade
    from workbench.models import Annotation
    from workbench.models import Document
    from workbench.models import Passage
    from workbench.models import PassageState
    from workbench.reliability import rounds

    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(11)
    with sessionmaker(bind=engine, expire_on_commit=False).begin() as s:
        lead = accounts.create_user(s, "lead", PASSWORD)
        project = accounts.create_project(s, "View bench", lead=lead)
        coders = [accounts.create_user(s, f"coder{i}", PASSWORD) for i in range(CODERS)]
        for c in coders:
            accounts.add_member(s, project, c, "coder")
        codebooks.ensure_seed_codebook(s, project, lead)
        live = [c for c in codebooks.live_codes(s, project) if c.is_codable]
        stance_codes = {c.id for c in live if c.takes_stance}
        revisions = {c.id: c.revision for c in live}
        docs = []
        for i in range(1 + OTHER_DOCS):
            docs.append(
                {
                    "project_id": project.id,
                    "title": "Statement on counter-terrorism" if i == 0 else f"Document {i:04d}",
                    "filename": f"d{i}.txt",
                    "content_hash": f"{i:064d}",
                    "raw_text": "",
                    "text": "",
                    "language": "en",
                    "doc_type": "un_record",
                    "date": f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    "segmentation": "paragraph",
                    "extra": {},
                    "passage_count": BIG_PASSAGES if i == 0 else OTHER_PASSAGES,
                }
            )
        doc_ids = list(
            s.scalars(insert(Document).returning(Document.id, sort_by_parameter_order=True), docs)
        )
        passages = []
        for n, doc_id in enumerate(doc_ids):
            for o in range(BIG_PASSAGES if n == 0 else OTHER_PASSAGES):
                passages.append(
                    {
                        "document_id": doc_id,
                        "project_id": project.id,
                        "ordinal": o,
                        "text": _text(rng, rng.randint(10, 50)),
                        "start_offset": 0,
                        "end_offset": 10,
                        "speaker": f"Speaker {o % 15}",
                        "delegation": ["China", "France", "Russian Federation"][o % 3],
                        "language": "en",
                        "codable": o % 30 != 0,  # headings and furniture now and then
                    }
                )
        s.execute(insert(Passage), passages)
        rows = s.execute(
            select(Passage.id, Passage.document_id, Passage.text, Passage.codable)
        ).all()
        big = doc_ids[0]
        big_passages = [(pid, t) for pid, d, t, ok in rows if d == big and ok]
        other_passages = [(pid, t) for pid, d, t, ok in rows if d != big and ok]
        coder_ids = [c.id for c in coders]
        annotations: dict[tuple[int, int, int], dict[str, Any]] = {}

        def annotate(pool: list[tuple[int, str]], count: int) -> None:
            target = len(annotations) + count
            while len(annotations) < target:
                pid, body = rng.choice(pool)
                coder, code = rng.choice(coder_ids), rng.choice(live).id
                if (pid, coder, code) in annotations:
                    continue
                span = rng.random() < 0.15
                start = rng.randrange(0, len(body) // 2) if span else None
                annotations[(pid, coder, code)] = {
                    "project_id": project.id,
                    "passage_id": pid,
                    "coder_id": coder,
                    "code_id": code,
                    "stance": rng.choice([-2, -1, 0, 1, 2, None]) if code in stance_codes else None,
                    "memo": _text(rng, rng.randint(5, 25)) if rng.random() < 0.1 else "",
                    "span_start": start,
                    "span_end": start + rng.randint(5, 40) if start is not None else None,
                    # One coding in twenty was made under an older definition of its code.
                    "code_revision": revisions[code] - (rng.random() < 0.05),
                }

        annotate(big_passages, BIG_ANNOTATIONS)
        annotate(other_passages, 40_000)
        values = list(annotations.values())
        for i in range(0, len(values), 10_000):
            s.execute(insert(Annotation), values[i : i + 10_000])
        states = sorted({(p, c) for p, c, _k in annotations})
        s.execute(
            insert(PassageState),
            [
                {
                    "project_id": project.id,
                    "passage_id": p,
                    "coder_id": c,
                    "coded": rng.random() < 0.8,
                    "memo": _text(rng, rng.randint(5, 30)) if rng.random() < 0.05 else "",
                }
                for p, c in states
            ],
        )
        rnd = rounds.create_round(
            s,
            project,
            lead,
            name="Round 1",
            size=BIG_PASSAGES,
            coder_ids=coder_ids[:2],
            seed=1,
            doc_ids=[big],
        )
        s.flush()
        on_big = sum(1 for p, _c, _k in annotations if p in {pid for pid, _t in big_passages})
        info = {
            "slug": project.slug,
            "big": big,
            "round": rnd.id,
            "annotations": len(annotations),
            "big_annotations": on_big,
        }
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return info


def signed_in(app: Any, username: str) -> Any:
    """A test client signed in as the user."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]  # type: ignore[index]
    form = {"username": username, "password": PASSWORD, "csrf_token": token}
    r = client.post("/login", data=form)
    assert r.status_code == 302, f"sign-in of {username} failed"
    return client


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def views(info: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, user, path) of each view measured."""
    slug, big = info["slug"], info["big"]
    return [
        ("lead, document", "lead", f"/p/{slug}/d/{big}/code"),
        ("coder, document (blind)", "coder0", f"/p/{slug}/d/{big}/code"),
        ("coder, blind round", "coder0", f"/p/{slug}/code?round={info['round']}"),
    ]


def measure(url: str, info: dict[str, Any], requests: int) -> dict[str, Any]:
    """Open each view once (first request), then N more; bytes and server times in ms."""
    import workbench
    from workbench.app import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    clients = {user: signed_in(app, user) for user in ("lead", "coder0")}
    out: dict[str, Any] = {"workbench": str(Path(workbench.__file__).parent.parent)}
    for label, user, path in views(info):
        client = clients[user]
        times = []
        cpu = []
        size = 0
        collections = gc.get_stats()[2]["collections"]
        for _ in range(requests + 1):
            start, start_cpu = time.perf_counter(), time.process_time()
            r = client.get(path)
            cpu.append((time.process_time() - start_cpu) * 1000)
            times.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200, (label, r.status_code)
            size = len(r.get_data())
        rest = times[1:]
        out[label] = {
            "bytes": size,
            "first": times[0],
            "median": statistics.median(rest),
            "p90": pct(rest, 90),
            "max": max(rest),
            "cpu": statistics.median(cpu[1:]),
            "cpu90": pct(cpu[1:], 90),
            "full_gc": gc.get_stats()[2]["collections"] - collections,
        }
    return out


def _child(checkout: Path, url: str, info: dict[str, Any], requests: int) -> dict[str, Any]:
    """Run one measurement in a fresh process against the workbench of that checkout."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    args = [sys.executable, __file__, "--measure", url, json.dumps(info), str(requests)]
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if Path(result["workbench"]).resolve() != checkout.resolve():
        raise RuntimeError(f"measured {result['workbench']}, not {checkout}")
    return result


def _print(name: str, result: dict[str, Any], info: dict[str, Any]) -> None:
    print(f"[{name}]")
    for label, _user, _path in views(info):
        m = result[label]
        print(
            f"  {label:24} {m['bytes'] / 1000:7.1f} kB  first {m['first']:6.1f} ms  "
            f"median {m['median']:6.1f} ms  p90 {m['p90']:6.1f} ms  max {m['max']:6.1f} ms  "
            f"(CPU median {m['cpu']:5.1f} ms, p90 {m['cpu90']:5.1f} ms; "
            f"{m['full_gc']} full collections)"
        )


def main() -> None:
    """Build the data, then measure this checkout (and the others, interleaved)."""
    if len(sys.argv) == 5 and sys.argv[1] == "--measure":
        result = measure(sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]))
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", help="PostgreSQL URL (its schema is dropped first)")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--compare", action="append", default=[], type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.pg or f"sqlite:///{tmp}/bench.sqlite3"
        if args.pg:
            from sqlalchemy import text

            from workbench.db import make_engine

            engine = make_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        start = time.perf_counter()
        info = build(url)
        print(
            f"database: {'PostgreSQL' if args.pg else 'SQLite (WAL)'}; "
            f"{info['big_annotations']:,} annotations on the 180-passage document, "
            f"{info['annotations']:,} in the project; built in {time.perf_counter() - start:.1f} s"
        )
        checkouts = [CHECKOUT, *args.compare]
        for n in range(args.rounds):
            for checkout in checkouts if n % 2 == 0 else reversed(checkouts):
                result = _child(checkout, url, info, args.requests)
                _print(f"round {n + 1}: {checkout}", result, info)


if __name__ == "__main__":
    main()
