"""Benchmark: import the whole shared corpus through the CLI, then time the project page.

Usage: .venv/bin/python bench/bench_import.py [--pg postgresql://postgres@127.0.0.1:5432/DB]
       .venv/bin/python bench/bench_import.py --against ../other-checkout --rounds 2 [--pg URL]
Targets: import <= 20 s and <= 300 MB peak resident memory on SQLite (issue 2 asked for
<= 60 s); project page <= 100 ms server time. The import's wall time and peak RSS are those of
the `workbench import` process (getrusage of a wrapper whose only child it is). Server time is
measured in-process with the Flask test client (no network), as a median.

With --against, the same import is run alternately by this checkout and by another one (its
own .venv), each into a fresh database, and the figures are printed side by side; the page
timings are then skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
PAGES = [
    ("project page", "/p/corpus"),
    ("page 50", "/p/corpus?page=50"),
    ("filter language=zh", "/p/corpus?language=zh"),
    ("filter type", "/p/corpus?doc_type=un_record"),
    ("filter delegation=China", "/p/corpus?delegation=China"),
    ("filter dates", "/p/corpus?date_from=2020-01-01&date_to=2020-06-30"),
    ("search 'terrorism'", "/p/corpus?q=terrorism"),
    ("search '恐怖主义'", "/p/corpus?q=%E6%81%90%E6%80%96%E4%B8%BB%E4%B9%89"),
]


WRAPPER = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "wall = time.perf_counter() - t\n"
    "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "sys.stderr.write(done.stdout + done.stderr)\n"
    "print(json.dumps({'code': done.returncode, 'wall': wall, 'rss_mb': use.ru_maxrss / 1024,\n"
    "                  'cpu': use.ru_utime + use.ru_stime}))\n"
)


def workbench(env: dict[str, str], *args: str, repo: Path = REPO) -> str:
    """Run the workbench command of a checkout and return its output."""
    done = subprocess.run(
        [str(repo / ".venv" / "bin" / "workbench"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout + done.stderr


def timed_import(url: str, files: list[str], repo: Path) -> tuple[float, float, float, str]:
    """Import the corpus with a checkout's CLI into a fresh database: wall seconds, CPU seconds
    (the import process's own: less disturbed by other work on a shared machine), peak MB and
    the summary line."""
    if url.startswith("postgresql"):
        reset_pg(url)
    env = {**os.environ, "WORKBENCH_DATABASE_URL": url}
    workbench(env, "db", "upgrade", repo=repo)
    workbench(env, "user", "add", "pi", "--admin", "--password", "bench-password", repo=repo)
    workbench(env, "project", "create", "Corpus", "--lead", "pi", repo=repo)
    command = [str(repo / ".venv" / "bin" / "workbench"), "import", *files, "--project", "corpus"]
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *command],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if figures["code"] != 0:
        raise SystemExit(f"import failed:\n{done.stderr}")
    summary = next(line for line in done.stderr.splitlines() if line.startswith("Imported"))
    return figures["wall"], figures["cpu"], figures["rss_mb"], summary


def reset_pg(url: str) -> None:
    """Empty the PostgreSQL database so the run starts from nothing."""
    from sqlalchemy import text

    from workbench.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def time_pages(url: str, repeat: int) -> list[tuple[str, float, float]]:
    """Median and max server time of each page, signed in as the lead."""
    from workbench.app import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(True))
    assert token
    client.post(
        "/login", data={"username": "pi", "password": "bench-password", "csrf_token": token[1]}
    )
    rows = []
    for label, path in PAGES:
        client.get(path)  # warm caches the way a second visitor would find them
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        rows.append((label, statistics.median(times), max(times)))
    return rows


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", help="PostgreSQL URL to use instead of a fresh SQLite file")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    files = sorted(str(p) for p in CORPUS.glob("*.jsonl"))
    database = "PostgreSQL" if args.pg else "SQLite (WAL)"
    with tempfile.TemporaryDirectory() as tmp:
        if args.against:
            checkouts = [("this", REPO), ("other", args.against.resolve())]
            print(f"database: {database}; {len(files)} corpus files; targets <= 20 s, <= 300 MB")
            print(f"{'round':>5} {'checkout':10} {'wall s':>8} {'CPU s':>8} {'peak MB':>8}")
            for n in range(args.rounds):
                for label, repo in checkouts if n % 2 == 0 else checkouts[::-1]:
                    url = args.pg or f"sqlite:///{tmp}/bench-{label}-{n}.sqlite3"
                    wall, cpu, rss, _summary = timed_import(url, files, repo)
                    print(f"{n + 1:>5} {label:10} {wall:8.1f} {cpu:8.1f} {rss:8.0f}")
            return
        url = args.pg or f"sqlite:///{tmp}/bench.sqlite3"
        elapsed, cpu, rss, summary = timed_import(url, files, REPO)
        print(f"database: {database}")
        print(
            f"import of {len(files)} corpus files: {elapsed:.1f} s "
            f"({cpu:.1f} s CPU), peak {rss:.0f} MB"
        )
        print("  " + summary)
        print(f"{'page':28} {'median ms':>10} {'max ms':>8}   (target: project page <= 100 ms)")
        for label, median, worst in time_pages(url, args.repeat):
            print(f"{label:28} {median:10.1f} {worst:8.1f}")


if __name__ == "__main__":
    main()
