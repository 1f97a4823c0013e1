"""Learned coding suggestions: one linear classifier per code over character n-grams. PURE.

Features: character n-grams (1–3 characters), hashed into 2^20 buckets, with sublinear tf-idf
weights and unit length. Character n-grams need no word segmenter, so Chinese and English
passages go through the same features. The kept n-grams (seen in at least two passages, the
most frequent 131,072) and their idf are fitted once on every labelled passage's text (no
labels are used for them). The classifiers and cross-validation are scikit-learn's.

Per code, a logistic regression (fitted by stochastic gradient descent) with balanced class
weights is trained on that code's labelled passages (positives and negatives). Before a model
is used it is evaluated by stratified k-fold cross-validation: precision, recall and F1 of the
pooled out-of-fold predictions. A code is ready when it has enough positive and negative
passages and its cross-validated F1 reaches the threshold; otherwise the evaluation says why
not. The dictionary baseline (a passage is predicted positive when one of the code's keywords
occurs in it) is scored on the same passages.

A trained model serialises to plain numpy arrays (no pickle), so any server can load it from
the database.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from scipy import sparse
    from sklearn.linear_model import SGDClassifier

from workbench.core.agreement.json_record import JsonRecord
from workbench.core.i18n import _
from workbench.core.suggest.dictionary import hit_codes

NGRAMS = (1, 3)
MAX_FEATURES = 1 << 17
BUCKET_BITS = 20
DEFAULT_FOLDS = 5
DEFAULT_F1 = 0.8
MIN_EXAMPLES = 10
SUGGEST_AT = 0.5
FORMAT = 2
HALVES = 2  # cross-fitted halves of the labelled passages (TrainedModels.held_out)

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CodeExamples:
    """A code's labelled passages: indices into the training texts, and whether it applies."""

    code: str
    passages: Sequence[int]
    labels: Sequence[bool]


@dataclass(frozen=True)
class Scores(JsonRecord):
    """Precision, recall and F1 of binary predictions (None where 0/0)."""

    precision: float | None
    recall: float | None
    f1: float | None


@dataclass(frozen=True)
class CodeEvaluation(JsonRecord):
    """A code's cross-validated scores, its training data, and whether it is ready."""

    code: str
    positives: int
    negatives: int
    folds: int
    precision: float | None
    recall: float | None
    f1: float | None
    ready: bool
    reason: str
    dictionary: Scores | None


def scores(truth: npt.NDArray[np.bool_], predicted: npt.NDArray[np.bool_]) -> Scores:
    """Precision, recall and F1 of predictions against the truth."""
    tp = int((truth & predicted).sum())
    fp = int((~truth & predicted).sum())
    fn = int((truth & ~predicted).sum())
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    return Scores(precision, recall, f1)


