"""Coder drift: a coder's agreement with a comparison layer over the order they coded in. PURE.

A coder's coded passages are taken in the order they were first coded. Each passage that has a
comparison — the consensus, the gold standard, or another coder who coded it too — gives one
comparison per comparison layer (one for consensus or gold, one per other coder on the
overlap). Passages are grouped into windows: consecutive blocks of ``window`` passages (moved on
by ``step``), or one window per document.

In a window every (comparison, code) is a unit with two presence values, the coder's and the
comparison's. α is Krippendorff's nominal α of those units and κ is Cohen's κ of their pooled
2 × 2 table, both computed with the agreement package's own functions, so a window's figures
equal the agreement report's on the same units. Intervals are percentile bootstraps that
resample passages (the codes of one passage are not independent), given only when the window
has at least ``MIN_INTERVAL_PASSAGES`` passages.

Flags: a window is flagged when its α falls below the threshold, or its κ lies more than
``drop`` below the coder's certification κ (their gold result). A window with fewer than half
the window's passages (the tail) is too small to flag.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.core.agreement.alpha import krippendorff_alpha
from workbench.core.agreement.bootstrap import DEFAULT_SEED
from workbench.core.agreement.bootstrap import derived_rng
from workbench.core.agreement.json_record import JsonRecord
from workbench.core.agreement.kappa import kappa_from_table
from workbench.core.agreement.matrix import IntArray
from workbench.core.agreement.matrix import RatingMatrix
from workbench.core.i18n import _

AGAINST = ("consensus", "gold", "coders")
MIN_INTERVAL_PASSAGES = 10
DEFAULT_REPLICATES = 500
PRESENCE = (0, 1)


@dataclass(frozen=True)
class CodedPassage:
    """A passage as one coder coded it: when (any sortable value), in which document, what."""

    passage_id: int
    document: str
    at: Any
    codes: frozenset[str]


@dataclass(frozen=True)
class DriftWindow(JsonRecord):
    """A coder's agreement with the comparison over one window of their coding."""

    index: int
    label: str
    first_passage: int
    last_passage: int
    first_at: Any
    last_at: Any
    passages: int
    units: int
    agreement: float | None
    alpha: float | None
    alpha_ci95: tuple[float, float] | None
    kappa: float | None
    kappa_ci95: tuple[float, float] | None


@dataclass(frozen=True)
class DriftFlag(JsonRecord):
    """Why a window is flagged."""

    window: int
    reason: str  # "below threshold" or "drop from certification"
    message: str


@dataclass(frozen=True)
class CoderDrift(JsonRecord):
    """One coder's windows and flags."""

    coder: str
    passages: int
    certification: float | None
    windows: tuple[DriftWindow, ...] = ()
    flags: tuple[DriftFlag, ...] = ()

    @property
    def flagged(self) -> bool:
        """Whether any window is flagged."""
        return bool(self.flags)


def _tables(
    codes: Sequence[str], mine: frozenset[str], others: Sequence[frozenset[str]]
) -> IntArray:
    """The passage's pooled 2 × 2 table (rows: the coder, columns: the comparison)."""
    t = np.zeros((2, 2), dtype=np.int64)
    for theirs in others:
        for code in codes:
            t[int(code in mine), int(code in theirs)] += 1
    return t


def window_matrix(
    codes: Sequence[str],
    passages: Sequence[CodedPassage],
    comparisons: Mapping[int, Sequence[frozenset[str]]],
) -> RatingMatrix:
    """Units (passage, comparison, code) × [coder, comparison] presence matrix of a window."""
    rows = [
        (int(code in p.codes), int(code in theirs))
        for p in passages
        for theirs in comparisons[p.passage_id]
        for code in codes
    ]
    index = np.array(rows, dtype=np.int64).reshape(len(rows), 2)
    return RatingMatrix(index, PRESENCE, ("coder", "comparison"), True)


def _alpha_kappa(t: Any) -> tuple[Any, Any]:
    """Vectorised nominal α and κ of pooled 2 × 2 tables (last axes), NaN where undefined."""
    n00, n01, n10, n11 = t[..., 0, 0], t[..., 0, 1], t[..., 1, 0], t[..., 1, 1]
    n = n00 + n01 + n10 + n11
    with np.errstate(divide="ignore", invalid="ignore"):
        # Two values per unit: the coincidence form of α reduces to the pooled table's margins.
        zeros = 2 * n00 + n01 + n10
        ones = 2 * n11 + n01 + n10
        alpha = 1 - (2 * n - 1) * (n01 + n10) / (zeros * ones)
        rows0, rows1 = n00 + n01, n10 + n11
        cols0, cols1 = n00 + n10, n01 + n11
        chance = rows0 * cols0 + rows1 * cols1
        kappa = (n * (n00 + n11) - chance) / (n * n - chance)
    return alpha, kappa


def _interval(values: Any) -> tuple[float, float] | None:
    defined = values[~np.isnan(values)]
    if defined.size == 0:
        return None
    low, high = np.quantile(defined, [0.025, 0.975])
    return float(low), float(high)


