"""Benchmark the coding screen (issue 3) on a project with 100,000 annotations.

Usage: .venv/bin/python bench/bench_coding.py [--pg URL] [--seconds 10] [--clients 8]

Measures, in one run on one machine:
  1. apply/remove a code: server time per request (in-process Flask test client, full stack:
     session, login, CSRF, service, history, rendering), p50 and p99;
  2. opening the 180-passage document carrying 4,000 annotations in the coding view
     (lead sees every coder's codings; a coder only their own), median server time;
  3. the document list of 1,000 documents with the user's progress, median server time;
  4. N concurrent coders over real HTTP against `workbench serve` (gunicorn), each a separate
     process with keep-alive: applies per second and client-side p50/p99 latency.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text

DOCS = 1000
BIG_PASSAGES = 180
SMALL_PASSAGES = 20
CODERS = 8
TARGET_ANNOTATIONS = 100_000
BIG_ANNOTATIONS = 4000
PASSWORD = "bench-password"


def build(url: str) -> dict[str, Any]:
    """Create the project with bulk inserts; return ids the benchmark needs."""
    from sqlalchemy.orm import sessionmaker

    from workbench.accounts import users as accounts
    from workbench.codebooks import codes as codebooks
    from workbench.db import make_engine
    from workbench.migrate import upgrade
    from workbench.models import Annotation
    from workbench.models import Document
    from workbench.models import Passage
    from workbench.models import PassageState

    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(7)
    with sessionmaker(bind=engine, expire_on_commit=False).begin() as s:
        lead = accounts.create_user(s, "lead", PASSWORD, is_admin=True)
        project = accounts.create_project(s, "Bench", lead=lead)
        coders = [accounts.create_user(s, f"coder{i}", PASSWORD) for i in range(CODERS)]
        for c in coders:
            accounts.add_member(s, project, c, "coder")
        codebooks.ensure_seed_codebook(s, project, lead)
        codes = [c.id for c in codebooks.live_codes(s, project) if c.is_codable]
        body = "The Council must strengthen capacity-building and respect sovereignty. " * 4
        docs = [
            {
                "project_id": project.id,
                "title": f"Document {i:04d}",
                "filename": f"d{i}.txt",
                "content_hash": f"{i:064d}",
                "raw_text": body,
                "text": body,
                "language": "en",
                "doc_type": "un_record",
                "date": f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "segmentation": "paragraph",
                "extra": {},
                "passage_count": BIG_PASSAGES if i == 0 else SMALL_PASSAGES,
            }
            for i in range(DOCS)
        ]
        doc_ids = list(
            s.scalars(insert(Document).returning(Document.id, sort_by_parameter_order=True), docs)
        )
        passages = []
        for n, doc_id in enumerate(doc_ids):
            for o in range(BIG_PASSAGES if n == 0 else SMALL_PASSAGES):
                passages.append(
                    {
                        "document_id": doc_id,
                        "project_id": project.id,
                        "ordinal": o,
                        "text": f"Passage {o}: {body[:200]}",
                        "start_offset": 0,
                        "end_offset": 10,
                        "speaker": f"Speaker {o % 15}",
                        "delegation": ["China", "France", "Russia"][o % 3],
                        "language": "en",
                        "codable": True,
                    }
                )
        s.execute(insert(Passage), passages)
        by_doc: dict[int, list[int]] = {}
        for pid, did in s.execute(select(Passage.id, Passage.document_id)).all():
            by_doc.setdefault(did, []).append(pid)
        big = doc_ids[0]
        triples: set[tuple[int, int, int]] = set()
        coder_ids = [c.id for c in coders]
        while len(triples) < BIG_ANNOTATIONS:
            triples.add((rng.choice(by_doc[big]), rng.choice(coder_ids), rng.choice(codes)))
        others = [pid for did, pids in by_doc.items() if did != big for pid in pids]
        while len(triples) < TARGET_ANNOTATIONS:
            triples.add((rng.choice(others), rng.choice(coder_ids), rng.choice(codes)))
        rows = [
            {
                "project_id": project.id,
                "passage_id": p,
                "coder_id": c,
                "code_id": k,
                "stance": rng.choice([-2, -1, 0, 1, 2, None]),
                "memo": "",
            }
            for p, c, k in triples
        ]
        for i in range(0, len(rows), 10_000):
            s.execute(insert(Annotation), rows[i : i + 10_000])
        states = {(p, c) for p, c, _k in triples}
        s.execute(
            insert(PassageState),
            [
                {
                    "project_id": project.id,
                    "passage_id": p,
                    "coder_id": c,
                    "coded": True,
                    "memo": "",
                }
                for p, c in states
            ],
        )
        info = {
            "slug": project.slug,
            "big": big,
            "codes": codes,
            "free": by_doc[doc_ids[1]] + by_doc[doc_ids[2]],
            # Each free passage's document: a toggle names it as its scope, as the coding view
            # of that document does, so the answer counts that document's progress.
            "free_docs": [doc_ids[1]] * len(by_doc[doc_ids[1]])
            + [doc_ids[2]] * len(by_doc[doc_ids[2]]),
        }
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return info


def signed_in(app: Any, username: str) -> tuple[Any, str]:
    """A test client signed in as the user, with the CSRF token."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]  # type: ignore[index]
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    home = client.get("/").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', home)[1]  # type: ignore[index]
    return client, token


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def in_process(url: str, info: dict[str, Any]) -> None:
    """Server times measured inside the process."""
    from workbench.app import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    coder, token = signed_in(app, "coder0")
    headers = {"X-CSRFToken": token, "HX-Request": "true"}
    slug = info["slug"]
    times: list[float] = []
    rng = random.Random(1)
    for i in range(600):
        n = rng.randrange(len(info["free"]))
        data = {
            "passage_id": info["free"][n],
            "code_id": rng.choice(info["codes"]),
            "scope": f"doc:{info['free_docs'][n]}",
        }
        start = time.perf_counter()
        r = coder.post(f"/p/{slug}/code/toggle", data=data, headers=headers)
        elapsed = (time.perf_counter() - start) * 1000
        assert r.status_code == 200, r.status_code
        if i >= 100:
            times.append(elapsed)
    print(
        f"apply/remove (toggle), server: p50 {pct(times, 50):.1f} ms, p99 {pct(times, 99):.1f} ms"
        "   (target p50 <= 5, p99 <= 20)"
    )
    lead, _ = signed_in(app, "lead")
    for label, client, path in [
        ("open 180-passage doc, 4,000 annotations (lead)", lead, f"/p/{slug}/d/{info['big']}/code"),
        ("open the same doc (coder, blind: own only)", coder, f"/p/{slug}/d/{info['big']}/code"),
        ("document list, 1,000 docs with progress", coder, f"/p/{slug}"),
    ]:
        client.get(path)
        samples = []
        for _ in range(15):
            start = time.perf_counter()
            r = client.get(path)
            samples.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200
        print(f"{label}: median {statistics.median(samples):.1f} ms (max {max(samples):.1f})")
    print("   (targets: open document <= 150 ms; document list <= 20 ms)")


