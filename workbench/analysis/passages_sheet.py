"""The Passages sheet: one row per passage, one column block per layer and code.

Presence in the passage matrix: 1 = the code was applied; 0 = the passage was coded (marked
done, or adjudicated) without it; empty = not coded by that coder — missing, not absent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from workbench.analysis.sheet_context import CONSENSUS
from workbench.analysis.sheet_context import PASSAGE_META
from workbench.analysis.sheet_context import Context
from workbench.analysis.sheet_context import grouped
from workbench.analysis.summary import LayerSummary
from workbench.core.i18n import _
from workbench.formats.tables import Column
from workbench.formats.tables import Row
from workbench.formats.tables import Table
from workbench.formats.varnames import NameRegistry


def passages_table(ctx: Context, estimate: int, summary: LayerSummary | None = None) -> Table:
    """One row per passage: metadata, text, then presence/stance per code for each block."""
    columns = list(PASSAGE_META)
    registry = NameRegistry(tuple(c.name for c in columns))
    scale = ", ".join(f"{s.value} {s.label}" for s in ctx.scale)
    for block in ctx.blocks:
        who = _("the consensus") if block.coder_id == CONSENSUS else block.label
        lead = f"{block.prefix}_" if block.prefix else ""
        done_name = "adjudicated" if block.coder_id == CONSENSUS else "coded"
        columns.append(
            Column(
                registry.take(lead + done_name),
                _("1 = passage coded by %(who)s (0 = not coded: codes below are missing)", who=who),
                9,
            )
        )
        for code in ctx.codes:
            base = lead + ctx.code_names[code.id]
            columns.append(
                Column(
                    registry.take(base, suffix="_p"),
                    _(
                        "%(code)s: presence by %(who)s (1 applied, 0 not applied, empty not coded)",
                        code=code.path,
                        who=who,
                    ),
                    8,
                    colour=code.colour,
                )
            )
            if code.takes_stance:
                columns.append(
                    Column(
                        registry.take(base, suffix="_s"),
                        _(
                            "%(code)s: stance by %(who)s (%(scale)s)",
                            code=code.path,
                            who=who,
                            scale=scale,
                        ),
                        8,
                        colour=code.colour,
                    )
                )

    # Per block: a template row for "coded, nothing applied" and one for "not coded", and
    # where each code's presence and stance sit in it (stance -1: the code takes none).
    done_template: list[Any] = [1]
    open_template: list[Any] = [0]
    slots: dict[int, tuple[int, int]] = {}
    for code in ctx.codes:
        presence = len(done_template)
        done_template.append(0)
        open_template.append(None)
        stance = -1
        if code.takes_stance:
            stance = len(done_template)
            done_template.append(None)
            open_template.append(None)
        slots[code.id] = (presence, stance)

    def rows() -> Iterator[Row]:
        if summary is not None:
            summary.reset()
        for p, coded, applied in grouped(ctx):
            if summary is not None:
                summary.add(p, applied)
            out: list[Any] = [
                p[2],
                p[0],
                p[3],
                p[4],
                p[5],
                p[6],
                p[7],
                p[1] + 1,
                p[8],
                p[9],
                p[10],
                p[11],
                p[12],
                1 if p[13] else 0,
                p[14],
                p[15],
                p[16],
            ]
            for block in ctx.blocks:
                mine = applied.get(block.coder_id)
                if mine:
                    part = done_template.copy()
                    for code_id, value in mine.items():
                        presence, stance = slots[code_id]
                        part[presence] = 1
                        if stance >= 0:
                            part[stance] = value
                    out += part
                else:
                    out += done_template if block.coder_id in coded else open_template
            yield out
        if summary is not None:
            summary.complete = True

    return Table(
        "passages",
        "Passages",
        "One row per passage with its document's metadata and the codings of the layer",
        columns,
        rows,
        estimate,
    )
