"""Aligning two versions passage by passage: units chosen, aligned, named by passage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workbench.core.alignment.aligner import Bead
from workbench.core.alignment.aligner import align
from workbench.core.alignment.units import Unit
from workbench.core.alignment.units import alignment_units
from workbench.core.alignment.units import needs_splitting


@dataclass(frozen=True, slots=True)
class VersionAlignment:
    """The units each version was cut into and the beads between them."""

    source: list[Unit]
    target: list[Unit]
    beads: list[Bead]

    def texts(self, bead: Bead) -> tuple[list[str], list[str]]:
        """The unit texts on each side of a bead."""
        return [self.source[i].text for i in bead.source], [
            self.target[j].text for j in bead.target
        ]


def align_versions(source: Sequence[str], target: Sequence[str]) -> VersionAlignment:
    """Align two versions' passages; a run-together side is cut into sentences first."""
    source_units = alignment_units(source, split=needs_splitting(source, target))
    target_units = alignment_units(target, split=needs_splitting(target, source))
    beads = align([u.text for u in source_units], [u.text for u in target_units])
    return VersionAlignment(source_units, target_units, beads)