def _ngram_buckets(texts: Sequence[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(text index, hash bucket) of every character 1-, 2- and 3-gram of the lower-cased texts.

    Hashed with numpy over the texts' code points at once: no per-n-gram Python loop, which
    is what made suggestions for a long document slow."""
    lowered = [t.lower() for t in texts]
    lengths = np.fromiter(map(len, lowered), dtype=np.int64, count=len(lowered))
    points = np.frombuffer("".join(lowered).encode("utf-32-le"), dtype=np.uint32)
    codes = points.astype(np.uint64)
    owner = np.repeat(np.arange(len(lowered), dtype=np.int64), lengths)
    rows: list[npt.NDArray[np.int64]] = []
    buckets: list[npt.NDArray[np.int64]] = []
    with np.errstate(over="ignore"):
        for n in range(NGRAMS[0], NGRAMS[1] + 1):
            m = codes.size - n + 1
            if m <= 0:
                continue
            h = np.full(m, n, dtype=np.uint64)
            for k in range(n):
                h = (h * np.uint64(0x100000001B3)) ^ codes[k : k + m]
            # Fibonacci hashing spreads the n-gram hash over the bucket range.
            h = (h * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - BUCKET_BITS)
            inside = owner[:m] == owner[n - 1 : n - 1 + m]
            rows.append(owner[:m][inside])
            buckets.append(h[inside].astype(np.int64))
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(buckets)


def _tally(keys: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Distinct keys in order and how often each occurs."""
    if keys.size == 0:
        return keys, keys
    ordered = np.sort(keys)
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    counts = np.diff(np.append(starts, ordered.size))
    return ordered[starts], counts.astype(np.int64)


def _csr(
    rows: npt.NDArray[np.int64], cols: npt.NDArray[np.int64], n_rows: int, width: int
) -> sparse.csr_matrix:
    """Counts of (row, column) pairs as a canonical CSR matrix, built without scipy's sorting."""
    from scipy import sparse  # see _classifier: loaded with the first model

    keys, counts = _tally(rows * max(width, 1) + cols)
    key_rows = keys // max(width, 1)
    indptr = np.searchsorted(key_rows, np.arange(n_rows + 1))
    return sparse.csr_matrix(
        (counts.astype(np.float64), keys % max(width, 1), indptr), shape=(n_rows, width)
    )


class Vectoriser:
    """Character n-gram counts weighted by sublinear tf-idf and scaled to unit length.

    The features are hash buckets of n-grams kept at fitting time (``buckets``, sorted)."""

    def __init__(self, buckets: npt.NDArray[np.int64], idf: FloatArray) -> None:
        self.buckets = np.asarray(buckets, dtype=np.int64)
        self.idf = np.asarray(idf, dtype=np.float64)
        self._column: npt.NDArray[np.int64] | None = None

    def _counts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        from scipy import sparse  # see _classifier: loaded with the first model

        rows, buckets = _ngram_buckets(texts)
        width = int(self.buckets.size)
        if width == 0 or rows.size == 0:
            return sparse.csr_matrix((len(texts), width))
        if self._column is None:
            # Bucket -> feature column (-1: not kept); one gather per n-gram, no search.
            self._column = np.full(1 << BUCKET_BITS, -1, dtype=np.int64)
            self._column[self.buckets] = np.arange(width)
        cols = self._column[buckets]
        known = cols >= 0
        return _csr(rows[known], cols[known], len(texts), width)

    @classmethod
    def fit(cls, texts: Sequence[str]) -> tuple[Vectoriser, sparse.csr_matrix]:
        """Fit the kept n-grams and their idf on the texts; return it with the texts' features."""
        from scipy import sparse  # see _classifier: loaded with the first model

        rows, buckets = _ngram_buckets(texts)
        keys, counts = _tally(rows * (1 << BUCKET_BITS) + buckets)
        df = np.bincount(keys & ((1 << BUCKET_BITS) - 1), minlength=1 << BUCKET_BITS)
        least = 2 if len(texts) >= 50 else 1
        kept = np.flatnonzero(df >= least)
        if kept.size > MAX_FEATURES:
            # The most frequent n-grams, ties broken by bucket so the choice is reproducible.
            order = np.lexsort((kept, -df[kept]))[:MAX_FEATURES]
            kept = np.sort(kept[order])
        idf = np.log((1 + len(texts)) / (1 + df[kept])) + 1
        made = cls(kept.astype(np.int64), idf)
        column = np.full(1 << BUCKET_BITS, -1, dtype=np.int64)
        column[kept] = np.arange(kept.size)
        made._column = column
        cols = column[keys & ((1 << BUCKET_BITS) - 1)]
        known = cols >= 0
        # Columns are ranks of sorted buckets, so the (text, bucket) order of the tallied keys
        # is already the (row, column) order a CSR matrix wants: no second sort.
        key_rows = keys[known] >> BUCKET_BITS
        indptr = np.searchsorted(key_rows, np.arange(len(texts) + 1))
        matrix = sparse.csr_matrix(
            (counts[known].astype(np.float64), cols[known], indptr),
            shape=(len(texts), int(kept.size)),
        )
        return made, made._weigh(matrix)

    def _weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        from scipy import sparse  # see _classifier: loaded with the first model

        out = counts.tocsr(copy=True)
        out.data = (1 + np.log(out.data)) * self.idf[out.indices]
        norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        return sparse.csr_matrix(sparse.diags(1 / norms) @ out)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The texts' features."""
        return self._weigh(self._counts(texts))


def _classifier(seed: int) -> SGDClassifier:
    # Imported here, not above: scikit-learn (with the pandas it loads) is ~80 MB of memory,
    # and scipy ~12 MB more, which every web worker and command would otherwise carry without
    # training or using a model.
    from sklearn.linear_model import SGDClassifier

    # Logistic loss by averaged stochastic gradient descent: a few passes over the data keep
    # training time linear in the number of passages (an exact solver took ten times longer on
    # 10,000 passages without better scores), and the seed makes it reproducible.
    return SGDClassifier(
        loss="log_loss",
        alpha=1e-5,
        class_weight="balanced",
        average=True,
        max_iter=6,
        tol=None,
        random_state=seed,
    )


def _evaluate(
    code: str,
    features: sparse.csr_matrix,
    y: npt.NDArray[np.bool_],
    keyword_hits: npt.NDArray[np.bool_] | None,
    *,
    folds: int,
    threshold: float,
    min_examples: int,
    seed: int,
) -> CodeEvaluation:
    positives, negatives = int(y.sum()), int((~y).sum())
    dictionary = scores(y, keyword_hits) if keyword_hits is not None else None
    if positives < min_examples or negatives < min_examples:
        reason = reason_for(positives, negatives, None, False, threshold, min_examples)
        return CodeEvaluation(
            code, positives, negatives, 0, None, None, None, False, reason, dictionary
        )  # fmt: skip
    k = min(folds, positives, negatives)
    predicted = np.zeros(len(y), dtype=bool)
    from sklearn.model_selection import StratifiedKFold  # loaded only to train (see above)

    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(y)), y):
        model = _classifier(seed).fit(features[train], y[train])
        predicted[test] = model.decision_function(features[test]) > 0
    s = scores(y, predicted)
    ready = s.f1 is not None and s.f1 >= threshold
    reason = reason_for(positives, negatives, s.f1, ready, threshold, min_examples)
    return CodeEvaluation(
        code, positives, negatives, k, s.precision, s.recall, s.f1, ready, reason, dictionary
    )


