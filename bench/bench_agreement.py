"""Benchmark of workbench.core.agreement on synthetic coding data, with `krippendorff` as
a yardstick.

    .venv/bin/python bench/bench_agreement.py            # 100,000 passages × 5 coders × 20 codes

Data: every coder codes each passage with probability 0.8 (otherwise it is missing for them);
each code has a true prevalence between 3 % and 30 %, and each coder flips the true presence
with probability 0.05; stances on -2..+2 are the true stance plus noise of ±1 in 30 % of cases.
Timed: the full per-code report from CodingRecords without bootstrap (target <= 3 s); 1,000
bootstrap replicates of one presence α (target <= 10 s), and of an ordinal stance α and of an
interval α on continuous values (one profile per unit, the slowest resampling path). The
krippendorff package (0.9) has no bootstrap, so its cost is measured on a few resamples of the
same units and scaled to the same number of replicates.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.core.agreement import CodingRecord
from workbench.core.agreement import Resampling
from workbench.core.agreement import alpha_bootstrap
from workbench.core.agreement import build_report
from workbench.core.agreement import krippendorff_alpha
from workbench.core.agreement import rating_matrix
from workbench.core.agreement.matrix import RatingMatrix
from workbench.core.agreement.records import coding_table
from workbench.core.agreement.records import presence_matrix
from workbench.core.agreement.records import stance_matrix

krippendorff: Any
try:
    import krippendorff
except ImportError:  # the yardstick is a test dependency; the benchmark still runs without it
    krippendorff = None


def generate(passages: int, coders: int, codes: int, seed: int) -> list[CodingRecord]:
    """Synthetic coding records (see the module docstring for the model)."""
    rng = np.random.default_rng(seed)
    names = [f"code{k + 1:02d}" for k in range(codes)]
    prevalence = rng.uniform(0.03, 0.30, size=codes)
    truth = rng.random((passages, codes)) < prevalence
    true_stance = rng.integers(-2, 3, size=(passages, codes))
    records: list[CodingRecord] = []
    for c in range(coders):
        coder = f"coder{c + 1}"
        coded = rng.random(passages) < 0.8
        applied = (truth ^ (rng.random((passages, codes)) < 0.05)) & coded[:, None]
        noise = rng.integers(-1, 2, size=(passages, codes)) * (rng.random((passages, codes)) < 0.3)
        stance = np.clip(true_stance + noise, -2, 2)
        rows, cols = np.nonzero(applied)
        for p, k, s in zip(rows.tolist(), cols.tolist(), stance[rows, cols].tolist(), strict=True):
            records.append(CodingRecord(p, coder, names[k], s))
        for p in np.nonzero(coded & ~applied.any(axis=1))[0].tolist():
            records.append(CodingRecord(p, coder, None))
    return records


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def kd_bootstrap_seconds(data: np.ndarray, level: str, replicates: int, sample: int) -> float:
    """krippendorff.alpha on ``sample`` unit resamples, scaled to ``replicates``."""
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    for _ in range(sample):
        cols = rng.integers(0, data.shape[1], data.shape[1])
        krippendorff.alpha(data[:, cols], level_of_measurement=level)
    return (time.perf_counter() - start) / sample * replicates


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--coders", type=int, default=5)
    parser.add_argument("--codes", type=int, default=20)
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--kd-sample", type=int, default=10, help="krippendorff resamples timed")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    records = generate(args.passages, args.coders, args.codes, args.seed)
    print(
        f"data: {args.passages:,} passages × {args.coders} coders × {args.codes} codes, "
        f"{len(records):,} coding records"
    )
    rows: list[tuple[str, float, str]] = []

    t_report, report = timed(lambda: build_report(records, bootstrap=0))
    rows.append(("per-code report, no bootstrap (from records)", t_report, "target <= 3 s"))
    languages = ("en", "zh", "fr", None)
    meta = {p: {"language": languages[p % 4]} for p in range(args.passages)}
    t_meta, _ = timed(lambda: build_report(records, bootstrap=0, unit_meta=meta))
    rows.append(("per-code report + language breakdown, no bootstrap", t_meta, ""))
    t_full, _ = timed(lambda: build_report(records, bootstrap=args.replicates))
    rows.append((f"per-code report, {args.replicates} replicates × 40 CIs", t_full, ""))

    table = coding_table(records)
    presence = presence_matrix(table, 0)
    stance = stance_matrix(table, 0, (-2, -1, 0, 1, 2))
    stance = stance.select_units((stance.index >= 0).sum(axis=1) >= 2)
    t_boot, interval = timed(
        lambda: alpha_bootstrap(presence, "nominal", Resampling(args.replicates, 1))
    )
    rows.append((f"bootstrap α nominal ({args.replicates}), presence", t_boot, "target <= 10 s"))
    t_ord, _ = timed(lambda: alpha_bootstrap(stance, "ordinal", Resampling(args.replicates)))
    rows.append((f"bootstrap α ordinal ({args.replicates}), stance", t_ord, ""))
    rng = np.random.default_rng(3)
    truth = rng.normal(size=args.passages)
    values = truth[:, None] + rng.normal(scale=0.5, size=(args.passages, args.coders))
    values[rng.random(values.shape) < 0.2] = np.nan
    continuous = rating_matrix(values.round(6).tolist())
    t_cont, _ = timed(lambda: alpha_bootstrap(continuous, "interval", Resampling(args.replicates)))
    rows.append((f"bootstrap α interval ({args.replicates}), continuous", t_cont, ""))

    ours_alpha = krippendorff_alpha(presence, "nominal")

    # A fresh matrix per run: a matrix caches its unit profiles.
    def fresh_alpha() -> float | None:
        copy = RatingMatrix(presence.index, presence.categories, presence.coders, True)
        return krippendorff_alpha(copy, "nominal")

    t_point, _ = timed(fresh_alpha, repeat=3)
    rows.append(("α nominal, one code (ours)", t_point, ""))
    ratio_lines: list[str] = []
    if krippendorff is not None:
        data = np.where(presence.index >= 0, presence.index, np.nan).T  # coders × units
        t_kd, kd_alpha = timed(lambda: krippendorff.alpha(data, level_of_measurement="nominal"))
        rows.append(("α nominal, one code (krippendorff 0.9)", t_kd, ""))
        t_kd_boot = kd_bootstrap_seconds(data, "nominal", args.replicates, args.kd_sample)
        rows.append((f"krippendorff.alpha × {args.replicates} resamples (scaled)", t_kd_boot, ""))
        assert ours_alpha is not None and abs(ours_alpha - kd_alpha) < 1e-9
        ratio_lines = [
            f"speed-up vs krippendorff: point α {t_kd / t_point:,.0f}×, "
            f"bootstrap {t_kd_boot / t_boot:,.0f}×",
            f"α nominal code01: ours {ours_alpha:.6f}, krippendorff {kd_alpha:.6f}",
        ]

    width = max(len(name) for name, _, _ in rows)
    print(f"{'step'.ljust(width)}  {'seconds':>9}  note")
    for name, seconds, note in rows:
        print(f"{name.ljust(width)}  {seconds:9.3f}  {note}")
    for line in ratio_lines:
        print(line)
    if interval is not None:
        print(f"code01 presence α 95% CI: [{interval.low:.4f}, {interval.high:.4f}]")
    flags = [rep.flag for rep in report.per_code.values()]
    print("flags:", {flag: flags.count(flag) for flag in sorted(set(flags))})


if __name__ == "__main__":
    main()
