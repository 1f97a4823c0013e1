"""Benchmark of coding suggestions: training on 10,000 coded passages and suggesting for a
180-passage document, on real UN speech paragraphs.

    .venv/bin/python bench/bench_suggest.py [--passages 10000] [--codes 8] [--rounds 3]

Data: paragraphs of the Security Council speeches in ../shared/corpus (read at run time, nothing
copied into the repository), cut into passages of three sentences (the records carry no
paragraph breaks), 40 characters or longer. Labels: one code a
keyword predicts ("terroris" in the paragraph) and the rest drawn at random with 10-30 %
prevalence, every passage labelled for every code (the worst case: every code gets its full
5-fold cross-validation and a final fit). Timed, per round: ``train`` (vocabulary, cross-
validation and final fit of every code; target <= 30 s); loading the stored models from bytes
(once a process); suggestions for 180 passages with every trained code enabled (target <=
100 ms), the median of 20 documents.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.core.suggest.model import CodeExamples
from workbench.core.suggest.model import TrainedModels
from workbench.core.suggest.model import train

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "speeches_unsc_2020.jsonl"


def paragraphs(limit: int) -> list[str]:
    """Speech paragraphs from the corpus, in file order."""
    out: list[str] = []
    with CORPUS.open(encoding="utf-8") as f:
        for line in f:
            sentences = SENTENCE_END.split(" ".join(json.loads(line)["text"].split()))
            for i in range(0, len(sentences), 3):
                para = " ".join(sentences[i : i + 3])
                if len(para) >= 40:
                    out.append(para)
                    if len(out) >= limit:
                        return out
    return out


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=10_000)
    parser.add_argument("--codes", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    texts = paragraphs(args.passages + 20 * 180)
    train_texts, doc_texts = texts[: args.passages], texts[args.passages :]
    n = len(train_texts)
    print(f"{n} training passages, mean {np.mean([len(t) for t in train_texts]):.0f} characters")
    rng = np.random.default_rng(0)
    examples = [CodeExamples("terrorism", range(n), ["terroris" in t.lower() for t in train_texts])]
    for k in range(args.codes - 1):
        share = 0.1 + 0.2 * k / max(args.codes - 2, 1)
        examples.append(CodeExamples(f"random{k}", range(n), list(rng.random(n) < share)))
    keywords = {"terrorism": ["terroris"]}
    train_times, suggest_times, load_times = [], [], []
    for r in range(args.rounds):
        start = time.perf_counter()
        models = train(train_texts, examples, keywords=keywords, seed=r)
        train_times.append(time.perf_counter() - start)
        blob = models.to_bytes()
        start = time.perf_counter()
        loaded = TrainedModels.from_bytes(blob)
        load_times.append(time.perf_counter() - start)
        per_doc = []
        for d in range(20):
            doc = doc_texts[d * 180 : (d + 1) * 180]
            start = time.perf_counter()
            loaded.suggest(doc, list(loaded.codes))
            per_doc.append(time.perf_counter() - start)
        suggest_times.append(statistics.median(per_doc))
        e = models.evaluations["terrorism"]
        print(
            f"round {r + 1}: train {train_times[-1]:.1f} s, load {load_times[-1] * 1000:.0f} ms, "
            f"suggest 180 passages {suggest_times[-1] * 1000:.1f} ms (median of 20); "
            f"keyword code F1 {e.f1:.3f}, random codes F1 "
            + ", ".join(f"{models.evaluations[f'random{k}'].f1:.2f}" for k in range(args.codes - 1))
            + f"; model {len(blob) / 1e6:.1f} MB"
        )
    print(
        f"median: train {statistics.median(train_times):.1f} s, "
        f"suggest {statistics.median(suggest_times) * 1000:.1f} ms, "
        f"load {statistics.median(load_times) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
