"""Coding records (who applied which code to which passage) and their per-code matrices.

Semantics:
- The (passage, coder) pairs present in the records are the passages each coder marked coded.
  A record with ``code=None`` (or "") only says "coded, nothing applies"; it can sit next to records
  with codes for the same pair without contradiction.
- Presence of a code is binary over the passages a coder has coded: 1 if the coder applied
  the code, 0 if the coder coded the passage without it, missing if the coder never coded the
  passage (not coding is not the same as judging a code absent).
- Stance is the ordinal value a coder set on an applied code; ``None`` is a missing stance.
- Coders are sorted by name; passages keep the order of their first record; codes follow the
  list given, else are sorted.
- The same (passage, coder, code) twice is harmless when the stances agree and an error
  (AgreementInputError) when they differ.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from workbench.core.agreement.errors import AgreementInputError
from workbench.core.agreement.matrix import FloatArray
from workbench.core.agreement.matrix import IntArray
from workbench.core.agreement.matrix import RatingMatrix
from workbench.core.i18n import _

PassageId = str | int
PRESENCE_CATEGORIES = (0, 1)


@dataclass(frozen=True, slots=True)
class CodingRecord:
    """One coder's judgement on one passage: a code applied (with stance) or None for none."""

    passage_id: PassageId
    coder: str
    code: str | None
    stance: int | float | None = None


@dataclass(frozen=True, eq=False)
class CodingTable:
    """Coding records in columnar form, with applications sorted by code."""

    passages: tuple[PassageId, ...]
    coders: tuple[str, ...]
    codes: tuple[str, ...]
    coded: npt.NDArray[np.bool_]  # passages × coders
    applied_passage: IntArray
    applied_coder: IntArray
    applied_stance: FloatArray  # NaN = no stance
    code_bounds: IntArray  # applications of code k are rows code_bounds[k]:code_bounds[k+1]

    def applications(self, k: int) -> slice:
        """Rows of the applied_* arrays that belong to code k."""
        return slice(int(self.code_bounds[k]), int(self.code_bounds[k + 1]))


def _positions(values: Sequence[Any], position: Mapping[Any, int]) -> IntArray:
    # map() over a bound dict method keeps the per-record cost in C; records come in millions.
    return np.fromiter(map(position.__getitem__, values), dtype=np.int64, count=len(values))


def _stances(recs: list[CodingRecord]) -> FloatArray:
    try:
        return np.array(list(map(attrgetter("stance"), recs)), dtype=np.float64)  # None -> NaN
    except (TypeError, ValueError):
        for r in recs:
            try:
                float(r.stance if r.stance is not None else 0)
            except (TypeError, ValueError):
                raise AgreementInputError(
                    _(
                        "passage %(passage)s, coder %(coder)s: stance %(stance)s is not a number",
                        passage=repr(r.passage_id),
                        coder=repr(r.coder),
                        stance=repr(r.stance),
                    )
                ) from None
        raise


