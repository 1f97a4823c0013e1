"""The codebook as a CSV that Taguette's codebook importer reads: columns tag, description (pure).

One row per code. ``tag`` is the code's full path ("Parent > Child"), so names stay unique and
the hierarchy can still be read; ``description`` is the readable rendering other tools get in
.qdc files (definition, rules, examples, keywords, stance). There is deliberately no ``name`` or
``path`` column: an importer that looks for any of tag/name/path must find exactly one. UTF-8
without a byte-order mark (a BOM would become part of the first column's name), and cells that
a spreadsheet could run as a formula get a leading apostrophe as in every CSV we write.
"""

from __future__ import annotations

import csv
import io

from workbench.core import codebook as cb
from workbench.formats.cells import safe_csv
from workbench.formats.qdc import describe_code

HEADER = ("tag", "description")


def codebook_to_taguette_csv(spec: cb.CodebookSpec) -> bytes:
    """Write every code of the spec as one row: tag (its path), description."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    ordered = cb.in_tree_order(spec)
    for code in ordered.codes:
        tag = cb.path(ordered, code.key)
        writer.writerow([safe_csv(tag), safe_csv(describe_code(code, spec.stance_scale))])
    return buf.getvalue().encode("utf-8")
