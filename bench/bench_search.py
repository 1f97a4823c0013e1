"""Benchmark: text search over the whole corpus (~126,000 passages), LIKE scan against the index.

Usage: .venv/bin/python bench/bench_search.py [--pg postgresql://postgres@127.0.0.1:5432/DB]
       [--sqlite PATH] [--repeat 15] [--reuse] [--against OTHER_CHECKOUT --rounds 2]
Imports every document of ../shared/corpus into a fresh database (or reuses one built before with
--reuse), then times, interleaved query by query, the substring scan the workbench used before
(LIKE '%q%') and the index query (documents/search.py): the matching passage ids, and the
document list page with that search. Target (the search issue): index median <= 20 ms.

With --against, the databases are built once (by this checkout), then this script times this
checkout's code and the other's (run with its own .venv) on the same databases alternately,
round by round, and each prints its table with the CPU milliseconds beside the wall time (on a
shared machine the CPU time is the steadier figure). The other checkout runs on this one's
schema: an older checkout's figures include what this checkout's newer indexes do for its
queries (migration 0013's covering indexes), so time it on its own database for a true before.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# With --against, this script times the other checkout's code (so both print the same table).
CODE = Path(os.environ.get("WORKBENCH_BENCH_CODE", str(REPO)))
sys.path.insert(0, str(CODE))

from sqlalchemy import func  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from workbench.core.search_text import like_pattern  # noqa: E402
from workbench.db import make_engine  # noqa: E402
from workbench.documents import catalog  # noqa: E402
from workbench.documents.search import passage_text_matches  # noqa: E402
from workbench.migrate import upgrade  # noqa: E402
from workbench.models import Passage  # noqa: E402
from workbench.models import Project  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
QUERIES = ["terrorism", "恐怖", "主权", "恐怖主义", "反对一切形式的恐怖主义"]


def build(url: str, reuse: bool) -> None:
    """Bring the database to head and import the whole corpus once."""
    from workbench.accounts import users
    from workbench.documents import importing

    engine = make_engine(url)
    if not reuse:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    with Session(engine) as session:
        if session.scalar(select(func.count()).select_from(Passage)):
            return
        lead = users.create_user(session, "pi", "bench-password")
        project = users.create_project(session, "corpus", lead=lead)
        files = [(p.name, p.read_bytes()) for p in sorted(CORPUS.glob("*.jsonl"))]
        started = time.perf_counter()
        importing.import_files(session, project, files, user=lead, max_file_bytes=1 << 30)
        session.commit()
        print(f"  imported in {time.perf_counter() - started:.1f} s")
        # What `workbench import` does after a large import: planner statistics and, on
        # PostgreSQL, the search indexes' GIN pending lists merged.
        importing.refresh_statistics(session)
        session.commit()
    engine.dispose()


def timed(fn: Callable[[], int]) -> tuple[float, float, int]:
    """Wall and CPU milliseconds one call takes, and what it returned."""
    start, cpu = time.perf_counter(), time.process_time()
    found = fn()
    return (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000, found


def run(url: str, repeat: int) -> None:
    """Time each query both ways, interleaved, and print median and p90.

    Passage ids are read as plain values on the session's connection, as the coding view's
    statements read their rows: the ORM's per-row work (about 8 ms for 6,900 ids) is not the
    search's."""
    engine = make_engine(url)
    with Session(engine) as session:
        project = session.scalars(select(Project)).one()
        total = session.scalar(select(func.count()).select_from(Passage))
        print(f"  {total:,} passages")

        def ids_like(q: str) -> Callable[[], int]:
            cond = Passage.text.like(like_pattern(q), escape="\\")
            stmt = select(Passage.id).where(Passage.project_id == project.id, cond)
            return lambda: len(session.connection().execute(stmt).scalars().all())

        def ids_index(q: str) -> Callable[[], int]:
            stmt = select(Passage.id).where(
                Passage.project_id == project.id, passage_text_matches(q, project.id)
            )
            return lambda: len(session.connection().execute(stmt).scalars().all())

        def doc_list(q: str) -> Callable[[], int]:
            return lambda: (
                catalog.list_documents(session, project, catalog.DocumentFilters(q=q)).total
            )

        print(
            f"  {'query':<14} {'what':<22} {'found':>7} {'median ms':>10} {'p90 ms':>8}"
            f" {'CPU ms':>8}"
        )
        for q in QUERIES:
            ways = {
                "passages, LIKE": ids_like(q),
                "passages, index": ids_index(q),
                "document list, index": doc_list(q),
            }
            times: dict[str, list[float]] = {k: [] for k in ways}
            cpus: dict[str, list[float]] = {k: [] for k in ways}
            found: dict[str, int] = {}
            for way in ways.values():
                way()  # warm
            for _ in range(repeat):
                for name, way in ways.items():
                    ms, cpu, n = timed(way)
                    times[name].append(ms)
                    cpus[name].append(cpu)
                    found[name] = n
            for name, ts in times.items():
                ts.sort()
                p90 = ts[min(len(ts) - 1, int(0.9 * len(ts)))]
                print(
                    f"  {q:<14} {name:<22} {found[name]:>7} "
                    f"{statistics.median(ts):>10.1f} {p90:>8.1f} "
                    f"{statistics.median(cpus[name]):>8.1f}",
                    flush=True,
                )
    engine.dispose()


def compare(args: argparse.Namespace, targets: list[tuple[str, str]]) -> int:
    """Build once, then time this checkout and another on the same databases, alternately."""
    for label, url in targets:
        print(label, flush=True)
        if not args.reuse and label == "SQLite":
            Path(args.sqlite).unlink(missing_ok=True)
        build(url, args.reuse)
    other = args.against.resolve()
    checkouts = [("this", REPO), ("other", other)]
    for n in range(args.rounds):
        for label, repo in checkouts if n % 2 == 0 else checkouts[::-1]:
            command = [
                str(repo / ".venv" / "bin" / "python"),
                __file__,
                "--reuse",
                "--sqlite",
                args.sqlite,
                "--repeat",
                str(args.repeat),
            ]
            if args.pg:
                command += ["--pg", args.pg]
            print(f"round {n + 1}, {label} ({repo.name})", flush=True)
            env = {**os.environ, "WORKBENCH_BENCH_CODE": str(repo)}
            subprocess.run(command, check=True, env=env)
    return 0


def main() -> int:
    """Build or reuse the databases and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sqlite", default="/tmp/wb_search_bench.sqlite3")
    parser.add_argument("--pg", default="")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    targets = [("SQLite", f"sqlite:///{args.sqlite}")]
    if args.pg:
        targets.append(("PostgreSQL", args.pg))
    if args.against:
        return compare(args, targets)
    for label, url in targets:
        print(label)
        if "WORKBENCH_BENCH_CODE" in os.environ:
            # Started by compare(), which built the databases; an older checkout could not
            # even read their migration version.
            run(url, args.repeat)
            continue
        if not args.reuse and label == "SQLite":
            Path(args.sqlite).unlink(missing_ok=True)
        build(url, args.reuse)
        run(url, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
