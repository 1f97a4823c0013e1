"""Suggestions over plain data: keyword hits, cross-validated scores, readiness, serialisation."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import precision_recall_fscore_support

from tests.unit.synthetic_text import sentences
from workbench.core.suggest.dictionary import hit_codes
from workbench.core.suggest.dictionary import keyword_hits
from workbench.core.suggest.model import CodeExamples
from workbench.core.suggest.model import TrainedModels
from workbench.core.suggest.model import scores
from workbench.core.suggest.model import train
from workbench.core.suggest.model import uncertainty


def test_keyword_hits_in_english_and_chinese_with_code_point_offsets() -> None:
    text = "𠀀 Sanctions, 反恐合作 and public-private partnerships; unsanctioned"
    hits = keyword_hits(
        text, {"s": ["sanction"], "c": ["反恐"], "p": ["partnership", "public-private partnership"]}
    )
    assert [(h.code, text[h.start : h.end]) for h in hits] == [
        ("s", "Sanction"),
        ("c", "反恐"),
        ("p", "public-private partnership"),
    ]
    assert hit_codes(["nothing here", "反恐"], {"c": ["反恐"], "e": []}) == [set(), {"c"}]


def test_keyword_hits_follow_the_text_and_the_keywords_not_an_earlier_answer() -> None:
    """Hits are remembered per text and keyword set: a changed codebook or text is read anew."""
    text = "Sovereignty and counter-terrorism cooperation"
    first = keyword_hits(text, {"1": ["sovereignty"]})
    assert [(h.code, h.keyword) for h in first] == [("1", "Sovereignty")]
    first.clear()  # the caller's list is its own
    assert [h.keyword for h in keyword_hits(text, {"1": ["sovereignty"]})] == ["Sovereignty"]
    assert [(h.code, h.keyword) for h in keyword_hits(text, {"1": ["cooperation"]})] == [
        ("1", "cooperation")
    ]
    assert [(h.code, h.keyword) for h in keyword_hits(text, {"2": ["sovereignty"]})] == [
        ("2", "Sovereignty")
    ]
    assert keyword_hits(text.replace("Sovereignty", "Autonomy"), {"1": ["sovereignty"]}) == []


def test_scores_match_an_independent_implementation() -> None:
    rng = np.random.default_rng(3)
    truth, predicted = rng.random(200) < 0.3, rng.random(200) < 0.4
    p, r, f, _ = precision_recall_fscore_support(truth, predicted, average="binary")
    got = scores(truth, predicted)
    assert (got.precision, got.recall, got.f1) == pytest.approx((p, r, f))
    assert scores(np.zeros(3, bool), np.zeros(3, bool)).f1 is None


@pytest.fixture(scope="module")
def trained() -> tuple[TrainedModels, list[str], list[bool]]:
    texts, hits = sentences(400, seed=1)
    rng = np.random.default_rng(0)
    randomly = list(rng.random(400) < 0.3)
    examples = [
        CodeExamples("partnership", list(range(400)), hits),
        CodeExamples("random", list(range(400)), randomly),
        CodeExamples("rare", list(range(400)), [i < 4 for i in range(400)]),
    ]
    keywords = {"partnership": ["public-private partnership"], "random": ["committee"]}
    return train(texts, examples, keywords=keywords), texts, hits


def test_a_code_a_keyword_predicts_is_ready_and_a_random_code_is_not(trained) -> None:
    models, _, _ = trained
    good, bad, rare = (models.evaluations[c] for c in ("partnership", "random", "rare"))
    assert good.f1 is not None and good.f1 >= 0.9 and good.ready
    assert good.positives + good.negatives == 400 and good.folds == 5
    assert bad.f1 is not None and bad.f1 < 0.6 and not bad.ready
    assert "below the threshold" in bad.reason
    assert not rare.ready and rare.f1 is None and "too few positive" in rare.reason
    assert good.dictionary is not None and good.dictionary.f1 == 1.0
    assert models.codes == ("partnership", "random")  # the rare code has no model


def test_suggestions_survive_serialisation_and_follow_the_keyword(trained) -> None:
    models, texts, _ = trained
    loaded = TrainedModels.from_bytes(models.to_bytes())
    probs = models.probabilities(texts[:50])
    assert np.allclose(loaded.probabilities(texts[:50]), probs, atol=1e-5)
    fresh = ["The council welcomes public-private partnership in this area.", "Nothing of that."]
    suggested = loaded.suggest(fresh, ["partnership"])
    assert "partnership" in suggested[0] and suggested[1] == {}
    assert loaded.suggest(fresh, ["unknown"]) == [{}, {}]
    u = uncertainty(probs)
    assert u.shape == (50,) and ((u >= 0) & (u <= 1)).all()


def test_no_labelled_passage_gives_no_model_and_says_why() -> None:
    models = train(["a"], [CodeExamples("x", [], [])])
    assert models.codes == () and not models.evaluations["x"].ready
    with pytest.raises(ValueError):
        train(["a"], [], folds=1)


def test_the_models_of_a_half_never_see_that_halfs_labels() -> None:
    # Cross-fitting: a passage is scored by models fitted without its half, so flipping that
    # half's labels changes the main models but not those.
    texts, hits = sentences(200, seed=3)
    halves = [i % 2 for i in range(200)]
    flipped = [not hit if half == 0 else hit for hit, half in zip(hits, halves, strict=True)]

    def fitted(labels: list[bool]) -> TrainedModels:
        examples = [CodeExamples("partnership", list(range(200)), labels)]
        return train(texts, examples, halves=halves, seed=5)

    first, second = fitted(hits), fitted(flipped)
    assert len(first.held_out) == 2
    assert np.array_equal(first.held_out[0][0], second.held_out[0][0])
    assert np.array_equal(first.held_out[0][1], second.held_out[0][1])
    assert not np.array_equal(first.held_out[1][0], second.held_out[1][0])
    assert not np.array_equal(first.weights, second.weights)
    # Stored and read back, each half's models score as before; without halves there are none.
    loaded = TrainedModels.from_bytes(first.to_bytes())
    for half in (0, 1):
        assert np.allclose(
            loaded.probabilities(texts[:20], half), first.probabilities(texts[:20], half), atol=1e-5
        )
    examples = [CodeExamples("partnership", list(range(200)), hits)]
    assert train(texts, examples).held_out == ()
    assert TrainedModels.from_bytes(train(texts, examples).to_bytes()).held_out == ()
