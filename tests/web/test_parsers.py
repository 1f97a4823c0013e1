"""The web layer's input parsers: ASCII whole numbers in range, NUL-free text, choices, flags."""

from __future__ import annotations

import pytest
from flask import Flask

from workbench.core.errors import ValidationError
from workbench.web import parsers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, None), ("", None), ("  ", None), ("0", 0), (" 42 ", 42), ("-7", -7),
     (str(2**31 - 1), 2**31 - 1), (str(-(2**31)), -(2**31))],
)  # fmt: skip
def test_whole_numbers(raw, expected) -> None:
    assert parsers.opt_int(raw, "n") == expected


@pytest.mark.parametrize(
    "raw", ["²", "①", "٣", "1.5", "1e3", "0x10", "abc", "1\x00", str(2**31), str(2**63 + 1),
            "9" * 40, "+", "--1"],
)  # fmt: skip
def test_not_whole_numbers_are_a_422_naming_the_field(raw) -> None:
    with pytest.raises(ValidationError, match=r"^page: "):
        parsers.opt_int(raw, "page")


def test_bounds_are_the_callers() -> None:
    assert parsers.opt_int("1", "page", minimum=1) == 1
    with pytest.raises(ValidationError, match="outside 1…"):
        parsers.opt_int("0", "page", minimum=1)


def test_text_choice_flag_and_file_name() -> None:
    assert parsers.text("  memo ", "memo", max_chars=10) == "memo"
    with pytest.raises(ValidationError, match="NUL"):
        parsers.text("a\x00b", "memo", max_chars=10)
    with pytest.raises(ValidationError, match=r"memo is 11 characters; the limit is 10\."):
        parsers.text("m" * 11, "memo", max_chars=10)
    assert parsers.choice("", "format", ["xlsx", "csv"], "xlsx") == "xlsx"
    with pytest.raises(ValidationError, match="not one of xlsx, csv"):
        parsers.choice("exe", "format", ["xlsx", "csv"], "xlsx")
    assert [parsers.flag(v) for v in ("on", "1", "TRUE", "yes", "", None, "no", "0")] == [
        True, True, True, True, False, False, False, False,
    ]  # fmt: skip
    assert parsers.filename("C:\\Users\\ana\\speech.docx") == "speech.docx"
    assert parsers.filename("../../etc/passwd") == "passwd"
    with pytest.raises(ValidationError, match="NUL"):
        parsers.filename("speech\x00.txt.exe")
    with pytest.raises(ValidationError, match="the limit is 255"):
        parsers.filename("n" * 256 + ".txt")


def test_the_id_converter_takes_ascii_digits_in_range(app: Flask) -> None:
    converter = parsers.IdConverter(app.url_map)
    assert converter.to_python("2147483647") == 2**31 - 1
    from werkzeug.routing import ValidationError as NoRoute

    with pytest.raises(NoRoute):
        converter.to_python("2147483648")
    adapter = app.url_map.bind("localhost")
    assert adapter.match("/p/s/d/12")[1] == {"slug": "s", "doc_id": 12}
    for path in ("/p/s/d/²", "/p/s/d/٣", "/p/s/d/99999999999999999999", "/p/s/d/-1"):
        with pytest.raises(Exception) as refused:
            adapter.match(path)
        assert getattr(refused.value, "code", None) == 404, path
