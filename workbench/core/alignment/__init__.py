"""Aligning two versions of one statement: units, language-independent anchors and the aligner.

Pure code: plain strings in, index pairs out. No model weights, nothing fetched.
"""

from workbench.core.alignment.aligner import Bead
from workbench.core.alignment.aligner import align
from workbench.core.alignment.aligner import relation_of
from workbench.core.alignment.anchors import anchors
from workbench.core.alignment.units import Unit
from workbench.core.alignment.units import alignment_units
from workbench.core.alignment.versions import VersionAlignment
from workbench.core.alignment.versions import align_versions

__all__ = [
    "Bead",
    "Unit",
    "VersionAlignment",
    "align",
    "align_versions",
    "alignment_units",
    "anchors",
    "relation_of",
]