def coding_table(
    records: Iterable[CodingRecord], *, codes: Sequence[str] | None = None
) -> CodingTable:
    """Index the records; only ``codes`` (default: every code seen, sorted) are kept as codes."""
    recs = list(records)
    pids = list(map(attrgetter("passage_id"), recs))
    names = list(map(attrgetter("coder"), recs))
    labels = list(map(attrgetter("code"), recs))
    if any(not isinstance(n, str) or n == "" for n in set(names)):
        raise AgreementInputError(_("every record needs a coder name"))
    passage_pos: dict[PassageId, int] = {p: i for i, p in enumerate(dict.fromkeys(pids))}
    p_idx = _positions(pids, passage_pos)
    coders = tuple(sorted(set(names)))
    c_idx = _positions(names, {c: i for i, c in enumerate(coders)})
    seen = set(labels)
    code_list = tuple(codes) if codes is not None else tuple(sorted(c for c in seen if c))
    if len(set(code_list)) != len(code_list):
        raise AgreementInputError(_("codes must be unique"))
    code_pos: dict[object, int] = dict.fromkeys(seen, -1)  # codes outside the list: ignored
    code_pos.update({c: i for i, c in enumerate(code_list)})
    code_pos[None] = code_pos[""] = -2  # an empty code reads as "nothing applies"
    k_idx = _positions(labels, code_pos)
    stance = _stances(recs)
    loose = (k_idx == -2) & ~np.isnan(stance)
    if loose.any():
        r = recs[int(np.argmax(loose))]
        raise AgreementInputError(
            _(
                "passage %(passage)s, coder %(coder)s: stance given without a code",
                passage=repr(r.passage_id),
                coder=repr(r.coder),
            )
        )
    coded = np.zeros((len(passage_pos), len(coders)), dtype=bool)
    coded[p_idx, c_idx] = True
    keep = k_idx >= 0
    p_a, c_a, k_a, s_a = p_idx[keep], c_idx[keep], k_idx[keep], stance[keep]
    key = (k_a * len(passage_pos) + p_a) * max(len(coders), 1) + c_a
    order = np.argsort(key, kind="stable")
    key, p_a, c_a, k_a, s_a = key[order], p_a[order], c_a[order], k_a[order], s_a[order]
    repeat = np.nonzero(key[1:] == key[:-1])[0]
    same = (s_a[repeat] == s_a[repeat + 1]) | (np.isnan(s_a[repeat]) & np.isnan(s_a[repeat + 1]))
    if not same.all():
        bad = int(repeat[~same][0])
        raise AgreementInputError(
            _(
                "passage %(passage)s, coder %(coder)s, code %(code)s: conflicting stances",
                passage=repr(list(passage_pos)[p_a[bad]]),
                coder=repr(coders[c_a[bad]]),
                code=repr(code_list[k_a[bad]]),
            )
        )
    first = np.ones(key.shape[0], dtype=bool)
    first[repeat + 1] = False
    k_a = k_a[first]
    bounds = np.searchsorted(k_a, np.arange(len(code_list) + 1))
    return CodingTable(
        passages=tuple(passage_pos),
        coders=coders,
        codes=code_list,
        coded=coded,
        applied_passage=p_a[first],
        applied_coder=c_a[first],
        applied_stance=s_a[first],
        code_bounds=bounds.astype(np.int64),
    )


def presence_matrix(table: CodingTable, k: int) -> RatingMatrix:
    """Passages × coders presence (0/1) of code k, missing where the coder did not code."""
    index = np.where(table.coded, 0, -1).astype(np.int64)
    rows = table.applications(k)
    index[table.applied_passage[rows], table.applied_coder[rows]] = 1
    return RatingMatrix(index, PRESENCE_CATEGORIES, table.coders, True)


def stance_matrix(table: CodingTable, k: int, scale: Sequence[float]) -> RatingMatrix:
    """Passages × coders stance on code k over the ordered scale; missing where not applied."""
    index = np.full(table.coded.shape, -1, dtype=np.int64)
    rows = table.applications(k)
    stance = table.applied_stance[rows]
    has = ~np.isnan(stance)
    levels = np.asarray(scale, dtype=np.float64)
    if levels.size and (np.diff(levels) <= 0).any():
        raise ValueError("the stance scale must be strictly increasing")
    values = stance[has]
    pos = np.searchsorted(levels, values)
    on_scale = np.zeros(values.shape, dtype=bool)
    inside = pos < levels.size
    on_scale[inside] = levels[pos[inside]] == values[inside]
    if not on_scale.all():
        bad = int(np.nonzero(has)[0][np.argmin(on_scale)])
        p, c = table.applied_passage[rows][bad], table.applied_coder[rows][bad]
        shown = (f"{stance[bad]:g}", ", ".join(f"{v:g}" for v in levels))
        raise AgreementInputError(
            _(
                "passage %(passage)s, coder %(coder)s, code %(code)s: "
                "stance %(stance)s is not on the scale %(scale)s",
                passage=repr(table.passages[p]),
                coder=repr(table.coders[c]),
                code=repr(table.codes[k]),
                stance=shown[0],
                scale=shown[1],
            )
        )
    index[table.applied_passage[rows][has], table.applied_coder[rows][has]] = pos
    return RatingMatrix(index, tuple(scale), table.coders, True)
