"""Parse every row of every UN-speeches corpus JSONL with parse_file and report the time taken.

Run: .venv/bin/python bench/bench_corpus.py [--mode sentence] [CORPUS_DIR]
The corpus lives outside the repository (../shared/corpus by default); nothing is stored.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from workbench.core.corpus import parse_file  # noqa: E402  (import after the path fix above)

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"


def main() -> int:
    """Parse each corpus file in turn and print rows, passages and seconds per file and in all."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--mode", choices=("paragraph", "sentence"), default="paragraph")
    args = parser.parse_args()
    files = sorted(args.corpus.glob("*.jsonl"))
    if not files:
        print(f"no .jsonl files in {args.corpus}", file=sys.stderr)
        return 1
    total_rows = total_passages = total_codable = 0
    total_bytes = 0
    started = time.perf_counter()
    cpu_started = time.process_time()  # CPU time too: wall time suffers on a shared machine
    print(f"{'file':<36} {'rows':>6} {'passages':>9} {'codable':>8} {'MB':>6} {'seconds':>8}")
    for path in files:
        data = path.read_bytes()
        t0 = time.perf_counter()
        documents = parse_file(path.name, data, mode=args.mode)
        seconds = time.perf_counter() - t0
        passages = sum(len(doc.passages) for doc in documents)
        codable = sum(p.codable for doc in documents for p in doc.passages)
        print(
            f"{path.name:<36} {len(documents):>6} {passages:>9} {codable:>8} "
            f"{len(data) / 1e6:>6.1f} {seconds:>8.2f}"
        )
        total_rows += len(documents)
        total_passages += passages
        total_codable += codable
        total_bytes += len(data)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    print(
        f"{'total (' + args.mode + ')':<36} {total_rows:>6} {total_passages:>9} "
        f"{total_codable:>8} {total_bytes / 1e6:>6.1f} {elapsed:>8.2f}"
    )
    print(f"CPU seconds: {cpu:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