def _window(
    index: int,
    label: str,
    codes: Sequence[str],
    passages: Sequence[CodedPassage],
    comparisons: Mapping[int, Sequence[frozenset[str]]],
    rng: np.random.Generator,
    replicates: int,
) -> DriftWindow:
    per_passage = np.stack([_tables(codes, p.codes, comparisons[p.passage_id]) for p in passages])
    pooled = per_passage.sum(axis=0)
    units = int(pooled.sum())
    alpha = krippendorff_alpha(window_matrix(codes, passages, comparisons)) if units else None
    kappa = kappa_from_table(pooled)
    alpha_ci = kappa_ci = None
    if len(passages) >= MIN_INTERVAL_PASSAGES and replicates > 0:
        k = len(passages)
        weights = rng.multinomial(k, np.full(k, 1 / k), size=replicates).astype(np.float64)
        draws = np.einsum("rp,pij->rij", weights, per_passage.astype(np.float64))
        a_draws, k_draws = _alpha_kappa(draws)
        alpha_ci = _interval(a_draws) if alpha is not None else None
        kappa_ci = _interval(k_draws) if kappa is not None else None
    return DriftWindow(
        index=index,
        label=label,
        first_passage=passages[0].passage_id,
        last_passage=passages[-1].passage_id,
        first_at=passages[0].at,
        last_at=passages[-1].at,
        passages=len(passages),
        units=units,
        agreement=float(np.trace(pooled) / units) if units else None,
        alpha=alpha,
        alpha_ci95=alpha_ci,
        kappa=kappa,
        kappa_ci95=kappa_ci,
    )


def _groups(
    ordered: Sequence[CodedPassage], window: int, step: int, per_document: bool
) -> list[tuple[str, list[CodedPassage]]]:
    if per_document:
        docs: dict[str, list[CodedPassage]] = {}
        for p in ordered:
            docs.setdefault(p.document, []).append(p)
        return list(docs.items())
    out: list[tuple[str, list[CodedPassage]]] = []
    start = 0
    while start < len(ordered):
        chunk = list(ordered[start : start + window])
        label = _("passages %(first)s–%(last)s", first=start + 1, last=start + len(chunk))
        out.append((label, chunk))
        if start + window >= len(ordered):
            break
        start += step
    return out


def flags_for(
    windows: Sequence[DriftWindow],
    *,
    window: int | None,
    threshold: float,
    certification: float | None,
    drop: float,
) -> list[DriftFlag]:
    """The flagged windows: α below the threshold, or κ more than ``drop`` below certification."""
    out: list[DriftFlag] = []
    for w in windows:
        if window is not None and w.passages * 2 < window:
            continue  # the tail of the coding is too short a window to judge
        if w.alpha is not None and w.alpha < threshold:
            out.append(
                DriftFlag(
                    w.index,
                    "below threshold",
                    _(
                        "%(window)s: α %(alpha)s is below the threshold %(threshold)s",
                        window=w.label,
                        alpha=f"{w.alpha:.3f}",
                        threshold=f"{threshold:.2f}",
                    ),
                )
            )
        if certification is not None and w.kappa is not None and certification - w.kappa > drop:
            out.append(
                DriftFlag(
                    w.index,
                    "drop from certification",
                    _(
                        "%(window)s: κ %(kappa)s is %(difference)s below the certification κ "
                        "%(certification)s (allowed drop %(drop)s)",
                        window=w.label,
                        kappa=f"{w.kappa:.3f}",
                        difference=f"{certification - w.kappa:.3f}",
                        certification=f"{certification:.3f}",
                        drop=f"{drop:.2f}",
                    ),
                )
            )
    return out


def coder_drift(
    coder: str,
    coded: Sequence[CodedPassage],
    comparisons: Mapping[int, Sequence[frozenset[str]]],
    codes: Sequence[str],
    *,
    window: int = 20,
    step: int | None = None,
    per_document: bool = False,
    threshold: float = 0.8,
    certification: float | None = None,
    drop: float = 0.2,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
) -> CoderDrift:
    """One coder's windows over the passages that have a comparison, in coding order, and flags.

    ``comparisons`` maps a passage to the comparison layers' code sets (empty set: nothing
    applies); passages absent from it, or with no comparison, are left out.
    """
    if window < 2:
        raise ValueError("the window must hold at least two passages")
    stride = window if step is None else step
    if stride < 1:
        raise ValueError("the step must be at least one passage")
    ordered = sorted(
        (p for p in coded if comparisons.get(p.passage_id)), key=lambda p: (p.at, p.passage_id)
    )
    windows = [
        _window(
            i,
            label,
            codes,
            group,
            comparisons,
            derived_rng(seed, "drift", coder, str(i), label),
            replicates,
        )
        for i, (label, group) in enumerate(_groups(ordered, window, stride, per_document))
    ]
    flags = flags_for(
        windows,
        window=None if per_document else window,
        threshold=threshold,
        certification=certification,
        drop=drop,
    )
    return CoderDrift(coder, len(ordered), certification, tuple(windows), tuple(flags))
