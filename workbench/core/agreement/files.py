"""CSV front-ends used by the CLI: a units × coders matrix file and a long coding file.

Sources: a ``pathlib.Path``/path-like, a ``str`` without a line break (a file name), or a
``str`` with line breaks (the CSV text itself, reported as ``<text>``). Files are UTF-8 (a BOM
is allowed). Cells are stripped of surrounding spaces; an empty cell means "not coded" (no other
missing-value marker is recognised, so a category may be called "NA"). Blank lines are skipped.
Row numbers in messages are the file's line numbers, the header being line 1.

Matrix format: the first row names the coders (every cell non-empty, unique, and not all of them
numbers or categories, which would mean the header is missing); each further row is one unit
with exactly one cell per coder. ``categories`` restricts the allowed values (compared as text,
or as numbers for interval/ratio) and gives the order for ordinal data; without it, ordinal
values must be numbers. Interval and ratio values must be finite numbers, ratio ones >= 0.
A file with a single coder is not an error: every coefficient is then None, as for any data
without a pairable unit.

Long format: columns ``passage_id``, ``coder``, ``code`` and optionally ``stance`` (any order,
case-insensitive, extra columns ignored). An empty ``code`` means the coder coded the passage
with nothing applying; a stance must be a number on the stance scale and needs a code.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workbench.core.agreement.bootstrap import DEFAULT_REPLICATES
from workbench.core.agreement.bootstrap import DEFAULT_SEED
from workbench.core.agreement.bootstrap import Resampling
from workbench.core.agreement.coefficients import coefficient_set
from workbench.core.agreement.errors import AgreementInputError
from workbench.core.agreement.kappa import weighted_kappa
from workbench.core.agreement.levels import check_level
from workbench.core.agreement.matrix import RatingMatrix
from workbench.core.agreement.matrix import rating_matrix
from workbench.core.agreement.multirater import gwet_ac2
from workbench.core.agreement.records import CodingRecord
from workbench.core.agreement.reports import DEFAULT_STANCE_SCALE
from workbench.core.agreement.reports import build_report
from workbench.core.i18n import _

Source = str | os.PathLike[str]
LONG_REQUIRED = ("passage_id", "coder", "code")


def _load(source: Source) -> tuple[str, str]:
    """The CSV text and the name to use in messages."""
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        return source.removeprefix("\ufeff"), "<text>"
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8-sig"), str(path)
    except FileNotFoundError:
        raise AgreementInputError(_("%(file)s: no such file", file=path)) from None
    except UnicodeDecodeError:
        raise AgreementInputError(_("%(file)s: not UTF-8 text", file=path)) from None
    except OSError as exc:
        raise AgreementInputError(
            _("%(file)s: cannot be read (%(reason)s)", file=path, reason=exc.strerror)
        ) from None


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    for row in reader:
        if row:
            yield reader.line_num, [cell.strip() for cell in row]


def _number(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _header(name: str, rows: Iterator[tuple[int, list[str]]]) -> tuple[int, list[str]]:
    first = next(rows, None)
    if first is None:
        raise AgreementInputError(_("%(file)s: missing header row (the file is empty)", file=name))
    return first


def read_matrix(
    source: Source, level: str, categories: Sequence[str] | None = None
) -> RatingMatrix:
    """Read a units × coders CSV into a RatingMatrix, checking values against the level."""
    kind = check_level(level)
    text, name = _load(source)
    rows = _rows(text)
    line, coders = _header(name, rows)
    numeric = kind in ("interval", "ratio") or (kind == "ordinal" and categories is None)
    declared: list[Any] | None = None
    if categories is not None:
        declared = list(categories)
        if numeric:
            parsed = [_number(c) for c in categories]
            bad = [c for c, v in zip(categories, parsed, strict=True) if v is None]
            if bad:
                raise AgreementInputError(
                    _(
                        "category %(category)s is not a number (%(kind)s data)",
                        category=repr(bad[0]),
                        kind=kind,
                    )
                )
            declared = sorted({v for v in parsed if v is not None})
    for j, coder in enumerate(coders):
        if not coder:
            raise AgreementInputError(
                _(
                    "%(file)s: row %(row)s: column %(column)s has no coder name",
                    file=name,
                    row=line,
                    column=j + 1,
                )
            )
    if len(set(coders)) != len(coders):
        raise AgreementInputError(
            _("%(file)s: row %(row)s: coder names repeat", file=name, row=line)
        )
    if all(_number(c) is not None for c in coders) or (
        categories and set(coders) <= set(categories)
    ):
        raise AgreementInputError(
            _(
                "%(file)s: row %(row)s: missing header row (the first row looks like data; "
                "it must name the coders)",
                file=name,
                row=line,
            )
        )
    allowed = set(declared) if declared is not None else None
    data: list[list[object]] = []
    for line, cells in rows:
        if len(cells) != len(coders):
            raise AgreementInputError(
                _(
                    "%(file)s: row %(row)s: %(cells)s cells, expected %(expected)s (one per coder)",
                    file=name,
                    row=line,
                    cells=len(cells),
                    expected=len(coders),
                )
            )
        unit: list[object] = []
        for coder, cell in zip(coders, cells, strict=True):
            where = _(
                "%(file)s: row %(row)s, coder %(coder)s", file=name, row=line, coder=repr(coder)
            )
            if not cell:
                unit.append(None)
                continue
            value: object = cell
            if numeric:
                value = _number(cell)
                if value is None:
                    raise AgreementInputError(
                        _(
                            "%(where)s: %(cell)s is not a number (%(kind)s data)",
                            where=where,
                            cell=repr(cell),
                            kind=kind,
                        )
                    )
                if kind == "ratio" and float(cell) < 0:
                    raise AgreementInputError(
                        _(
                            "%(where)s: %(cell)s is negative (ratio data)",
                            where=where,
                            cell=repr(cell),
                        )
                    )
            if allowed is not None and value not in allowed:
                shown = ", ".join(str(c) for c in categories or ())
                raise AgreementInputError(
                    _(
                        "%(where)s: %(cell)s is not a category (%(categories)s)",
                        where=where,
                        cell=repr(cell),
                        categories=shown,
                    )
                )
            unit.append(value)
        data.append(unit)
    try:
        return rating_matrix(data, coders=coders, categories=declared)
    except ValueError as exc:
        raise AgreementInputError(_("%(file)s: %(reason)s", file=name, reason=exc)) from None


def matrix_report(
    source: Source,
    level: str,
    categories: Sequence[str] | None = None,
    *,
    bootstrap: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """Coefficients of a units × coders CSV, as a JSON-ready dict with a fixed set of keys."""
    kind = check_level(level)
    matrix = read_matrix(source, kind, categories)
    cs = coefficient_set(matrix, level=kind, bootstrap=Resampling(bootstrap, seed))
    # Weighted κ and AC2 weigh steps between ordered categories: undefined (None) when the
    # categories have no order (text values without --categories).
    ordered = matrix.ordered
    return {
        "percent_agreement": cs.percent_agreement,
        "cohen_kappa": cs.cohen_kappa,
        "cohen_kappa_pairwise": dict(cs.cohen_kappa_pairwise),
        "cohen_kappa_mean": cs.cohen_kappa_mean,
        "light_kappa": cs.cohen_kappa_mean,
        "scott_pi": cs.scott_pi,
        "fleiss_kappa": cs.fleiss_kappa,
        "gwet_ac1": cs.gwet_ac1,
        "weighted_kappa_linear": weighted_kappa(matrix, "linear") if ordered else None,
        "weighted_kappa_quadratic": weighted_kappa(matrix, "quadratic") if ordered else None,
        "gwet_ac2_linear": gwet_ac2(matrix, "linear") if ordered else None,
        "gwet_ac2_quadratic": gwet_ac2(matrix, "quadratic") if ordered else None,
        f"krippendorff_alpha_{kind}": cs.alpha,
        f"krippendorff_alpha_{kind}_ci95": list(cs.alpha_ci95) if cs.alpha_ci95 else None,
    }


def read_long(
    source: Source, stance_scale: Sequence[float] | None = DEFAULT_STANCE_SCALE
) -> list[CodingRecord]:
    """Read long-format coding rows into CodingRecords, checking stances against the scale."""
    text, name = _load(source)
    rows = _rows(text)
    line, header = _header(name, rows)
    columns = [h.lower() for h in header]
    missing = [c for c in LONG_REQUIRED if c not in columns]
    if missing:
        raise AgreementInputError(
            _(
                "%(file)s: row %(row)s: missing required column(s): %(columns)s",
                file=name,
                row=line,
                columns=", ".join(missing),
            )
        )
    at = {c: columns.index(c) for c in (*LONG_REQUIRED, "stance") if c in columns}
    scale = None if stance_scale is None else {float(v) for v in stance_scale}
    records: list[CodingRecord] = []
    for line, cells in rows:
        where = _("%(file)s: row %(row)s", file=name, row=line)
        if len(cells) != len(columns):
            raise AgreementInputError(
                _(
                    "%(where)s: %(cells)s cells, expected %(expected)s",
                    where=where,
                    cells=len(cells),
                    expected=len(columns),
                )
            )
        passage, coder, code = (cells[at[c]] for c in LONG_REQUIRED)
        stance_cell = cells[at["stance"]] if "stance" in at else ""
        if not passage or not coder:
            raise AgreementInputError(
                _("%(where)s: passage_id and coder must not be empty", where=where)
            )
        stance = _number(stance_cell) if stance_cell else None
        if stance_cell and stance is None:
            raise AgreementInputError(
                _(
                    "%(where)s: stance %(stance)s is not a number",
                    where=where,
                    stance=repr(stance_cell),
                )
            )
        if stance is not None and not code:
            raise AgreementInputError(
                _(
                    "%(where)s: stance %(stance)s given without a code",
                    where=where,
                    stance=repr(stance_cell),
                )
            )
        if stance is not None and scale is not None and stance not in scale:
            raise AgreementInputError(
                _(
                    "%(where)s: stance %(stance)s is not on the scale",
                    where=where,
                    stance=repr(stance_cell),
                )
            )
        records.append(CodingRecord(passage, coder, code or None, stance))
    return records


def long_report(
    source: Source,
    *,
    codes: Sequence[str] | None = None,
    bootstrap: int = DEFAULT_REPLICATES,
    seed: int = DEFAULT_SEED,
    stance_scale: Sequence[float] = DEFAULT_STANCE_SCALE,
) -> dict[str, Any]:
    """The per-code agreement report of a long-format CSV, as a JSON-ready dict."""
    records = read_long(source, stance_scale)
    report = build_report(
        records, codes=codes, bootstrap=bootstrap, seed=seed, stance_scale=stance_scale
    )
    return report.to_json()
