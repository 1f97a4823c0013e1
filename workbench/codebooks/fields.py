"""A code's editable fields: which there are, which carry its meaning, how input is read."""

from __future__ import annotations

from typing import Any

from workbench.core import codebook as cb
from workbench.core import limits
from workbench.core.errors import ValidationError
from workbench.models import Code

# Changing any of these changes what the code means: older annotations get flagged.
MEANING_FIELDS = (
    "definition",
    "inclusion",
    "exclusion",
    "examples_positive",
    "examples_negative",
)
TEXT_FIELDS = ("name", *MEANING_FIELDS)
# The Chinese name, definition and rules: a second language of the same meaning.
ZH_FIELDS = ("name_zh", "definition_zh", "inclusion_zh", "exclusion_zh")
EDITABLE = (
    *TEXT_FIELDS,
    "keywords_en",
    "keywords_zh",
    "colour",
    "shortcut",
    "takes_stance",
    "is_codable",
    "sort_order",
    *ZH_FIELDS,
)


def normalise_colour(value: Any) -> Any:
    """Return a #rrggbb colour in lower case (anything else unchanged, for validation to name).

    Browsers' colour inputs send lower case while files and older data may carry upper case:
    one spelling means an edit that changes nothing compares equal and records nothing."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 7 and text.startswith("#"):
            return text.lower()
    return value


def parse_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Read submitted values (form text or file cells) into stored types; other keys drop."""
    out: dict[str, Any] = {}
    for key in EDITABLE:
        if key not in values:
            continue
        value = values[key]
        if isinstance(value, str) and key in limits.CODE_FIELDS:
            problem = limits.too_long(key, value, limits.CODE_FIELDS[key])
            if problem:
                raise ValidationError(problem)
        if key in ("keywords_en", "keywords_zh") and isinstance(value, str):
            value = [k.strip() for k in value.replace("；", ";").split(";") if k.strip()]
        elif key in ("takes_stance", "is_codable") and isinstance(value, str):
            value = value.lower() in ("1", "true", "on", "yes")
        elif key == "sort_order":
            try:
                value = int(value or 0)
            except (TypeError, ValueError):
                raise ValidationError("sort_order: must be a whole number.") from None
            if not -(2**31) <= value < 2**31:
                raise ValidationError(f"sort_order: {value} is out of range.")
        elif key == "shortcut":
            value = (str(value).strip() or None) if value is not None else None
        elif key == "colour":
            value = normalise_colour(value)
        elif isinstance(value, str):
            # Browsers send textarea line ends as CRLF: stored text uses LF, so an unchanged
            # field compares equal.
            value = value.replace("\r\n", "\n").replace("\r", "\n")
            value = value.strip() if key in ("name", "name_zh") else value
        out[key] = value
    return out


def apply_spec_fields(code: Code, spec: cb.CodeSpec) -> None:
    """Copy a spec's fields onto a stored code."""
    code.name = spec.name.strip()
    code.definition = spec.definition
    code.inclusion = spec.inclusion
    code.exclusion = spec.exclusion
    code.examples_positive = spec.examples_positive
    code.examples_negative = spec.examples_negative
    code.keywords_en = list(spec.keywords_en)
    code.keywords_zh = list(spec.keywords_zh)
    code.colour = normalise_colour(spec.colour)
    code.shortcut = spec.shortcut or None
    code.takes_stance = spec.takes_stance
    code.is_codable = spec.is_codable
    code.sort_order = spec.sort_order
    for name in ZH_FIELDS:
        setattr(code, name, getattr(spec, name))


def common_fields(code: Code) -> dict[str, Any]:
    """Return the fields a stored code hands to both its pure spec and its cached snapshot."""
    # Keyword lists come out as tuples: the spec and the snapshot are frozen and hashable.
    shared = {name: getattr(code, name) for name in _SHARED}
    shared["keywords_en"] = tuple(code.keywords_en or ())
    shared["keywords_zh"] = tuple(code.keywords_zh or ())
    return shared


_SHARED = (
    "key",
    "name",
    "definition",
    "inclusion",
    "exclusion",
    "colour",
    "shortcut",
    "takes_stance",
    "is_codable",
    "sort_order",
)
