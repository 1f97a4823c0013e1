"""Input parsers for the web layer: every id, number, text, choice, flag and file name a view reads.

Values are checked here, before any query, so malformed input gets a clear 404 or 422 instead of
a database error: whole numbers are ASCII digits only (``str.isdigit`` accepts "²" and "①",
which ``int`` then refuses) and within the range both databases store (PostgreSQL's ``integer``
ends at 2³¹ − 1); text never carries a NUL character (PostgreSQL refuses it in a string).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from flask import request
from werkzeug.routing import BaseConverter
from werkzeug.routing import Map
from werkzeug.routing import ValidationError as NoRoute

from workbench.core import limits
from workbench.core.errors import ValidationError
from workbench.core.i18n import _

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1  # ids and counts are 32-bit integers in the schema
_WHOLE = re.compile(r"-?[0-9]{1,12}")
MAX_FILENAME_CHARS = 255


class IdConverter(BaseConverter):
    """URL converter for ``<int:...>``: ASCII digits within the schema's integer range, else 404."""

    regex = r"[0-9]{1,12}"
    weight = 50

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map)

    def to_python(self, value: str) -> int:
        """Turn the path segment into an int; out of range means no such page."""
        number = int(value)
        if number > INT_MAX:
            raise NoRoute()
        return number

    def to_url(self, value: Any) -> str:
        """Write an id into a URL."""
        return str(int(value))


def opt_int(
    raw: str | None, name: str, *, minimum: int = INT_MIN, maximum: int = INT_MAX
) -> int | None:
    """Parse an optional whole number (blank means None) or raise a 422 naming the field."""
    if raw is None:
        return None
    value = raw.strip()
    if value == "":
        return None
    if not _WHOLE.fullmatch(value):
        raise ValidationError(
            _(
                "%(field)s: '%(value)s' is not a whole number (not a number in the digits 0-9).",
                field=name,
                value=_shown(value),
            )
        )
    number = int(value)
    if not minimum <= number <= maximum:
        bounds = {"low": f"{minimum:,}", "high": f"{maximum:,}"}
        raise ValidationError(
            _(
                "%(field)s: %(value)s is outside %(low)s…%(high)s.",
                field=name,
                value=number,
                **bounds,
            )
        )
    return number


def req_int(name: str, *, minimum: int = INT_MIN, maximum: int = INT_MAX) -> int:
    """Parse a required whole number from the request's query string or form."""
    value = opt_int(request.values.get(name), name, minimum=minimum, maximum=maximum)
    if value is None:
        raise ValidationError(_("%(field)s is missing.", field=name))
    return value


def arg_int(name: str, *, minimum: int = INT_MIN, maximum: int = INT_MAX) -> int | None:
    """Parse an optional whole number from the request's query string or form."""
    return opt_int(request.values.get(name), name, minimum=minimum, maximum=maximum)


def ints(name: str, values: Iterable[str] | None = None) -> list[int]:
    """Parse every value given for a field (checkboxes, multi-selects); blanks are skipped."""
    raws = request.values.getlist(name) if values is None else values
    return [v for v in (opt_int(raw, name) for raw in raws) if v is not None]


def number(raw: str | None, name: str) -> float:
    """Parse a finite decimal number or raise a 422 naming the field."""
    try:
        value = float(raw or "")
    except ValueError:
        raise ValidationError(_not_a_number(name, raw)) from None
    if not math.isfinite(value):
        raise ValidationError(_not_a_number(name, raw))
    return value


def text(raw: str | None, name: str, *, max_chars: int, strip: bool = True) -> str:
    """Return text without NUL characters and within a length limit, or raise a 422."""
    value = raw or ""
    if strip:
        value = value.strip()
    check_text(value, name)
    problem = limits.too_long(name, value, max_chars)
    if problem:
        raise ValidationError(problem)
    return value


def choice(raw: str | None, name: str, options: Iterable[str], default: str) -> str:
    """Return one of the allowed values (blank means the default) or raise a 422 listing them."""
    allowed = list(options)
    value = (raw or "").strip() or default
    if value not in allowed:
        raise ValidationError(
            _(
                "%(field)s: '%(value)s' is not one of %(allowed)s.",
                field=name,
                value=_shown(value),
                allowed=", ".join(allowed),
            )
        )
    return value


def flag(raw: str | None) -> bool:
    """Read a checkbox or boolean query value ("on", "1", "true", "yes")."""
    return (raw or "").strip().lower() in {"on", "1", "true", "yes"}


def filename(raw: str | None, name: str | None = None) -> str:
    """Return an uploaded file's base name, refusing NUL characters and over-long names."""
    name = name or _("file name")
    value = (raw or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    check_text(value, name)
    problem = limits.too_long(name, value, MAX_FILENAME_CHARS)
    if problem:
        raise ValidationError(problem)
    return value or "upload"


def upload(missing: str | None = None, field: str = "file") -> tuple[str, bytes]:
    """Return one uploaded file's name and bytes; refuse a missing or empty file."""
    chosen = request.files.get(field)
    if chosen is None or not chosen.filename:
        raise ValidationError(missing or _("Choose a file to upload."))
    data = chosen.read()
    if not data:
        raise ValidationError(_("%(file)s: the file is empty.", file=chosen.filename))
    return chosen.filename, data


def check_text(value: str, name: str) -> None:
    """Refuse text carrying a NUL character (databases and file systems cannot store it)."""
    if "\x00" in value:
        raise ValidationError(
            _("%(field)s contains a NUL character (\\0), which cannot be stored.", field=name)
        )


def check_request() -> None:
    """Refuse NUL characters anywhere in the path, query string, form fields and file names."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str):
            check_text(value, name)
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            check_text(name, _("a field name"))
            check_text(value, name)
    for name, upload in request.files.items(multi=True):
        check_text(name, _("a field name"))
        if upload.filename:
            filename(upload.filename, _("%(field)s: file name", field=name))


def _not_a_number(name: str, raw: str | None) -> str:
    return _("%(field)s: '%(value)s' is not a number.", field=name, value=_shown(raw or ""))


def _shown(value: str) -> str:
    # Echo a bad value back in the message, cut short so a huge value does not make a huge page.
    return value if len(value) <= 40 else value[:40] + "…"