@dataclass
class TrainedModels:
    """The vectoriser, one weight vector per trainable code, and every code's evaluation.

    ``held_out``, when trained (``train(halves=...)``), holds for each half of the labelled
    passages the codes' weights and intercepts fitted without that half: a passage of half h
    is scored by models that never saw its own labels (cross-fitting)."""

    vectoriser: Vectoriser
    codes: tuple[str, ...]
    weights: FloatArray  # codes × features
    intercepts: FloatArray
    evaluations: dict[str, CodeEvaluation]
    held_out: tuple[tuple[FloatArray, FloatArray], ...] = ()

    def probabilities(self, texts: Sequence[str], half: int | None = None) -> FloatArray:
        """texts × codes probability that each code applies (by the models without ``half``)."""
        if not texts or not self.codes:
            return np.zeros((len(texts), len(self.codes)))
        weights, intercepts = (
            (self.weights, self.intercepts) if half is None else self.held_out[half]
        )
        margin = self.vectoriser.transform(texts) @ weights.T + intercepts
        return np.asarray(1 / (1 + np.exp(-margin)), dtype=np.float64)

    def suggest(
        self,
        texts: Sequence[str],
        codes: Sequence[str],
        at: float = SUGGEST_AT,
        half: int | None = None,
    ) -> list[dict[str, float]]:
        """For each text, the given codes the models suggest, with their probability."""
        columns = [(c, self.codes.index(c)) for c in codes if c in self.codes]
        probs = self.probabilities(texts, half)
        return [{code: float(row[j]) for code, j in columns if row[j] >= at} for row in probs]

    def to_bytes(self) -> bytes:
        """The models as a compressed numpy archive (no pickled objects)."""
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            format=np.array([FORMAT]),
            buckets=self.vectoriser.buckets,
            idf=self.vectoriser.idf,
            codes=np.array(self.codes or ("",), dtype=str),
            n_codes=np.array([len(self.codes)]),
            weights=self.weights.astype(np.float32),
            intercepts=self.intercepts,
            **{
                f"held_out_{name}_{half}": array
                for half, (weights, intercepts) in enumerate(self.held_out)
                for name, array in (
                    ("weights", weights.astype(np.float32)),
                    ("intercepts", intercepts),
                )
            },
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(
        cls, data: bytes, evaluations: Mapping[str, CodeEvaluation] | None = None
    ) -> TrainedModels:
        """Load models written by ``to_bytes``."""
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            if int(archive["format"][0]) != FORMAT:
                raise ValueError("the stored suggestion model has an unknown format")
            n_codes = int(archive["n_codes"][0])
            codes = tuple(str(c) for c in archive["codes"][:n_codes])
            # Models trained before cross-fitting, or for a project that is not blind, have none.
            held_out = tuple(
                (
                    archive[f"held_out_weights_{half}"].astype(np.float64),
                    archive[f"held_out_intercepts_{half}"].astype(np.float64),
                )
                for half in range(HALVES)
                if f"held_out_weights_{half}" in archive.files
            )
            return cls(
                Vectoriser(archive["buckets"], archive["idf"]),
                codes,
                archive["weights"].astype(np.float64),
                archive["intercepts"].astype(np.float64),
                dict(evaluations or {}),
                held_out,
            )


