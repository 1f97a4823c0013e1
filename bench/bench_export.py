"""Benchmark of the export: N annotations to xlsx (and CSV, JSON, .qdpx) in a fresh SQLite DB.

    .venv/bin/python bench/bench_export.py                    # 100,000 annotations, xlsx
    .venv/bin/python bench/bench_export.py --annotations 1000000 --formats xlsx,csv

Data: a 20-code codebook (four folders of five codes, all taking a stance), three coders,
documents of 40 passages of 150-450 characters (one in five in Chinese). Each passage is coded
by one coder and, one time in five, by a second (overlap); a coding applies one to four codes
(2.5 on average) with a stance; one in ten has a memo and one in ten a span. Passage states
mark every coded passage. Rows go in with bulk INSERTs, not through the services.

Timed: `workbench export --project bench --out FILE --format F` run as a subprocess, its wall
time, its CPU time and its peak resident memory (getrusage(RUSAGE_CHILDREN) of a wrapper process
whose only child is the export). "data MB" is what the file holds unpacked (the CSV zip's files
added up; the file itself for the other formats). Targets: 100k annotations to xlsx in <= 8 s
and <= 150 MB; 1M in <= 90 s and <= 250 MB; .qdpx of 100k annotations <= 8 s; JSON Lines no
more than twice the data of the CSV tables.

    .venv/bin/python bench/bench_export.py --formats qdpx,csv,json --against ../other --rounds 2

runs each format alternately with this checkout and another one (its own .venv) on the same
database and prints them side by side.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from workbench.accounts import users as accounts
from workbench.codebooks import codes as codebooks
from workbench.core import codebook as cb
from workbench.db import make_engine
from workbench.migrate import upgrade
from workbench.models import Annotation
from workbench.models import Document
from workbench.models import Passage
from workbench.models import PassageState

_WORD_TEXT = """counter-terrorism cooperation sovereignty capacity-building developing countries
United Nations Security Council resolution strategy financing terrorist content Internet companies
private sector partnership assistance training law enforcement human rights extremism root causes
dialogue interference internal affairs double standards Xinjiang vocational education"""
WORDS = _WORD_TEXT.split()
ZH = "中方谴责一切形式的恐怖主义国际社会应加强反恐合作支持发展中国家能力建设反对干涉内政双重标准"
CODERS = ("coder1", "coder2", "coder3")
WRAPPER = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "wall = time.perf_counter() - t\n"
    "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps({'code': code, 'wall': wall, 'rss_mb': use.ru_maxrss / 1024,\n"
    "                  'cpu': use.ru_utime + use.ru_stime}))\n"
)


def codebook_spec() -> cb.CodebookSpec:
    """Four folders of five stance-taking codes."""
    codes = []
    for f in range(4):
        folder = cb.derived_key(f"bench-folder-{f}")
        codes.append(cb.CodeSpec(folder, f"Theme {f + 1}", None, is_codable=False, sort_order=f))
        for k in range(5):
            codes.append(
                cb.CodeSpec(
                    cb.derived_key(f"bench-code-{f}-{k}"),
                    f"Argument {f + 1}.{k + 1}",
                    folder,
                    definition=f"Synthetic code {f + 1}.{k + 1}.",
                    colour=f"#{(40 * f + 8 * k) % 256:02X}{(90 + 30 * k) % 256:02X}A0",
                    sort_order=k,
                )
            )
    return cb.CodebookSpec(tuple(codes))


def passage_text(rng: random.Random) -> str:
    """A passage of 150-450 characters, English or (one in five) Chinese."""
    if rng.random() < 0.2:
        return "".join(rng.choice(ZH) for _ in range(rng.randint(60, 180))) + "。"
    size = rng.randint(150, 450)
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < size:
        words.append(rng.choice(WORDS))
    text = " ".join(words).capitalize() + "."
    return ("- " + text) if rng.random() < 0.05 else text  # a few formula-like leads


def generate(url: str, annotations: int, seed: int) -> None:
    """Fill a fresh database with the synthetic project."""
    engine = make_engine(url)
    upgrade(engine)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    rng = random.Random(seed)
    now = dt.datetime(2026, 1, 15, 10, 0, tzinfo=dt.UTC)
    with factory.begin() as s:
        lead = accounts.create_user(s, "lead", "benchmark-password")
        coders = [accounts.create_user(s, n, "benchmark-password") for n in CODERS]
        project = accounts.create_project(s, "bench", lead=lead)
        for c in coders:
            accounts.add_member(s, project, c, "coder")
        codebooks.install_spec(s, project, codebook_spec(), user=lead, note="bench")
        codes = [(c.id, c.takes_stance) for c in codebooks.live_codes(s, project) if c.is_codable]
        coder_ids = [c.id for c in coders]
        pid = project.id
    per_doc = 40
    made = 0
    doc_no = 0
    with factory.begin() as s:
        while made < annotations:
            texts = [passage_text(rng) for _ in range(per_doc)]
            body = "\n\n".join(texts)
            doc_id = s.scalar(
                insert(Document)
                .values(
                    project_id=pid,
                    title=f"Statement {doc_no + 1}",
                    filename=f"doc{doc_no + 1}.txt",
                    content_hash=f"{doc_no:064d}",
                    raw_text=body,
                    text=body,
                    language="en",
                    doc_type="un_record",
                    date=f"{2015 + doc_no % 10}-{1 + doc_no % 12:02d}-15",
                    meeting_symbol=f"S/PV.{8000 + doc_no}",
                    passage_count=per_doc,
                    extra={},
                )
                .returning(Document.id)
            )
            doc_no += 1
            rows, offset = [], 0
            for i, t in enumerate(texts):
                rows.append(
                    {
                        "document_id": doc_id,
                        "project_id": pid,
                        "ordinal": i,
                        "text": t,
                        "start_offset": offset,
                        "end_offset": offset + len(t),
                        "speaker": f"Speaker {i % 7}",
                        "delegation": ("China", "France", "Kenya", "Brazil")[i % 4],
                        "language": "zh" if t[0] in ZH else "en",
                        "original_language": "en" if t[0] in ZH else None,
                        "turn": i // 5,
                        "codable": True,
                    }
                )
                offset += len(t) + 2
            s.execute(insert(Passage), rows)
            ids = list(
                s.scalars(
                    select(Passage.id)
                    .where(Passage.document_id == doc_id)
                    .order_by(Passage.ordinal)
                )
            )
            anns, states = [], []
            for passage_id, t in zip(ids, texts, strict=True):
                first = rng.randrange(len(coder_ids))
                who = [coder_ids[first]]
                if rng.random() < 0.2:
                    who.append(coder_ids[(first + 1) % len(coder_ids)])
                for coder in who:
                    states.append(
                        {
                            "project_id": pid,
                            "passage_id": passage_id,
                            "coder_id": coder,
                            "coded": True,
                            "memo": "",
                            "updated_at": now,
                        }
                    )
                    for code_id, stance in rng.sample(codes, rng.randint(1, 4)):
                        span = rng.random() < 0.1 and len(t) > 20
                        anns.append(
                            {
                                "project_id": pid,
                                "passage_id": passage_id,
                                "coder_id": coder,
                                "code_id": code_id,
                                "stance": rng.randint(-2, 2) if stance else None,
                                "memo": '=HYPERLINK("x") memo'
                                if rng.random() < 0.02
                                else (
                                    "Memo: " + " ".join(rng.sample(WORDS, 6))
                                    if rng.random() < 0.1
                                    else ""
                                ),
                                "span_start": 3 if span else None,
                                "span_end": 18 if span else None,
                                "codebook_version": 1,
                                "code_revision": 1,
                                "created_at": now,
                                "updated_at": now,
                            }
                        )
            anns = anns[: annotations - made]
            made += len(anns)
            if anns:
                s.execute(insert(Annotation), anns)
            s.execute(insert(PassageState), states)
    engine.dispose()


def measure(url: str, fmt: str, out: Path, python: str = sys.executable) -> dict[str, float]:
    """Run the export in a subprocess; return its wall and CPU time, peak RSS and sizes."""
    env = dict(os.environ, WORKBENCH_DATABASE_URL=url)
    command = [
        python,
        "-c",
        "from workbench.cli import main; main()",
        "export",
        "--project",
        "bench",
        "--out",
        str(out),
        "--format",
        fmt,
        "--quiet",
    ]
    # Run from the checkout that owns the interpreter: "python -c" imports from its working
    # directory first.
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *command],
        cwd=Path(python).parents[2],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["code"] != 0:
        raise SystemExit(f"export failed: {done.stderr}")
    result["file_mb"] = out.stat().st_size / 1e6
    result["data_mb"] = result["file_mb"]
    if fmt == "csv":
        with zipfile.ZipFile(out) as archive:
            result["data_mb"] = sum(i.file_size for i in archive.infolist()) / 1e6
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--annotations", type=int, default=100_000)
    parser.add_argument("--formats", default="xlsx")
    parser.add_argument("--dir", type=Path, default=None, help="Keep the database and files here.")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another checkout to compare with")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    folder = (args.dir or Path(tempfile.mkdtemp(prefix="wb-bench-"))).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"bench-{args.annotations}.sqlite3"
    url = f"sqlite:///{db}"
    if not db.exists():
        started = time.perf_counter()
        generate(url, args.annotations, args.seed)
        took = time.perf_counter() - started
        print(f"generated {args.annotations:,} annotations in {took:.1f} s ({db})")
    checkouts = [("this", sys.executable)]
    if args.against:
        checkouts.append(("other", str(args.against.resolve() / ".venv" / "bin" / "python")))
    print(
        f"{'format':8} {'checkout':8} {'annotations':>12} {'wall s':>8} {'CPU s':>8} "
        f"{'peak MB':>8} {'file MB':>8} {'data MB':>8}"
    )
    for n in range(args.rounds):
        for fmt in args.formats.split(","):
            for label, python in checkouts if n % 2 == 0 else checkouts[::-1]:
                ext = {"csv": "zip", "json": "jsonl"}.get(fmt, fmt)
                out = folder / f"export-{args.annotations}-{label}.{ext}"
                r = measure(url, fmt, out, python)
                figures = (
                    f"{r['wall']:>8.1f} {r['cpu']:>8.1f} {r['rss_mb']:>8.0f} "
                    f"{r['file_mb']:>8.1f} {r['data_mb']:>8.1f}"
                )
                print(f"{fmt:8} {label:8} {args.annotations:>12,} {figures}")


if __name__ == "__main__":
    main()
