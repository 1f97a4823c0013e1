"""Property tests: any valid codebook survives .qdc and .xlsx round trips unchanged."""

from __future__ import annotations

import io

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from workbench.core.codebook import RESERVED_KEYS
from workbench.core.codebook import CodebookSpec
from workbench.core.codebook import CodeSpec
from workbench.core.codebook import in_tree_order
from workbench.core.codebook import norm_name
from workbench.core.codebook import path_safe
from workbench.core.codebook import validate
from workbench.formats.codebook_xlsx import codebook_to_xlsx
from workbench.formats.codebook_xlsx import xlsx_to_codebook
from workbench.formats.qdc import codebook_to_qdc
from workbench.formats.qdc import qdc_to_codebook

# Printable text plus line breaks and tabs, including formula leads and CJK.
CHARS = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t=+-@中文")
TEXT = st.text(CHARS, max_size=40)
WORD = (
    st.text(CHARS, min_size=1, max_size=12)
    .map(str.strip)
    .filter(lambda w: w and ";" not in w and "；" not in w)
)
NAME_CHARS = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("=+-@:\\")
NAME = (
    st.text(NAME_CHARS, min_size=1, max_size=30).map(str.strip).filter(lambda n: n and path_safe(n))
)
# Every key a code may take: digits and the letters the coding view does not reserve.
SHORTCUTS = [k for k in "0123456789abcdefghijklmnopqrstuvwxyz" if k not in RESERVED_KEYS]


@st.composite
def codebooks(draw: st.DrawFn, chinese: bool = True) -> CodebookSpec:
    count = draw(st.integers(1, 6))
    shortcuts = draw(st.permutations(SHORTCUTS))
    codes: list[CodeSpec] = []
    for i in range(count):
        parent = draw(st.sampled_from([None, *(c.key for c in codes)]))
        name = draw(NAME)
        siblings = {norm_name(c.name) for c in codes if c.parent_key == parent}
        if norm_name(name) in siblings:
            name = f"{name} {i}"
        name_zh = draw(NAME | st.just("")) if chinese else ""
        siblings_zh = {norm_name(c.name_zh) for c in codes if c.parent_key == parent and c.name_zh}
        if name_zh and norm_name(name_zh) in siblings_zh:
            name_zh = f"{name_zh} {i}"
        is_codable = draw(st.booleans())
        codes.append(
            CodeSpec(
                key=f"{i:08x}-0000-4000-8000-000000000000",
                name=name,
                parent_key=parent,
                definition=draw(TEXT),
                inclusion=draw(TEXT),
                exclusion=draw(TEXT),
                examples_positive=draw(TEXT),
                examples_negative=draw(TEXT),
                keywords_en=tuple(draw(st.lists(WORD, max_size=3))),
                keywords_zh=tuple(draw(st.lists(WORD, max_size=3))),
                colour=draw(st.from_regex(r"#[0-9A-Fa-f]{6}", fullmatch=True)),
                shortcut=shortcuts[i] if is_codable and draw(st.booleans()) else None,
                takes_stance=draw(st.booleans()),
                is_codable=is_codable,
                sort_order=draw(st.integers(-1000, 1000)),
                name_zh=name_zh,
                definition_zh=draw(TEXT) if chinese else "",
                inclusion_zh=draw(TEXT) if chinese else "",
                exclusion_zh=draw(TEXT) if chinese else "",
            )
        )
    spec = in_tree_order(CodebookSpec(tuple(codes)))
    assert validate(spec) == []
    return spec


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(codebooks())
def test_qdc_round_trip_is_lossless(spec: CodebookSpec) -> None:
    # The Chinese texts too: REFI-QDA has no place for a second language, so they travel in
    # the code's machine-readable line, not in the guidance other tools show (README).
    back, warnings = qdc_to_codebook(codebook_to_qdc(spec), "p.qdc")
    assert back == spec
    assert warnings == []


@SETTINGS
@given(codebooks())
def test_xlsx_round_trip_is_lossless(spec: CodebookSpec) -> None:
    buf = io.BytesIO()
    codebook_to_xlsx(spec, buf)
    assert xlsx_to_codebook(buf.getvalue(), "p.xlsx") == spec


def _spec(*named: tuple[str, str | None]) -> CodebookSpec:
    codes = tuple(
        CodeSpec(key=f"{i:08x}-0000-4000-8000-000000000000", name=name, parent_key=parent)
        for i, (name, parent) in enumerate(named)
    )
    return in_tree_order(CodebookSpec(codes))


def test_names_that_would_blur_a_path_are_refused() -> None:
    # "Parent > > x" could be read as "Parent >" then "x", or "Parent" then "> x".
    for name in (">", "> x", "x >"):
        problems = validate(_spec((name, None)))
        assert [p.field for p in problems] == ["name"], name


def test_angle_brackets_beside_letters_round_trip_through_xlsx() -> None:
    parent = "00000000-0000-4000-8000-000000000000"
    spec = _spec((">x", None), ("0", parent), ("0", None), ("x>", parent))
    assert validate(spec) == []
    buf = io.BytesIO()
    codebook_to_xlsx(spec, buf)
    assert xlsx_to_codebook(buf.getvalue(), "p.xlsx") == spec
