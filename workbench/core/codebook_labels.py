"""What the codebook's stored identifiers are called on screen: fields and kinds of change (pure).

Version change lists store field names and change kinds as identifiers ("definition_zh",
"edited"), so old versions read correctly in any interface language; these labels are looked up
in the reader's language when shown.
"""

from __future__ import annotations

from typing import NamedTuple

from workbench.core.i18n import N_
from workbench.core.i18n import _

# The texts a code has in Chinese besides its primary (English, or only) version.
TRANSLATED_FIELDS: tuple[str, ...] = ("name", "definition", "inclusion", "exclusion")
CHINESE_SUFFIX = "_zh"


class CodeName(NamedTuple):
    """A code's name in both languages, where a screen needs no more of the code."""

    name: str
    name_zh: str


FIELD_LABELS: dict[str, str] = {
    "name": N_("name"),
    "name_zh": N_("Chinese name"),
    "definition": N_("definition"),
    "definition_zh": N_("Chinese definition"),
    "inclusion": N_("inclusion rule"),
    "inclusion_zh": N_("Chinese inclusion rule"),
    "exclusion": N_("exclusion rule"),
    "exclusion_zh": N_("Chinese exclusion rule"),
    "examples_positive": N_("examples"),
    "examples_negative": N_("counter-examples"),
    "keywords_en": N_("English keywords"),
    "keywords_zh": N_("Chinese keywords"),
    "colour": N_("colour"),
    "shortcut": N_("shortcut"),
    "takes_stance": N_("takes a stance"),
    "is_codable": N_("can be applied"),
    "sort_order": N_("order"),
    "parent_key": N_("parent"),
    "key": N_("key"),
    "stance_scale": N_("stance scale"),
}

CHANGE_KINDS: dict[str, str] = {
    "added": N_("added"),
    "removed": N_("removed"),
    "renamed": N_("renamed"),
    "moved": N_("moved"),
    "edited": N_("edited"),
    "stance_scale": N_("stance scale changed"),
}


def field_label(field: str) -> str:
    """A code field's name in the current language (an unknown identifier as it is)."""
    label = FIELD_LABELS.get(field)
    return _(label) if label else field


def change_label(kind: str) -> str:
    """A kind of codebook change in the current language (an unknown identifier as it is)."""
    label = CHANGE_KINDS.get(kind)
    return _(label) if label else kind


def field_list(fields: tuple[str, ...] | list[str]) -> str:
    """Field names in the current language, joined as the language lists them."""
    return _(", ").join(field_label(f) for f in fields)
