"""Filler paragraphs, a known share of which mention a keyword phrase."""

from __future__ import annotations

import numpy as np

WORDS = (
    "council",
    "members",
    "states",
    "resolution",
    "terrorism",
    "cooperation",
    "threat",
    "security",
    "measures",
    "international",
    "community",
    "efforts",
    "support",
    "region",
    "peace",
    "agreement",
    "dialogue",
    "development",
    "framework",
    "implementation",
    "sanctions",
    "committee",
    "report",
)


def sentences(n: int, seed: int, keyword_share: float = 0.3) -> tuple[list[str], list[bool]]:
    """n paragraphs of filler words; a share of them mention the keyword phrase."""
    rng = np.random.default_rng(seed)
    texts, hits = [], []
    for i in range(n):
        words = [str(w) for w in rng.choice(WORDS, size=int(rng.integers(12, 25)))]
        hit = bool(rng.random() < keyword_share)
        if hit:
            words.insert(int(rng.integers(len(words))), "public-private partnership")
        texts.append(f"Paragraph {i}: " + " ".join(words) + ".")
        hits.append(hit)
    return texts, hits
