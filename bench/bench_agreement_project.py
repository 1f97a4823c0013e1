"""Benchmark of the agreement report from the database (services.agreement_data).

    .venv/bin/python bench/bench_agreement_project.py                 # 100,000 passages
    .venv/bin/python bench/bench_agreement_project.py --passages 20000 --url postgresql://...

Builds a project in a fresh database (a temporary SQLite file by default; a PostgreSQL URL is
emptied first, so never point it at a database you need) with N passages in 100 documents,
5 coders and 20 codes; every coder marks each passage coded with probability 0.8 and applies each
code with its own prevalence (3-30 %) and 5 % noise, with a stance. Times: loading the coding
records with plain column selects, the per-code report without bootstrap, the full web report
(bootstrap 1,000 on every code), one breakdown, the JSON with every breakdown (100 documents),
and the disagreement browser's first page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.orm import sessionmaker

from workbench.accounts import users as accounts
from workbench.core.agreement import build_report
from workbench.db import make_engine
from workbench.migrate import upgrade
from workbench.models import Annotation
from workbench.models import Code
from workbench.models import Document
from workbench.models import Passage
from workbench.models import PassageState
from workbench.reliability import adjudication
from workbench.reliability import records as agreement_data
from workbench.reliability.records import Scope


def timed(label: str, fn: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = fn()
    print(f"{label:58} {time.perf_counter() - start:8.2f} s", flush=True)
    return result


def build(session: Any, passages: int, coders: int, codes: int, seed: int) -> Any:
    rng = np.random.default_rng(seed)
    lead = accounts.create_user(session, "lead", "x" * 12)
    people = [accounts.create_user(session, f"coder{i + 1}", "x" * 12) for i in range(coders)]
    project = accounts.create_project(session, "Bench", lead=lead)
    for u in people:
        accounts.add_member(session, project, u, "coder")
    session.flush()
    code_ids = []
    for k in range(codes):
        code = Code(project_id=project.id, key=f"k{k}", name=f"code{k + 1:02d}", sort_order=k)
        session.add(code)
        session.flush()
        code_ids.append(code.id)
    docs = 100
    per_doc = passages // docs
    langs = ["en", "zh"]
    pid_list: list[int] = []
    for d in range(docs):
        doc = Document(
            project_id=project.id,
            title=f"Document {d}",
            filename=f"d{d}.txt",
            content_hash=f"h{d}",
            raw_text="",
            text="",
            language=langs[d % 2],
            doc_type="un_record",
        )
        session.add(doc)
        session.flush()
        rows = [
            {
                "document_id": doc.id,
                "project_id": project.id,
                "ordinal": i,
                "text": f"Passage {i} of document {d}.",
                "start_offset": 0,
                "end_offset": 10,
                "language": langs[d % 2],
                "original_language": "en",
                "delegation": ["China", "France", "Kenya"][i % 3],
                "codable": True,
            }
            for i in range(per_doc)
        ]
        result = session.execute(insert(Passage).returning(Passage.id), rows)
        pid_list.extend(result.scalars().all())
    pids = np.array(pid_list)
    prevalence = rng.uniform(0.03, 0.30, size=codes)
    truth = rng.random((len(pids), codes)) < prevalence
    stance = rng.integers(-2, 3, size=(len(pids), codes))
    for u in people:
        coded = rng.random(len(pids)) < 0.8
        state_rows = [
            {"project_id": project.id, "passage_id": int(p), "coder_id": u.id, "coded": True}
            for p in pids[coded]
        ]
        for start in range(0, len(state_rows), 20_000):
            session.execute(insert(PassageState), state_rows[start : start + 20_000])
        applied = (truth ^ (rng.random(truth.shape) < 0.05)) & coded[:, None]
        rows_i, cols_k = np.nonzero(applied)
        ann_rows = [
            {
                "project_id": project.id,
                "passage_id": int(pids[i]),
                "coder_id": u.id,
                "code_id": code_ids[k],
                "stance": int(stance[i, k]),
            }
            for i, k in zip(rows_i, cols_k, strict=True)
        ]
        for start in range(0, len(ann_rows), 20_000):
            session.execute(insert(Annotation), ann_rows[start : start + 20_000])
    session.commit()
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--coders", type=int, default=5)
    parser.add_argument("--codes", type=int, default=20)
    parser.add_argument("--url", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reuse", action="store_true", help="time the project a previous run left in --url"
    )
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    url = args.url or f"sqlite:///{tmp.name}/bench.sqlite3"
    engine = make_engine(url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    print(
        f"{args.passages:,} passages × {args.coders} coders × {args.codes} codes "
        f"on {engine.dialect.name}"
    )
    if args.reuse:
        from sqlalchemy import select

        from workbench.models import Project

        with factory() as session:
            project = session.scalars(select(Project).where(Project.name == "Bench")).one()
    else:
        if engine.dialect.name == "postgresql":
            from sqlalchemy import text

            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade(engine)
        with factory() as session:
            project = timed(
                "build the database (not part of the report)",
                lambda: build(session, args.passages, args.coders, args.codes, args.seed),
            )
    with factory() as session:
        scope = Scope()
        data = timed(
            "load coding records (column selects)",
            lambda: agreement_data.load(session, project, scope, meta=False),
        )
        print(f"  {len(data.records):,} records")
        timed(
            "per-code report from the records, no bootstrap",
            lambda: build_report(
                data.records, codes=data.codes, bootstrap=0, stance_scale=data.stance_scale
            ),
        )
        timed(
            "web report: bootstrap 1,000 on every code, no breakdowns",
            lambda: agreement_data.project_report(
                session, project, scope, bootstrap=1000, breakdowns=False
            ),
        )
        timed(
            "one breakdown on demand (speech)",
            lambda: agreement_data.breakdown(session, project, scope, "speech"),
        )
        timed(
            "JSON/CLI report: bootstrap 1,000 + every breakdown",
            lambda: agreement_data.project_report(session, project, scope, bootstrap=1000),
        )
        timed("disagreement browser, first page", lambda: adjudication.browse(session, project))
    engine.dispose()


if __name__ == "__main__":
    main()
