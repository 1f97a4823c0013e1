"""Every interface message has its Chinese translation, and no template text escapes the catalog."""

from __future__ import annotations

import re

import pytest

from tests import i18n_scan
from workbench import i18n

TRANSLATED = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT]
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module")
def extracted() -> dict[str, list[str]]:
    return i18n_scan.extracted_messages()


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_marked_message_is_translated(locale: str, extracted: dict[str, list[str]]) -> None:
    """A message marked in code or templates but missing (or fuzzy, or empty) in a catalog fails."""
    po = i18n_scan.catalog(locale)
    missing = []
    for message_id, where in sorted(extracted.items()):
        entry = po.get(message_id)
        strings = (
            []
            if entry is None
            else list(entry.string if isinstance(entry.string, tuple) else [entry.string])
        )
        if entry is None or entry.fuzzy or not strings or not all(strings):
            missing.append(f"{message_id!r} ({where[0]})")
    assert not missing, f"{len(missing)} messages lack a {locale} translation:\n" + "\n".join(
        missing
    )


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_every_placeholder(locale: str) -> None:
    """A translation that drops or renames %(name)s would fail at run time, or lose a value."""
    wrong = []
    for entry in i18n_scan.catalog(locale):
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set().union(*(_PLACEHOLDER.findall(i) for i in ids))
        for string in strings:
            if string and set(_PLACEHOLDER.findall(string)) - wanted:
                wrong.append(f"{ids[0]!r} -> {string!r}")
            # A plural form may leave out the number (Chinese has one form); others may not.
            if (
                string
                and not isinstance(entry.id, tuple)
                and set(_PLACEHOLDER.findall(string)) != wanted
            ):
                wrong.append(f"{ids[0]!r} -> {string!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_compiled_catalog_matches_its_source(locale: str) -> None:
    """The shipped .mo file is the compiled .po file: run `pybabel compile` after editing."""
    po = i18n_scan.catalog(locale)
    assert i18n_scan.compiled(locale) == i18n_scan.compile_in_memory(po)


def test_no_stale_messages_left_in_the_catalog(extracted: dict[str, list[str]]) -> None:
    """Messages no longer used are dropped (`pybabel update` comments them out)."""
    for locale in TRANSLATED:
        stale = [
            e.id
            for e in i18n_scan.catalog(locale)
            if e.id and (e.id if isinstance(e.id, str) else e.id[0]) not in extracted
        ]
        assert not stale, f"{locale}: unused messages: {stale[:20]}"


def test_every_template_string_is_marked() -> None:
    """English interface text written straight into a template, not through _(), fails."""
    found = list(i18n_scan.unmarked_in_templates(i18n_scan.REPO / "templates"))
    listing = "\n".join(f"{u.template}:{u.line}: {u.text}" for u in found)
    assert not found, f"{len(found)} template strings are not marked for translation:\n{listing}"


def test_the_scan_sees_unmarked_text_and_passes_marked_text(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The scanner itself: plain English is caught in text, attributes and literals; marked text,
    data marked translate="no", key caps and format names are not."""
    (tmp_path / "t.html").write_text(
        '<h1>Agreement report</h1>\n<p title="Open the round">{{ _("Rounds") }}</p>\n'
        '<p>{{ "Consensus" if x else "—" }}</p>\n'
        '<span translate="no">{{ code.name }} Sovereignty</span>\n'
        "<kbd>j</kbd> CSV · {{ n }}\n{% trans %}Coded passages{% endtrans %}\n",
        encoding="utf-8",
    )
    found = {(u.line, u.text) for u in i18n_scan.unmarked_in_templates(tmp_path)}
    assert found == {(1, "Agreement report"), (2, 'title="Open the round"'), (3, '"Consensus"')}
