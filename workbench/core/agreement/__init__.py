"""Inter-coder agreement: coefficients, bootstrap intervals and per-code reports. PURE: numpy only.

Conventions every function here follows (module docstrings give the formulas):
- Input is a units × coders reliability matrix (``RatingMatrix``) with missing cells, or coding
  records (``CodingRecord``) from which per-code presence and stance matrices are built.
- A unit coded by fewer than two coders is not pairable; it contributes nothing to agreement
  (Gwet's category shares π_k aside, see ``multirater``).
- A statistic that is 0/0 — no pairable unit, a single coder, all values identical so that
  expected disagreement is 0 — is undefined and returned as None, never 0, 1 or NaN. JSON output
  keeps it as null.
- Point estimates are computed from integer counts in exact fractions and rounded once to float
  (Krippendorff's α above 64 categories excepted, see ``alpha``).
- Bootstrap intervals resample units with replacement from a seeded numpy Generator, so a
  report reproduces exactly.
"""

from __future__ import annotations

from workbench.core.agreement.alpha import krippendorff_alpha
from workbench.core.agreement.bootstrap import DEFAULT_REPLICATES
from workbench.core.agreement.bootstrap import DEFAULT_SEED
from workbench.core.agreement.bootstrap import BootstrapInterval
from workbench.core.agreement.bootstrap import Resampling
from workbench.core.agreement.bootstrap import alpha_bootstrap
from workbench.core.agreement.coefficients import CoefficientSet
from workbench.core.agreement.coefficients import coefficient_set
from workbench.core.agreement.errors import AgreementInputError
from workbench.core.agreement.files import long_report
from workbench.core.agreement.files import matrix_report
from workbench.core.agreement.files import read_long
from workbench.core.agreement.files import read_matrix
from workbench.core.agreement.kappa import cohen_kappa
from workbench.core.agreement.kappa import cohen_kappa_pairwise
from workbench.core.agreement.kappa import mean_kappa
from workbench.core.agreement.kappa import scott_pi
from workbench.core.agreement.kappa import weighted_kappa
from workbench.core.agreement.levels import LEVELS
from workbench.core.agreement.levels import Level
from workbench.core.agreement.matrix import RatingMatrix
from workbench.core.agreement.matrix import rating_matrix
from workbench.core.agreement.methods import PARAGRAPH_LANGUAGES
from workbench.core.agreement.methods import methods_paragraph
from workbench.core.agreement.methods import methods_table
from workbench.core.agreement.methods import paragraph_language
from workbench.core.agreement.multirater import fleiss_kappa
from workbench.core.agreement.multirater import gwet_ac1
from workbench.core.agreement.multirater import gwet_ac2
from workbench.core.agreement.multirater import percent_agreement
from workbench.core.agreement.records import CodingRecord
from workbench.core.agreement.report_types import AgreementReport
from workbench.core.agreement.report_types import CodeAccuracy
from workbench.core.agreement.report_types import CodeReport
from workbench.core.agreement.report_types import CoderPairAgreement
from workbench.core.agreement.report_types import ReferenceAgreement
from workbench.core.agreement.report_types import StanceAgreement
from workbench.core.agreement.report_types import reliability_flag
from workbench.core.agreement.reports import DEFAULT_STANCE_SCALE
from workbench.core.agreement.reports import build_report

__all__ = [
    "DEFAULT_REPLICATES",
    "DEFAULT_SEED",
    "DEFAULT_STANCE_SCALE",
    "LEVELS",
    "PARAGRAPH_LANGUAGES",
    "AgreementInputError",
    "AgreementReport",
    "BootstrapInterval",
    "CodeAccuracy",
    "CodeReport",
    "CoderPairAgreement",
    "CodingRecord",
    "CoefficientSet",
    "Level",
    "RatingMatrix",
    "ReferenceAgreement",
    "Resampling",
    "StanceAgreement",
    "alpha_bootstrap",
    "build_report",
    "coefficient_set",
    "cohen_kappa",
    "cohen_kappa_pairwise",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac2",
    "krippendorff_alpha",
    "long_report",
    "matrix_report",
    "mean_kappa",
    "methods_paragraph",
    "methods_table",
    "paragraph_language",
    "percent_agreement",
    "rating_matrix",
    "read_long",
    "read_matrix",
    "reliability_flag",
    "scott_pi",
    "weighted_kappa",
]
