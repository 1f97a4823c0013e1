"""Side-by-side coding benchmark: the workbench against a bare Flask + ORM insert (issue 11).

Usage: .venv/bin/python bench/bench_ceiling.py [--pg URL] [--rounds 3] [--seconds 10]
           [--clients 8] [--workers 2] [--threads 1] [--busy] [--baseline CHECKOUT] [--seed 1]

Systems, each served by gunicorn on loopback with the same workers, threads and worker class:
  A. `workbench serve` on SQLite (WAL), on the 100,000-annotation project that
     bench/bench_coding.py builds (its `build` is reused);
  B. `workbench serve` on PostgreSQL, the same project, when --pg is given (its public schema is
     dropped first);
  C. the ceiling: a Flask app of a dozen lines, written into a temporary directory, where each
     request parses the same form, inserts one row with the SQLAlchemy ORM into a SQLite (WAL,
     synchronous=NORMAL, as the workbench) table and commits; no login, CSRF, rendering or
     history.

With --baseline, `workbench serve` of another checkout (its .venv, the same schema) joins the
rounds on the same databases, as "SQLite (baseline)" and "PostgreSQL (baseline)": an older
commit measured side by side with this one. With --busy, a process spinning on one core runs
through every round (the p99 of a server sharing its machine).

Load: the same for every system: one wrk process per coder (-t1 -c1, keep-alive), each posting
random (passage, code) toggles to /p/<slug>/code/toggle with the same headers (signed in as a
different coder on the workbench) for --seconds. All servers start first and get one untimed
warm-up pass; then the rounds interleave the systems so that a busy moment of the machine hits
all of them, each round in its own order, drawn at random from --seed: a system always run
right after the ceiling was measured 0.85 of the same code run elsewhere in the round, and a
rotation (A B C, B C A, ...) still keeps each system's neighbours, so neither its place nor its
predecessor is fixed. Measured per round: applies/s (the sum of the coders'
request rates; every request is one apply or remove), and the client p50 and p99 latency of the
worst coder (wrk's own percentiles). Printed: each round, the medians over the rounds, and the
ratios of the median rates workbench/ceiling and SQLite/PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_coding
from sqlalchemy import text

CEILING_APP = '''
"""The ceiling: one ORM insert and one commit per request, nothing else."""

import os

from flask import Flask
from flask import request
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import Session
from sqlalchemy.orm import mapped_column

engine = create_engine(os.environ["CEILING_DATABASE_URL"], connect_args={"timeout": 10})


@event.listens_for(engine, "connect")
def _pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Base(DeclarativeBase):
    pass


class Coding(Base):
    __tablename__ = "coding"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str]
    passage_id: Mapped[int]
    code_id: Mapped[int]
    scope: Mapped[str]


app = Flask(__name__)


@app.post("/p/<slug>/code/toggle")
def toggle(slug):
    with Session(engine) as session:
        session.add(
            Coding(
                slug=slug,
                passage_id=int(request.form["passage_id"]),
                code_id=int(request.form["code_id"]),
                scope=request.form["scope"],
            )
        )
        session.commit()
    return "ok"
'''

CEILING_SCHEMA = (
    "CREATE TABLE coding (id INTEGER PRIMARY KEY, slug VARCHAR NOT NULL, "
    "passage_id INTEGER NOT NULL, code_id INTEGER NOT NULL, scope VARCHAR NOT NULL)"
)


class System:
    """One server under test: how it was started and the headers each coder sends."""

    def __init__(
        self, name: str, base: str, server: subprocess.Popen[bytes], key: str = "ceiling"
    ) -> None:
        self.name = name
        self.key = key  # "SQLite", "PostgreSQL", "SQLite (baseline)", ... or "ceiling"
        self.base = base
        self.server = server
        self.headers: list[list[str]] = []
        self.info: dict[str, Any] = {}
        self.rounds: list[tuple[float, float, float, int]] = []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _gunicorn_flags(workers: int, threads: int) -> list[str]:
    """The settings `workbench serve` gives gunicorn (workbench/server.py), as flags."""
    from workbench.server import worker_class

    return [
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        worker_class(threads),
        "--timeout",
        "120",
        "--access-logfile",
        "-",
    ]


def _start_workbench(
    key: str, url: str, workers: int, threads: int, checkout: Path | None = None
) -> System:
    """`workbench serve` on the database at url (of another checkout's .venv, if given)."""
    port = _free_port()
    env = {**os.environ, "WORKBENCH_DATABASE_URL": url, "WORKBENCH_SECRET_KEY": "bench"}
    if checkout is None:
        exe = str(Path(sys.executable).with_name("workbench"))
        name = f"{key} (workbench serve)"
    else:
        exe = str(checkout / ".venv" / "bin" / "workbench")
        key, name = f"{key} (baseline)", f"{key} (baseline serve)"
    server = subprocess.Popen(
        [exe, "serve", "--port", str(port), "--workers", str(workers), "--threads", str(threads)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return System(name, f"http://127.0.0.1:{port}", server, key)


def _start_ceiling(tmp: str, workers: int, threads: int) -> System:
    """The bare Flask + ORM insert app under gunicorn, on its own SQLite file."""
    import sqlite3

    folder = Path(tmp) / "ceiling"
    folder.mkdir()
    (folder / "ceiling_app.py").write_text(CEILING_APP)
    database = folder / "ceiling.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(CEILING_SCHEMA)
    port = _free_port()
    env = {**os.environ, "CEILING_DATABASE_URL": f"sqlite:///{database}"}
    exe = str(Path(sys.executable).with_name("gunicorn"))
    server = subprocess.Popen(
        [
            exe,
            "--bind",
            f"127.0.0.1:{port}",
            *_gunicorn_flags(workers, threads),
            "--chdir",
            str(folder),
            "ceiling_app:app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return System("ceiling (Flask+ORM insert)", f"http://127.0.0.1:{port}", server)


def _wait_up(system: System) -> None:
    """Wait until the server answers at all (any status)."""
    import requests

    for _ in range(300):
        try:
            requests.get(f"{system.base}/login", timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):
            # Several servers start at once on a small machine: a slow first answer is no error.
            time.sleep(0.1)
    raise RuntimeError(f"{system.name} did not start")


def _wrk(system: System, seconds: float, tmp: str) -> tuple[float, float, float, int]:
    """One single-connection wrk per coder at once; sum the rates, take the worst p50/p99."""
    return bench_coding.run_wrk(system.base, system.info, system.headers, seconds, tmp)


def _coder_headers(system: System, clients: int, signed_in: bool) -> list[list[str]]:
    """Each coder's headers: a real session and CSRF token on the workbench, stand-ins else."""
    common = [
        "HX-Request: true",
        "Content-Type: application/x-www-form-urlencoded",
        # The same for every system; the workbench's sign-in saw it too (bench_coding.AGENT).
        f"User-Agent: {bench_coding.AGENT}",
    ]
    out = []
    for i in range(clients):
        if signed_in:
            cookie, token = bench_coding._login(system.base, f"coder{i}")
        else:
            cookie, token = f"session=ceiling-coder{i}", f"ceiling-token-{i}"
        out.append([f"Cookie: {cookie}", f"X-CSRFToken: {token}", *common])
    return out


def _reset_postgres(url: str) -> None:
    """Drop and recreate the public schema of the benchmark database."""
    from workbench.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _line(label: str, rate: float, p50: float, p99: float, errors: int | None = None) -> str:
    tail = "" if errors is None else f"  non-2xx {errors}"
    return f"{label:<38} {rate:7.0f} applies/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms{tail}"


def _median_rate(system: System) -> float:
    return statistics.median(r[0] for r in system.rounds)


def report(systems: list[System]) -> None:
    """Print the medians over the rounds and the ratios between the systems."""
    print("\nmedians over the rounds:")
    for system in systems:
        print(
            _line(
                system.name,
                _median_rate(system),
                statistics.median(r[1] for r in system.rounds),
                statistics.median(r[2] for r in system.rounds),
            )
        )
    by_key = {s.key: s for s in systems}
    ceiling = _median_rate(by_key["ceiling"])
    print("\nratios of the median applies/s:")
    for system in systems:
        if system.key != "ceiling":
            ratio = _median_rate(system) / ceiling
            print(f"  workbench on {system.key} / ceiling: {ratio:.2f}")
    for suffix in ("", " (baseline)"):
        lite, pg = by_key.get(f"SQLite{suffix}"), by_key.get(f"PostgreSQL{suffix}")
        if lite is not None and pg is not None:
            ratio = _median_rate(lite) / _median_rate(pg)
            print(f"  SQLite / PostgreSQL{suffix}: {ratio:.2f}")
    for key in ("SQLite", "PostgreSQL"):
        new, old = by_key.get(key), by_key.get(f"{key} (baseline)")
        if new is not None and old is not None:
            print(f"  {key}: this checkout / baseline: {_median_rate(new) / _median_rate(old):.2f}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Wait for a terminated server; a loaded machine may need long, and then it is killed."""
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _busy() -> subprocess.Popen[bytes]:
    """A process that keeps one core busy until it is stopped."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def main() -> None:
    """Build the project(s), start every server, run the interleaved rounds, print the ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", help="PostgreSQL URL (its public schema is dropped first)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1, help="the rounds' orders are drawn from it")
    parser.add_argument("--busy", action="store_true", help="keep one core busy in the rounds")
    parser.add_argument("--baseline", type=Path, help="another checkout to serve alongside")
    args = parser.parse_args()
    if args.rounds < 1 or args.seconds < 1:
        parser.error("at least one round of at least one second")
    if args.clients > bench_coding.CODERS:
        parser.error(f"at most {bench_coding.CODERS} clients (one per coder of the project)")
    with tempfile.TemporaryDirectory() as tmp:
        urls = {"SQLite": f"sqlite:///{tmp}/bench.sqlite3"}
        if args.pg:
            _reset_postgres(args.pg)
            urls["PostgreSQL"] = args.pg
        infos: dict[str, dict[str, Any]] = {}
        for key, url in urls.items():
            start = time.perf_counter()
            infos[key] = bench_coding.build(url)
            print(f"built the project on {key} in {time.perf_counter() - start:.1f} s")
        systems = [
            _start_workbench(key, url, args.workers, args.threads) for key, url in urls.items()
        ]
        if args.baseline:
            systems += [
                _start_workbench(key, url, args.workers, args.threads, args.baseline)
                for key, url in urls.items()
            ]
        systems.append(_start_ceiling(tmp, args.workers, args.threads))
        for system in systems:
            # The ceiling takes the SQLite project's ids: the same passages and codes posted.
            system.info = infos.get(system.key.split(" ")[0], infos["SQLite"])
        busy = None
        try:
            for system in systems:
                _wait_up(system)
                signed_in = not system.name.startswith("ceiling")
                system.headers = _coder_headers(system, args.clients, signed_in)
            print(
                f"load: {args.clients} coders, one wrk -t1 -c1 each, {args.seconds:.0f} s a round; "
                f"gunicorn {args.workers} workers x {args.threads} threads for every system"
            )
            for system in systems:
                _wrk(system, 2, tmp)
            if args.busy:
                busy = _busy()
                print("one core kept busy by another process through the rounds")
            order = random.Random(args.seed)
            for n in range(1, args.rounds + 1):
                # A fresh order each round: whichever runs right after another (after the
                # ceiling's writes are flushed, say) is a different system from round to round.
                ranked = order.sample(systems, len(systems))
                for system in ranked:
                    result = _wrk(system, args.seconds, tmp)
                    system.rounds.append(result)
                    print(_line(f"round {n}  {system.name}", *result))
        finally:
            if busy is not None:
                busy.kill()
                busy.wait()
            for system in systems:
                system.server.terminate()
            for system in systems:
                _stop(system.server)
        report(systems)


if __name__ == "__main__":
    main()
