"""Frequencies and co-occurrence of a layer, counted while the passage matrix streams by.

The Passages sheet already walks every passage with the codes the layer applied to it; the
same walk counts, per dimension value, the passages carrying each code and the applications,
and, per pair of codes, the passages carrying both. The Frequencies and Cooccurrence sheets
then need no query of their own. When the Passages sheet was not written (a single CSV table),
``ensure`` makes the walk itself. The counts equal the analysis views' SQL aggregates
(``services.analysis``), which a test checks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from workbench.analysis.frequencies import Frequency
from workbench.analysis.frequencies import FrequencyTable
from workbench.analysis.layers import NONE_LABEL
from workbench.analysis.layers import CodableCode

DIMENSIONS = ("document", "delegation", "speaker", "language", "original_language", "month")
# Positions in the passage stream (see sheet_context.passage_stream).
_DOC, _TITLE, _DATE, _SPEAKER, _DELEGATION, _LANGUAGE, _ORIGINAL = 0, 3, 4, 8, 9, 10, 11

Grouped = Iterable[tuple[Any, set[int], dict[int, dict[int, int | None]]]]


@dataclass
class LayerSummary:
    """Counts collected from the passage walk: per dimension, per value, a row of per-code
    counts (lists indexed like ``codes``), which stays small for thousands of documents."""

    codes: list[CodableCode]
    document_labels: dict[int, tuple[str, str]]  # id -> (label, month), see analysis
    walk: Callable[[], Grouped]
    complete: bool = False
    totals: dict[str, Counter[str]] = field(default_factory=dict)
    passages: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    applications: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    pairs: Counter[tuple[int, int]] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.index = {c.id: i for i, c in enumerate(self.codes)}
        self.reset()

    def reset(self) -> None:
        """Forget partial counts (a walk starts)."""
        self.complete = False
        self.totals = {d: Counter() for d in ("all", *DIMENSIONS)}
        self.passages = {d: {} for d in ("all", *DIMENSIONS)}
        self.applications = {d: {} for d in ("all", *DIMENSIONS)}
        self.pairs = Counter()

    def values_of(self, p: Sequence[Any]) -> list[tuple[str, str]]:
        """(dimension, value) of one passage row."""
        date = p[_DATE] or ""
        return [
            ("all", "all"),
            ("document", self.document_labels.get(p[_DOC], (str(p[_TITLE]), ""))[0]),
            ("delegation", p[_DELEGATION] or NONE_LABEL),
            ("speaker", p[_SPEAKER] or NONE_LABEL),
            ("language", p[_LANGUAGE] or NONE_LABEL),
            ("original_language", p[_ORIGINAL] or NONE_LABEL),
            ("month", date[:7] or NONE_LABEL),
        ]

    def add(self, p: Sequence[Any], applied: dict[int, dict[int, int | None]]) -> None:
        """Count one passage and the codes its layer applied."""
        per_code: Counter[int] = Counter()
        for mine in applied.values():
            per_code.update(mine.keys())
        width, index = len(self.codes), self.index
        for dimension, value in self.values_of(p):
            self.totals[dimension][value] += 1
            if not per_code:
                continue
            passages = self.passages[dimension].get(value)
            if passages is None:
                passages = self.passages[dimension][value] = [0] * width
                self.applications[dimension][value] = [0] * width
            applications = self.applications[dimension][value]
            for code_id, n in per_code.items():
                i = index[code_id]
                passages[i] += 1
                applications[i] += n
        # A pair co-occurs only within one coder's (or the consensus') coding of the passage.
        pairs: set[tuple[int, int]] = set()
        for mine in applied.values():
            present = sorted(mine)
            for i, first in enumerate(present):
                pairs.update((first, second) for second in present[i:])
        self.pairs.update(pairs)

    def ensure(self) -> None:
        """Walk the passages now unless a complete walk already counted them."""
        if self.complete:
            return
        self.reset()
        for p, _coded, applied in self.walk():
            self.add(p, applied)
        self.complete = True

    def table(self, dimension: str | None) -> FrequencyTable:
        """The counts of one dimension (None: overall) as the analysis views shape them."""
        self.ensure()
        key = dimension or "all"
        cells = {}
        for value, counts in self.passages[key].items():
            applications = self.applications[key][value]
            for i, n in enumerate(counts):
                if n:
                    code_id = self.codes[i].id
                    cells[(value, code_id)] = Frequency(value, code_id, n, applications[i])
        totals = dict(self.totals[key])
        values = sorted(set(totals) | set(self.passages[key]), key=lambda v: (v == NONE_LABEL, v))
        return FrequencyTable(key, self.codes, values if dimension else ["all"], cells, totals)

    def rows(self, dimension: str | None) -> Iterator[tuple[str, CodableCode, int, int, int]]:
        """(value, code, passages, applications, passages with the value), without building
        a table: every code for the overall rows, codes that occur for the others."""
        self.ensure()
        key = dimension or "all"
        totals = self.totals[key]
        values = sorted(set(totals) | set(self.passages[key]), key=lambda v: (v == NONE_LABEL, v))
        zeros = [0] * len(self.codes)
        for value in values:
            passages = self.passages[key].get(value, zeros)
            applications = self.applications[key].get(value, zeros)
            for i, code in enumerate(self.codes):
                if passages[i] or dimension is None:
                    yield value, code, passages[i], applications[i], totals.get(value, 0)

    def matrix(self) -> dict[tuple[int, int], int]:
        """Passages carrying both codes, both ways round."""
        self.ensure()
        out: dict[tuple[int, int], int] = {}
        for (first, second), n in self.pairs.items():
            out[(first, second)] = out[(second, first)] = n
        return out
