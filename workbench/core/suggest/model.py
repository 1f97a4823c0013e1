"""Learned coding suggestions: one linear classifier per code over character n-grams. PURE.

Features: character n-grams (1–3 characters) with sublinear tf-idf weights and unit length.
Character n-grams need no word segmenter, so Chinese and English passages go through the same
features. The vocabulary and idf are fitted once on every labelled passage's text (no labels
are used for them).

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
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import StratifiedKFold

from workbench.core.agreement.json_record import JsonRecord
from workbench.core.suggest.dictionary import hit_codes

NGRAMS = (1, 3)
MAX_FEATURES = 1 << 16
DEFAULT_FOLDS = 5
DEFAULT_F1 = 0.8
MIN_EXAMPLES = 10
SUGGEST_AT = 0.5
FORMAT = 1

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


class Vectoriser:
    """Character n-gram counts weighted by sublinear tf-idf and scaled to unit length."""

    def __init__(self, vocabulary: Sequence[str], idf: FloatArray) -> None:
        self.vocabulary = tuple(vocabulary)
        self.idf = np.asarray(idf, dtype=np.float64)
        self._counter = CountVectorizer(
            analyzer="char",
            ngram_range=NGRAMS,
            lowercase=True,
            vocabulary={term: i for i, term in enumerate(self.vocabulary)},
            dtype=np.float64,
        )

    @classmethod
    def fit(cls, texts: Sequence[str]) -> tuple[Vectoriser, sparse.csr_matrix]:
        """Fit the vocabulary and idf on the texts; return it with the texts' features."""
        counter = CountVectorizer(
            analyzer="char",
            ngram_range=NGRAMS,
            lowercase=True,
            min_df=2 if len(texts) >= 50 else 1,
            max_features=MAX_FEATURES,
            dtype=np.float64,
        )
        counts = counter.fit_transform(texts).tocsr()
        vocabulary = [""] * len(counter.vocabulary_)
        for term, i in counter.vocabulary_.items():
            vocabulary[i] = term
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        idf = np.log((1 + counts.shape[0]) / (1 + df)) + 1
        made = cls(vocabulary, idf)
        return made, made._weigh(counts)

    def _weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        out = counts.tocsr(copy=True)
        out.data = (1 + np.log(out.data)) * self.idf[out.indices]
        norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        return sparse.csr_matrix(sparse.diags(1 / norms) @ out)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The texts' features."""
        return self._weigh(self._counter.transform(texts).tocsr())


def _classifier(seed: int) -> SGDClassifier:
    # Logistic loss by stochastic gradient descent: a fixed number of passes over the data keeps
    # training time linear in the number of passages (an exact solver took ten times longer on
    # 10,000 passages without better scores), and the seed makes it reproducible.
    return SGDClassifier(
        loss="log_loss",
        alpha=1e-5,
        class_weight="balanced",
        max_iter=15,
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
        few = "positive" if positives < min_examples else "negative"
        count = positives if few == "positive" else negatives
        return CodeEvaluation(
            code, positives, negatives, 0, None, None, None, False,
            f"too few {few} training passages ({count}; at least {min_examples} are needed)",
            dictionary,
        )  # fmt: skip
    k = min(folds, positives, negatives)
    predicted = np.zeros(len(y), dtype=bool)
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(y)), y):
        model = _classifier(seed).fit(features[train], y[train])
        predicted[test] = model.decision_function(features[test]) > 0
    s = scores(y, predicted)
    ready = s.f1 is not None and s.f1 >= threshold
    reason = (
        f"cross-validated F1 {s.f1:.2f} reaches the threshold {threshold:.2f}"
        if ready
        else f"cross-validated F1 {0 if s.f1 is None else s.f1:.2f} is below the threshold "
        f"{threshold:.2f}"
    )
    return CodeEvaluation(
        code, positives, negatives, k, s.precision, s.recall, s.f1, ready, reason, dictionary
    )


@dataclass
class TrainedModels:
    """The vectoriser, one weight vector per trainable code, and every code's evaluation."""

    vectoriser: Vectoriser
    codes: tuple[str, ...]
    weights: FloatArray  # codes × features
    intercepts: FloatArray
    evaluations: dict[str, CodeEvaluation]

    def probabilities(self, texts: Sequence[str]) -> FloatArray:
        """texts × codes probability that each code applies."""
        if not texts or not self.codes:
            return np.zeros((len(texts), len(self.codes)))
        margin = self.vectoriser.transform(texts) @ self.weights.T + self.intercepts
        return np.asarray(1 / (1 + np.exp(-margin)), dtype=np.float64)

    def suggest(
        self, texts: Sequence[str], codes: Sequence[str], at: float = SUGGEST_AT
    ) -> list[dict[str, float]]:
        """For each text, the given codes the models suggest, with their probability."""
        columns = [(c, self.codes.index(c)) for c in codes if c in self.codes]
        probs = self.probabilities(texts)
        return [{code: float(row[j]) for code, j in columns if row[j] >= at} for row in probs]

    def to_bytes(self) -> bytes:
        """The models as a compressed numpy archive (no pickled objects)."""
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            format=np.array([FORMAT]),
            vocabulary=np.array(self.vectoriser.vocabulary or [""], dtype=str),
            n_features=np.array([len(self.vectoriser.vocabulary)]),
            idf=self.vectoriser.idf,
            codes=np.array(self.codes or ("",), dtype=str),
            n_codes=np.array([len(self.codes)]),
            weights=self.weights.astype(np.float32),
            intercepts=self.intercepts,
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
            n_features = int(archive["n_features"][0])
            n_codes = int(archive["n_codes"][0])
            vocabulary = [str(v) for v in archive["vocabulary"][:n_features]]
            codes = tuple(str(c) for c in archive["codes"][:n_codes])
            return cls(
                Vectoriser(vocabulary, archive["idf"]),
                codes,
                archive["weights"].astype(np.float64),
                archive["intercepts"].astype(np.float64),
                dict(evaluations or {}),
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
) -> TrainedModels:
    """Evaluate every code by cross-validation, then fit each code that can be trained on all
    of its labelled passages."""
    if folds < 2:
        raise ValueError("cross-validation needs at least two folds")
    used = sorted({i for ex in examples for i in ex.passages})
    if not used:
        empty = Vectoriser([], np.zeros(0))
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
    matrix = np.vstack(weights) if weights else np.zeros((0, features.shape[1]))
    return TrainedModels(vectoriser, tuple(codes), matrix, np.array(intercepts), evaluations)


def uncertainty(probabilities: FloatArray) -> FloatArray:
    """Per text, how close its least certain code is to a coin toss (1 = 0.5, 0 = certain)."""
    if probabilities.size == 0:
        return np.zeros(probabilities.shape[0])
    return np.asarray(1 - 2 * np.abs(probabilities - 0.5).min(axis=1), dtype=np.float64)


def as_json(evaluations: Mapping[str, CodeEvaluation]) -> dict[str, Any]:
    """Evaluations as JSON-ready dicts, by code."""
    return {code: e.to_json() for code, e in evaluations.items()}
