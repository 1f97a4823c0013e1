"""Benchmark of the aligner and the quote tracer (run on request, never part of the tests).

    .venv/bin/python bench/bench_translations.py [--corpus ../shared/corpus] [--rounds 5]

Aligner: the UN's English text of Xi Jinping's UNGA 75 address against People's Daily's Chinese
text (11,688 and 2,726 characters), and two 12,000-character English versions of one General
Debate statement (the second with a paragraph dropped and two paragraphs cut in two), both with
paragraphs and cut into sentences. Tracer: building the 3-gram index of 1,000 Security Council
statements and tracing the seed Xinhua report against it. Then the same through the workbench
(``translations.tracing.trace`` on a SQLite project holding those statements and the report,
traced against every statement): the first trace, which builds the index, and a second one, which
reuses the index kept for the unchanged statements. Medians of the rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.core.alignment import align_versions  # noqa: E402
from workbench.core.corpus import parse_document  # noqa: E402
from workbench.core.corpus.sentences import sentence_spans  # noqa: E402
from workbench.core.quotes import QuoteIndex  # noqa: E402
from workbench.core.quotes import Statement  # noqa: E402
from workbench.core.quotes import statement_sentences  # noqa: E402


def _rows(path: Path, wanted: Callable[[dict[str, object]], bool], limit: int) -> list[dict]:
    found = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if wanted(row):
                found.append(row)
                if len(found) >= limit:
                    break
    return found


def _passages(name: str, text: str) -> list[str]:
    parsed = parse_document(name, text)
    return [parsed.text[p.start : p.end] for p in parsed.passages if p.codable]


def _sentences(passages: list[str]) -> list[str]:
    return [p[a:b] for p in passages for a, b in sentence_spans(p, 0, len(p))]


def _median(rounds: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Print the median time of each measurement."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    corpus: Path = args.corpus

    english = _rows(
        corpus / "speeches_ungdc_2001_2024.jsonl", lambda r: r["id"] == "UNGDC_CHN_75_2020", 1
    )
    chinese = _rows(corpus / "speeches_zh_xi_2020.jsonl", lambda r: r["id"] == "ZH_XI2020_032", 1)
    en = _passages("en.txt", str(english[0]["text"]))
    zh = _passages("zh.txt", str(chinese[0]["text"]))
    paired = _median(args.rounds, lambda: align_versions(en, zh))
    print(f"pair EN {len(en)} paragraphs / ZH run together: {paired:.3f} s")

    twelve = _rows(
        corpus / "speeches_ungdc_2001_2024.jsonl",
        lambda r: 11_500 <= int(r["n_chars"]) <= 12_500 and str(r["text"]).count("\n") > 30,
        1,
    )[0]
    first = _passages("a.txt", str(twelve["text"]))
    second = list(first)
    del second[len(second) // 2]
    for i in (3, len(second) - 4):
        half = len(second[i]) // 2
        second[i : i + 1] = [second[i][:half], second[i][half:]]
    print(
        f"two 12,000-character versions ({twelve['id']}, {len(first)}/{len(second)} paragraphs):"
        f" {_median(args.rounds, lambda: align_versions(first, second)):.3f} s"
    )
    s1, s2 = _sentences(first), _sentences(second)
    print(
        f"the same cut into sentences ({len(s1)}/{len(s2)}):"
        f" {_median(args.rounds, lambda: align_versions(s1, s2)):.3f} s"
    )

    statements = [
        Statement(
            str(r["id"]),
            (str(r["speaker"] or ""), str(r["country"] or "")),
            tuple(_sentences([str(r["text"])])),
        )
        for r in _rows(corpus / "speeches_unsc_2020.jsonl", lambda r: True, 999)
    ]
    zhang = ROOT / "seeds" / "2020-07-10_china-mission_zhang-jun_counter-terrorism-week.txt"
    statements.append(
        Statement(
            "zhang",
            ("Zhang Jun", "China"),
            statement_sentences(_passages("z.txt", zhang.read_text("utf-8"))),
        )
    )
    report = _passages(
        "r.txt",
        (
            ROOT / "seeds" / "2020-07-10_xinhua_zhang-jun_multilateralism-counter-terrorism.txt"
        ).read_text("utf-8"),
    )
    chars = sum(len(s) for st in statements for s in st.sentences)
    built = _median(args.rounds, lambda: QuoteIndex(statements))
    index = QuoteIndex(statements)
    traced = _median(args.rounds, lambda: index.trace(report))
    found = index.trace(report)
    print(f"index of {len(statements)} statements ({chars:,} characters): {built:.3f} s")
    reached = len({q.statement for q in found})
    print(
        f"trace the Xinhua report: {traced:.3f} s ({len(found)} quotations, {reached} statements)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        _through_the_workbench(Path(tmp), corpus, zhang, args.rounds)


def _through_the_workbench(tmp: Path, corpus: Path, zhang: Path, rounds: int) -> None:
    """Trace the report against every statement of a project: cold, then with the index kept."""
    from sqlalchemy import select
    from sqlalchemy.orm import sessionmaker

    from workbench.accounts import users as accounts
    from workbench.db import make_engine
    from workbench.documents import importing
    from workbench.migrate import upgrade
    from workbench.models import Document
    from workbench.translations import tracing

    engine = make_engine(f"sqlite:///{tmp}/bench.sqlite3")
    upgrade(engine)
    files = [
        (f"{r['id']}.txt", str(r["text"]).encode())
        for r in _rows(corpus / "speeches_unsc_2020.jsonl", lambda r: True, 999)
    ]
    files.append(("zhang.txt", zhang.read_bytes()))
    xinhua = "2020-07-10_xinhua_zhang-jun_multilateralism-counter-terrorism.txt"
    files.append(("xinhua.txt", (ROOT / "seeds" / xinhua).read_bytes()))
    make = sessionmaker(bind=engine, expire_on_commit=False)
    with make.begin() as s:
        lead = accounts.create_user(s, "lead", "bench-password-1")
        project = accounts.create_project(s, "Tracing bench", lead=lead)
        importing.import_files(s, project, files)
    cold: list[float] = []
    warm: list[float] = []
    found = 0
    for _ in range(rounds):  # interleaved: a build, then a reuse, each round
        tracing.clear_index_cache()
        for times in (cold, warm):
            with make() as s:
                report = s.scalar(select(Document).where(Document.filename == "xinhua.txt"))
                assert report is not None
                project_row = s.get(type(project), project.id)
                assert project_row is not None
                start = time.perf_counter()
                found = len(tracing.trace(s, project_row, report, everywhere=True))
                times.append(time.perf_counter() - start)
                s.rollback()
    print(
        f"trace through the workbench against {len(files) - 1} statements, first (index built):"
        f" {statistics.median(cold):.3f} s; second trace, cached index:"
        f" {statistics.median(warm):.3f} s ({found} quotations)"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
