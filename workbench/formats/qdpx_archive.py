"""The parts of a .qdpx archive: its .qde, its source texts, and workbench/extra.json (pure).

Tolerant of the vendors' containers: ``sources/`` or ``Sources/``, ``project.qde`` or any
single ``*.qde`` at the root, texts in UTF-8 or UTF-16 with or without a BOM. Each deviation is
noted for the import report.
"""

from __future__ import annotations

import codecs
import json
import re
import zipfile
from typing import Any

from lxml import etree

from workbench.core.i18n import _
from workbench.formats.qdc import MAX_XML_BYTES
from workbench.formats.qdpx import EXTRA_MEMBER
from workbench.formats.xlsx_read import check_archive
from workbench.formats.xmlsafe import ExchangeError
from workbench.formats.xmlsafe import local_name


def _kids(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and local_name(c) == name]


def archive_parts(
    data: bytes, filename: str
) -> tuple[bytes, dict[str, zipfile.ZipInfo], zipfile.ZipFile | None]:
    """The .qde bytes, the source files by lower-case name, and the archive (None for a .qde)."""
    if not data.startswith(b"PK"):
        return data, {}, None  # a bare .qde
    archive = check_archive(data, filename, kind=_(".qdpx archive"))
    members = archive.infolist()
    top = [
        i
        for i in members
        if "/" not in i.filename.strip("/") and i.filename.lower().endswith(".qde")
    ]
    named = [i for i in top if i.filename.lower() == "project.qde"]
    chosen = named or top
    if len(chosen) != 1:
        found = ", ".join(i.filename for i in top) or "none"
        raise ExchangeError(
            _(
                "%(filename)s: expected one .qde file at the top of the archive (found: %(found)s)",
                filename=filename,
                found=found,
            )
        )
    if chosen[0].file_size > MAX_XML_BYTES:
        raise ExchangeError(
            _(
                "%(filename)s: %(filename2)s is larger than %(MAX_XML_BYTES)s bytes",
                filename=filename,
                filename2=chosen[0].filename,
                MAX_XML_BYTES=format(MAX_XML_BYTES, ","),
            )
        )
    files = {}
    for info in members:
        parts = info.filename.replace("\\", "/").split("/")
        if len(parts) >= 2 and parts[-2].lower() == "sources":
            files[parts[-1].lower()] = info
    return archive.read(chosen[0]), files, archive


def decode_source(raw: bytes, label: str) -> str:
    """Decode a source file: UTF-8 (BOM or not) or UTF-16 with a BOM; the BOM is dropped."""
    try:
        if raw.startswith(codecs.BOM_UTF8):
            return raw[len(codecs.BOM_UTF8) :].decode("utf-8")
        if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return raw.decode("utf-16")  # the codec reads and drops the BOM
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExchangeError(
            _(
                "%(label)s: its text file is not valid UTF-8 or UTF-16 (byte %(start)s)",
                label=label,
                start=exc.start,
            )
        ) from exc


def read_extra(archive: zipfile.ZipFile | None, filename: str) -> dict[str, Any]:
    """The workbench's own extra.json, or {} when the archive has none."""
    if archive is None or EXTRA_MEMBER not in archive.namelist():
        return {}
    try:
        data = json.loads(archive.read(EXTRA_MEMBER).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ExchangeError(
            _(
                "%(filename)s: %(EXTRA_MEMBER)s is not valid JSON (%(exc)s)",
                filename=filename,
                EXTRA_MEMBER=EXTRA_MEMBER,
                exc=exc,
            )
        ) from None
    if not isinstance(data, dict) or data.get("format") != "workbench-extra":
        raise ExchangeError(
            _(
                "%(filename)s: %(EXTRA_MEMBER)s is not a workbench extra file",
                filename=filename,
                EXTRA_MEMBER=EXTRA_MEMBER,
            )
        )
    return data


def container_warnings(archive: zipfile.ZipFile, warnings: list[str]) -> None:
    """Note the container's deviations from the standard's layout."""
    names = archive.namelist()
    if "project.qde" not in names:
        qde = [n for n in names if n.lower().endswith(".qde") and "/" not in n]
        warnings.append(
            _("The project file is named %(value)s, not project.qde", value=", ".join(qde))
        )
    if any(n.startswith("Sources/") for n in names):
        warnings.append(_("Source texts are in Sources/ (capital S), not sources/"))


def source_text(
    el: etree._Element,
    files: dict[str, zipfile.ZipInfo],
    archive: zipfile.ZipFile | None,
    label: str,
) -> tuple[str, bool]:
    """The text of a source or note (BOM removed) and whether it had a BOM."""
    inline = _kids(el, "PlainTextContent")
    where = el.get("plainTextPath") or ""
    if inline:
        raw = inline[0].text or ""
    elif where:
        member = files.get(re.split(r"[/\\]", where.split("://", 1)[-1])[-1].lower())
        if member is None or archive is None:
            raise ExchangeError(
                _(
                    "%(label)s: its text %(where)s is missing from the archive",
                    label=label,
                    where=where,
                )
            )
        body = archive.read(member)
        raw = decode_source(body, label)
        if body.startswith(codecs.BOM_UTF8):
            return raw, True
    else:
        raise ExchangeError(
            _("%(label)s: it has neither plainTextPath nor PlainTextContent", label=label)
        )
    if raw.startswith("\ufeff"):
        return raw[1:], True
    return raw, False