def train(
    texts: Sequence[str],
    examples: Sequence[CodeExamples],
    *,
    keywords: Mapping[str, Sequence[str]] | None = None,
    folds: int = DEFAULT_FOLDS,
    threshold: float = DEFAULT_F1,
    min_examples: int = MIN_EXAMPLES,
    seed: int = 0,
    halves: Sequence[int] | None = None,
) -> TrainedModels:
    """Evaluate every code by cross-validation, then fit each code that can be trained on all
    of its labelled passages.

    With ``halves`` (0 or 1 for each text), each code is also fitted twice more, each time
    without one half's passages (``TrainedModels.held_out``)."""
    from scipy import sparse  # see _classifier: loaded with the first model

    if folds < 2:
        raise ValueError("cross-validation needs at least two folds")
    used = sorted({i for ex in examples for i in ex.passages})
    if not used:
        empty = Vectoriser(np.zeros(0, dtype=np.int64), np.zeros(0))
        unfit = {
            ex.code: _evaluate(
                ex.code, sparse.csr_matrix((0, 0)), np.zeros(0, dtype=bool), None,
                folds=folds, threshold=threshold, min_examples=min_examples, seed=seed,
            )
            for ex in examples
        }  # fmt: skip
        return TrainedModels(empty, (), np.zeros((0, 0)), np.zeros(0), unfit)
    row_of = {p: r for r, p in enumerate(used)}
    vectoriser, features = Vectoriser.fit([texts[i] for i in used])
    hits = hit_codes([texts[i] for i in used], keywords) if keywords else None
    evaluations: dict[str, CodeEvaluation] = {}
    codes: list[str] = []
    weights: list[FloatArray] = []
    intercepts: list[float] = []
    held: list[list[tuple[FloatArray, float]]] = [[] for _ in range(HALVES)] if halves else []
    for ex in examples:
        rows = np.array([row_of[p] for p in ex.passages], dtype=np.int64)
        y = np.asarray(ex.labels, dtype=bool)
        x = features[rows]
        kw = None
        if hits is not None and keywords and keywords.get(ex.code):
            kw = np.array([ex.code in hits[r] for r in rows], dtype=bool)
        evaluation = _evaluate(
            ex.code, x, y, kw, folds=folds, threshold=threshold,
            min_examples=min_examples, seed=seed,
        )  # fmt: skip
        evaluations[ex.code] = evaluation
        if evaluation.folds:
            model = _classifier(seed).fit(x, y)
            codes.append(ex.code)
            weights.append(np.asarray(model.coef_[0], dtype=np.float64))
            intercepts.append(float(model.intercept_[0]))
            if halves:
                half_of = np.array([halves[p] for p in ex.passages], dtype=np.int64)
                for half in range(HALVES):
                    held[half].append(_fit_without(x, y, half_of != half, seed))
    matrix = np.vstack(weights) if weights else np.zeros((0, features.shape[1]))
    held_out = tuple(
        (
            np.vstack([w for w, _ in fitted]) if fitted else np.zeros((0, features.shape[1])),
            np.array([b for _, b in fitted]),
        )
        for fitted in held
    )
    return TrainedModels(
        vectoriser, tuple(codes), matrix, np.array(intercepts), evaluations, held_out
    )


def _fit_without(
    x: Any, y: npt.NDArray[np.bool_], kept: npt.NDArray[np.bool_], seed: int
) -> tuple[FloatArray, float]:
    """A code's weights and intercept fitted on the ``kept`` rows only."""
    labels = y[kept]
    if labels.size == 0 or labels.all() or not labels.any():
        # One class only (or none) once a half is left out: nothing to learn, so a model that
        # suggests nothing rather than one that echoes the other half.
        return np.zeros(x.shape[1]), -10.0
    model = _classifier(seed).fit(x[kept], labels)
    return np.asarray(model.coef_[0], dtype=np.float64), float(model.intercept_[0])


def uncertainty(probabilities: FloatArray) -> FloatArray:
    """Per text, how close its least certain code is to a coin toss (1 = 0.5, 0 = certain)."""
    if probabilities.size == 0:
        return np.zeros(probabilities.shape[0])
    return np.asarray(1 - 2 * np.abs(probabilities - 0.5).min(axis=1), dtype=np.float64)


def as_json(evaluations: Mapping[str, CodeEvaluation]) -> dict[str, Any]:
    """Evaluations as JSON-ready dicts, by code."""
    return {code: e.to_json() for code, e in evaluations.items()}


def reason_for(
    positives: int,
    negatives: int,
    f1: float | None,
    ready: bool,
    threshold: float,
    min_examples: int,
) -> str:
    """Why a code is ready or not, in the current language (worded again on every display)."""
    if positives < min_examples:
        return _(
            "too few positive training passages (%(count)s; at least %(needed)s are needed)",
            count=positives,
            needed=min_examples,
        )
    if negatives < min_examples:
        return _(
            "too few negative training passages (%(count)s; at least %(needed)s are needed)",
            count=negatives,
            needed=min_examples,
        )
    values = {"f1": f"{0 if f1 is None else f1:.2f}", "threshold": f"{threshold:.2f}"}
    if ready:
        return _("cross-validated F1 %(f1)s reaches the threshold %(threshold)s", **values)
    return _("cross-validated F1 %(f1)s is below the threshold %(threshold)s", **values)