WRK_SCRIPT = """
-- One coder: POST a toggle of a random (passage, code) pair, as the coding view does, in the
-- scope of the passage's document.
local passages = {%s}
local docs = {%s}
local codes = {%s}
math.randomseed(%d)
request = function()
  local n = math.random(#passages)
  local body = "passage_id=" .. passages[n] .. "&code_id=" .. codes[math.random(#codes)] ..
    "&scope=doc%%3A" .. docs[n]
  return wrk.format("POST", "%s", nil, body)
end
"""


# Every request of a benchmark coder names this browser, as a browser names itself on every
# request. The sign-in records a hash of the address and browser in the session; a later request
# naming another browser (wrk names none) has its session marked "not fresh", so the server
# re-signs and re-sends the cookie on every answer, which no real browser makes it do.
AGENT = "workbench-benchmark"


def _login(base: str, username: str) -> tuple[str, str]:
    """Sign in over HTTP; return the session cookie header and the CSRF token."""
    import requests

    s = requests.Session()
    s.headers["User-Agent"] = AGENT
    page = s.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]  # type: ignore[index]
    s.post(f"{base}/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    token = re.search(r'"X-CSRFToken": "([^"]+)"', s.get(f"{base}/").text)[1]  # type: ignore[index]
    cookie = "; ".join(f"{k}={v}" for k, v in s.cookies.items())
    return cookie, token


def _ms(value: str) -> float:
    """Convert a wrk duration (us, ms, s) to milliseconds."""
    number = float(re.match(r"[\d.]+", value)[0])  # type: ignore[index]
    return (
        number / 1000
        if value.endswith("us")
        else number * 1000
        if value.endswith("s") and not value.endswith("ms")
        else number
    )


def _wrk_coders(
    base: str, info: dict[str, Any], clients: int, seconds: float, tmp: str
) -> tuple[float, float, float, int]:
    """Run one single-connection wrk per coder at once; sum the rates, take the worst p50/p99."""
    common = [
        "HX-Request: true",
        "Content-Type: application/x-www-form-urlencoded",
        f"User-Agent: {AGENT}",
    ]
    headers = []
    for i in range(clients):
        cookie, token = _login(base, f"coder{i}")
        headers.append([f"Cookie: {cookie}", f"X-CSRFToken: {token}", *common])
    return run_wrk(base, info, headers, seconds, tmp)


def run_wrk(
    base: str, info: dict[str, Any], headers: list[list[str]], seconds: float, tmp: str
) -> tuple[float, float, float, int]:
    """One single-connection wrk per coder (its headers given), all at once, toggling codes.

    Returns the summed rate, the worst coder's p50 and p99 in ms, and the non-2xx count."""
    path = f"/p/{info['slug']}/code/toggle"
    passages = ",".join(map(str, info["free"]))
    docs = ",".join(map(str, info["free_docs"]))
    codes = ",".join(map(str, info["codes"]))
    procs = []
    for i, coder_headers in enumerate(headers):
        script = Path(tmp) / f"coder{i}.lua"
        script.write_text(WRK_SCRIPT % (passages, docs, codes, i + 1, path))
        flags = [arg for header in coder_headers for arg in ("-H", header)]
        command = ["wrk", "-t1", "-c1", f"-d{int(seconds)}s", "--latency", "-s", str(script)]
        procs.append(subprocess.Popen([*command, *flags, base], stdout=subprocess.PIPE, text=True))
    rate, p50, p99, errors = 0.0, 0.0, 0.0, 0
    for proc in procs:
        out, _ = proc.communicate(timeout=seconds + 60)
        rates = re.search(r"Requests/sec:\s+([\d.]+)", out)
        low = re.search(r"^\s+50%\s+(\S+)", out, re.M)
        high = re.search(r"^\s+99%\s+(\S+)", out, re.M)
        if not (rates and low and high):
            raise RuntimeError(f"wrk did not report against {base}: {out}")
        rate += float(rates[1])
        p50 = max(p50, _ms(low[1]))
        p99 = max(p99, _ms(high[1]))
        found = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        errors += int(found[1]) if found else 0
    return rate, p50, p99, errors


def _python_coder(
    base: str,
    username: str,
    seconds: float,
    free: list[int],
    free_docs: list[int],
    codes: list[int],
    slug: str,
    queue: Any,
    start_at: float,
) -> None:
    import requests

    cookie, token = _login(base, username)
    s = requests.Session()
    headers = {"X-CSRFToken": token, "HX-Request": "true", "Cookie": cookie, "User-Agent": AGENT}
    rng = random.Random(username)
    latencies: list[float] = []
    errors = 0
    while time.time() < start_at:
        time.sleep(0.001)
    end = start_at + seconds
    while time.time() < end:
        n = rng.randrange(len(free))
        data = {"passage_id": free[n], "code_id": rng.choice(codes), "scope": f"doc:{free_docs[n]}"}
        t0 = time.perf_counter()
        r = s.post(f"{base}/p/{slug}/code/toggle", data=data, headers=headers)
        latencies.append((time.perf_counter() - t0) * 1000)
        errors += r.status_code != 200
    queue.put((latencies, errors))


def _python_coders(
    base: str, info: dict[str, Any], clients: int, seconds: float
) -> tuple[float, float, float, int]:
    """Fallback when wrk is missing: one Python process per coder (costs client CPU)."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    start_at = time.time() + 3
    procs = [
        ctx.Process(
            target=_python_coder,
            args=(
                base,
                f"coder{i}",
                seconds,
                info["free"],
                info["free_docs"],
                info["codes"],
                info["slug"],
                queue,
                start_at,
            ),
        )
        for i in range(clients)
    ]
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + 60) for _ in procs]
    for p in procs:
        p.join()
    latencies = [ms for lat, _e in results for ms in lat]
    return (
        len(latencies) / seconds,
        pct(latencies, 50),
        pct(latencies, 99),
        sum(e for _l, e in results),
    )


def over_http(
    url: str, info: dict[str, Any], clients: int, seconds: float, workers: int, threads: int
) -> None:
    """N coders at once against `workbench serve` (gunicorn) on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "WORKBENCH_DATABASE_URL": url, "WORKBENCH_SECRET_KEY": "bench"}
    exe = str(Path(sys.executable).with_name("workbench"))
    server = subprocess.Popen(
        [exe, "serve", "--port", str(port), "--workers", str(workers), "--threads", str(threads)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import requests

        for _ in range(100):
            try:
                requests.get(f"{base}/login", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        with tempfile.TemporaryDirectory() as tmp:
            tool = "wrk" if shutil.which("wrk") else "python"
            if tool == "wrk":
                rate, p50, p99, errors = _wrk_coders(base, info, clients, seconds, tmp)
            else:
                rate, p50, p99, errors = _python_coders(base, info, clients, seconds)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        f"{clients} coders over HTTP ({tool} clients), gunicorn {workers} workers x {threads} "
        f"threads, {seconds:.0f} s: {rate:.0f} applies/s, client p50 {p50:.1f} ms, "
        f"p99 {p99:.1f} ms (worst client), non-2xx {errors}   (target >= 400/s, p99 <= 60 ms)"
    )


def main() -> None:
    """Build the data and run every measurement."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", help="PostgreSQL URL (its schema is dropped first)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.pg or f"sqlite:///{tmp}/bench.sqlite3"
        if args.pg:
            from workbench.db import make_engine

            engine = make_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        start = time.perf_counter()
        info = build(url)
        print(
            f"database: {'PostgreSQL' if args.pg else 'SQLite (WAL)'}; built {DOCS} documents, "
            f"{TARGET_ANNOTATIONS:,} annotations in {time.perf_counter() - start:.1f} s"
        )
        in_process(url, info)
        over_http(url, info, args.clients, args.seconds, args.workers, args.threads)


if __name__ == "__main__":
    main()
