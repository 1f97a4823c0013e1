"""Multi-row INSERTs come in a few lengths only, whatever the number of rows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from workbench.documents.importing import statement_sized


@given(st.integers(min_value=0, max_value=5_000), st.sampled_from([1, 3, 64, 1000]))
def test_chunks_keep_every_row_in_order_in_few_lengths(rows: int, page: int) -> None:
    values = list(range(rows))
    chunks = list(statement_sized(values, page))
    assert [v for chunk in chunks for v in chunk] == values
    assert all(chunks)
    lengths = {len(chunk) for chunk in chunks}
    powers = {1 << k for k in range(page.bit_length())}
    assert lengths <= {page} | powers
    # Only the rest after the whole pages is cut smaller, each length at most once.
    rest = [len(chunk) for chunk in chunks if len(chunk) != page]
    assert len(rest) == len(set(rest)) and sum(rest) < page


def test_a_batch_of_250_rows_uses_known_lengths() -> None:
    assert [len(c) for c in statement_sized(list(range(250)), 64)] == [64, 64, 64, 32, 16, 8, 2]
