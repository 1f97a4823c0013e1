"""Per-code agreement report over coding records (see ``records`` for what a record means).

For each code:
- presence: the full CoefficientSet (nominal α with bootstrap CI) on the passages × coders
  presence matrix; passages a coder did not code are missing, never "absent";
- prevalence: applications of the code / coded (passage, coder) pairs;
- stance: over passages where at least two coders applied the code with a stance — percent
  agreement, ordinal α (with CI) and interval α, quadratic weighted κ (exactly two coders in the
  report, else None) and quadratic AC2, on the ordered ``stance_scale``;
- flag: from the presence α (see ``report_types``).
Across codes: Cohen's κ per coder pair per code and pooled (the pair's presence tables summed over
codes); each coder against an optional reference layer (consensus or gold; its coder names are
ignored and its records form one layer); breakdowns of presence coefficients by metadata values.

Every bootstrap draws from its own stream derived from ``seed`` and labels (statistic, code,
breakdown), so a code's interval does not change when other codes are added or removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from workbench.core.agreement.alpha import krippendorff_alpha
from workbench.core.agreement.bootstrap import DEFAULT_REPLICATES
from workbench.core.agreement.bootstrap import DEFAULT_SEED
from workbench.core.agreement.bootstrap import Resampling
from workbench.core.agreement.bootstrap import alpha_bootstrap
from workbench.core.agreement.bootstrap import derived_rng
from workbench.core.agreement.coefficients import CoefficientSet
from workbench.core.agreement.coefficients import coefficient_set
from workbench.core.agreement.kappa import coder_pairs
from workbench.core.agreement.kappa import kappa_from_table
from workbench.core.agreement.kappa import pair_key
from workbench.core.agreement.kappa import pair_table
from workbench.core.agreement.kappa import weighted_kappa
from workbench.core.agreement.matrix import IntArray
from workbench.core.agreement.matrix import RatingMatrix
from workbench.core.agreement.multirater import gwet_ac2
from workbench.core.agreement.multirater import percent_agreement
from workbench.core.agreement.records import CodingRecord
from workbench.core.agreement.records import CodingTable
from workbench.core.agreement.records import coding_table
from workbench.core.agreement.records import presence_matrix
from workbench.core.agreement.records import stance_matrix
from workbench.core.agreement.report_types import AgreementReport
from workbench.core.agreement.report_types import CodeAccuracy
from workbench.core.agreement.report_types import CodeReport
from workbench.core.agreement.report_types import CoderPairAgreement
from workbench.core.agreement.report_types import ReferenceAgreement
from workbench.core.agreement.report_types import StanceAgreement
from workbench.core.agreement.report_types import reliability_flag

DEFAULT_STANCE_SCALE: tuple[float, ...] = (-2, -1, 0, 1, 2)
MISSING_META = "(missing)"
UnitMeta = Mapping[Any, Mapping[str, str | None]]  # passage id -> key -> value


def _share(part: int, whole: int) -> float | None:
    return float(Fraction(part, whole)) if whole else None


def stance_agreement(
    matrix: RatingMatrix, *, bootstrap: int, rng: np.random.Generator
) -> StanceAgreement:
    """Stance statistics over the units of the matrix that have at least two stances."""
    rated = matrix.rated
    stances = matrix.select_units(rated >= 2)
    alpha_ord = krippendorff_alpha(stances, "ordinal")
    ci = None
    if alpha_ord is not None and bootstrap > 0:
        interval = alpha_bootstrap(stances, "ordinal", Resampling(bootstrap, rng))
        ci = (interval.low, interval.high) if interval is not None else None
    return StanceAgreement(
        units=stances.n_units,
        coders=stances.active_coders(),
        values_count=int(rated[rated >= 2].sum()),
        percent_agreement=percent_agreement(stances),
        alpha_ordinal=alpha_ord,
        alpha_ordinal_ci95=ci,
        alpha_interval=krippendorff_alpha(stances, "interval"),
        weighted_kappa_quadratic=weighted_kappa(stances, "quadratic"),
        gwet_ac2_quadratic=gwet_ac2(stances, "quadratic"),
    )


def _pair_agreements(
    table: CodingTable, tables: dict[tuple[int, int], dict[str, IntArray]]
) -> dict[str, CoderPairAgreement]:
    out: dict[str, CoderPairAgreement] = {}
    for (i, j), by_code in tables.items():
        pooled = sum(by_code.values(), np.zeros((2, 2), dtype=np.int64))
        a, b = table.coders[i], table.coders[j]
        out[pair_key(a, b)] = CoderPairAgreement(
            coders=(a, b),
            shared_passages=int((table.coded[:, i] & table.coded[:, j]).sum()),
            kappa_by_code={code: kappa_from_table(t) for code, t in by_code.items()},
            pooled_kappa=kappa_from_table(pooled) if by_code else None,
            pooled_agreement=_share(int(np.trace(pooled)), int(pooled.sum())),
        )
    return out


def _reference_agreements(
    table: CodingTable, reference: Sequence[CodingRecord]
) -> dict[str, ReferenceAgreement]:
    ref = coding_table(reference, codes=table.codes)
    where = {pid: i for i, pid in enumerate(table.passages)}
    ref_rows = np.array([where.get(pid, -1) for pid in ref.passages], dtype=np.int64)
    known = ref_rows >= 0
    ref_coded = np.zeros(len(table.passages), dtype=bool)
    ref_coded[ref_rows[known]] = ref.coded[known].any(axis=1)
    out: dict[str, ReferenceAgreement] = {}
    for c, coder in enumerate(table.coders):
        both = table.coded[:, c] & ref_coded
        by_code: dict[str, CodeAccuracy] = {}
        pooled = np.zeros((2, 2), dtype=np.int64)
        for k, code in enumerate(table.codes):
            mine = np.zeros(len(table.passages), dtype=np.int64)
            rows = table.applications(k)
            mine[table.applied_passage[rows][table.applied_coder[rows] == c]] = 1
            theirs = np.zeros(len(table.passages), dtype=np.int64)
            ref_hits = ref_rows[ref.applied_passage[ref.applications(k)]]
            theirs[ref_hits[ref_hits >= 0]] = 1
            t = np.bincount(mine[both] * 2 + theirs[both], minlength=4).reshape(2, 2)
            pooled += t
            by_code[code] = CodeAccuracy(
                int(both.sum()), _share(int(np.trace(t)), int(t.sum())), kappa_from_table(t)
            )
        out[coder] = ReferenceAgreement(
            coder=coder,
            units=int(both.sum()),
            accuracy=_share(int(np.trace(pooled)), int(pooled.sum())),
            kappa=kappa_from_table(pooled) if table.codes else None,
            by_code=by_code,
        )
    return out


def _meta_groups(
    table: CodingTable, unit_meta: UnitMeta, keys: Sequence[str] | None
) -> dict[str, dict[str, npt.NDArray[np.bool_]]]:
    """For each metadata key, value label -> mask over passages."""
    names = keys if keys is not None else sorted({k for m in unit_meta.values() for k in m})
    groups: dict[str, dict[str, npt.NDArray[np.bool_]]] = {}
    for key in names:
        labels = []
        for pid in table.passages:
            value = unit_meta.get(pid, {}).get(key)
            labels.append(MISSING_META if value is None else str(value))
        arr = np.array(labels, dtype=object)
        groups[key] = {value: arr == value for value in sorted(set(labels))}
    return groups


def build_report(
    records: Iterable[CodingRecord],
    *,
    codes: Sequence[str] | None = None,
    unit_meta: UnitMeta | None = None,
    bootstrap: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
    reference: Sequence[CodingRecord] | None = None,
    stance_scale: Sequence[float] = DEFAULT_STANCE_SCALE,
    breakdown_by: Sequence[str] | None = None,
) -> AgreementReport:
    """Agreement per code over coding records, with pair, reference and metadata breakdowns."""
    table = coding_table(records, codes=codes)
    scale = tuple(float(v) for v in stance_scale)
    coded_pairs = int(table.coded.sum())
    groups = _meta_groups(table, unit_meta, breakdown_by) if unit_meta is not None else {}
    breakdowns: dict[str, dict[str, dict[str, CoefficientSet]]] = {
        key: {value: {} for value in masks} for key, masks in groups.items()
    }
    pairs = coder_pairs(len(table.coders))
    tables: dict[tuple[int, int], dict[str, IntArray]] = {pair: {} for pair in pairs}
    per_code: dict[str, CodeReport] = {}
    for k, code in enumerate(table.codes):
        presence = presence_matrix(table, k)
        coefficients = coefficient_set(
            presence, bootstrap=Resampling(bootstrap, derived_rng(seed, "presence", code))
        )
        stance = stance_agreement(
            stance_matrix(table, k, scale),
            bootstrap=bootstrap,
            rng=derived_rng(seed, "stance", code),
        )
        applications = table.applications(k)
        count = applications.stop - applications.start
        per_code[code] = CodeReport(
            code=code,
            applications=count,
            prevalence=_share(count, coded_pairs),
            flag=reliability_flag(coefficients.alpha),
            presence=coefficients,
            stance=stance,
        )
        for i, j in pairs:
            tables[(i, j)][code] = pair_table(presence, i, j)
        for key, masks in groups.items():
            for value, mask in masks.items():
                breakdowns[key][value][code] = coefficient_set(
                    presence.select_units(mask),
                    bootstrap=Resampling(
                        bootstrap, derived_rng(seed, "breakdown", key, value, code)
                    ),
                )
    rated = table.coded.sum(axis=1)
    return AgreementReport(
        codes=table.codes,
        coders=table.coders,
        passages=int((rated >= 1).sum()),
        pairable_passages=int((rated >= 2).sum()),
        coded_pairs=coded_pairs,
        stance_scale=scale,
        bootstrap=bootstrap,
        seed=seed,
        per_code=per_code,
        coder_pairs=_pair_agreements(table, tables),
        reference=_reference_agreements(table, reference) if reference is not None else None,
        breakdowns=breakdowns,
    )
