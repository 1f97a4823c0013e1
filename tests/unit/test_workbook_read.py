"""Reading an export workbook back: cell values as the import takes them."""

from __future__ import annotations

import pytest

from workbench.formats import workbook_read


@pytest.mark.parametrize("cell", ["--5", "²", "9" * 5000, "99999999999", " 12 ", "-7"])
def test_whole_numbers_of_an_export_are_ascii_digits_in_the_schemas_range(cell: str) -> None:
    # int() refuses "--5" and "²" (which str.isdigit passes) and 5,000 digits; the database
    # refuses 11 digits: each reads as no number, which the import reports by row.
    expected = {" 12 ": 12, "-7": -7}.get(cell)
    assert workbook_read._int(cell) == expected
