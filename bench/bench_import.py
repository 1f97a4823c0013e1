"""Benchmark: import the whole shared corpus through the CLI, then time the project page.

Usage: .venv/bin/python bench/bench_import.py [--pg postgresql://postgres@127.0.0.1:5432/DB]
Targets (issue 2): import <= 60 s on this 2-core machine; project page <= 100 ms server time.
Server time is measured in-process with the Flask test client (no network), as a median.
"""

from __future__ import annotations

import argparse
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


def workbench(env: dict[str, str], *args: str) -> str:
    """Run the workbench command and return its output."""
    done = subprocess.run(
        [str(Path(sys.executable).with_name("workbench")), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout + done.stderr


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
    args = parser.parse_args()
    files = sorted(str(p) for p in CORPUS.glob("*.jsonl"))
    with tempfile.TemporaryDirectory() as tmp:
        url = args.pg or f"sqlite:///{tmp}/bench.sqlite3"
        if args.pg:
            reset_pg(url)
        env = {**os.environ, "WORKBENCH_DATABASE_URL": url}
        workbench(env, "db", "upgrade")
        workbench(env, "user", "add", "pi", "--admin", "--password", "bench-password")
        workbench(env, "project", "create", "Corpus", "--lead", "pi")
        start = time.perf_counter()
        out = workbench(env, "import", *files, "--project", "corpus")
        elapsed = time.perf_counter() - start
        print(f"database: {'PostgreSQL' if args.pg else 'SQLite (WAL)'}")
        print(f"import of {len(files)} corpus files: {elapsed:.1f} s (target <= 60 s)")
        print("  " + next(line for line in out.splitlines() if line.startswith("Imported")))
        print(f"{'page':28} {'median ms':>10} {'max ms':>8}   (target: project page <= 100 ms)")
        for label, median, worst in time_pages(url, args.repeat):
            print(f"{label:28} {median:10.1f} {worst:8.1f}")


if __name__ == "__main__":
    main()
