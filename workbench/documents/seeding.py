"""The demo's seed documents: imported with the metadata in seeds/manifest.json."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from workbench.config import shipped_folder
from workbench.core.corpus import ParsedDocument
from workbench.core.corpus import parse_file
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.documents.importing import ImportResult
from workbench.documents.importing import store_documents
from workbench.models import Project
from workbench.models import User

META_FIELDS = ("title", "date", "doc_type", "meeting_symbol", "language", "source")
MANIFEST = "manifest.json"


def seeds_dir() -> Path:
    """Return the folder holding the seed documents and their manifest."""
    override = os.environ.get("WORKBENCH_SEEDS")
    return Path(override) if override else shipped_folder("seeds")


def load_manifest(folder: Path) -> list[dict[str, Any]]:
    """Read a folder's manifest.json: a "documents" list whose entries name a file each."""
    path = folder / MANIFEST
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["documents"]
        if not isinstance(entries, list):
            raise ValueError(_('"documents" is not a list'))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValidationError(
            _("%(path)s: cannot read the manifest (%(exc)s).", path=path, exc=exc)
        ) from exc
    bad = [
        f'entry {number}: no "file" given'
        for number, entry in enumerate(entries, start=1)
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str)
    ]
    missing = [
        f"{entry['file']}: listed in the manifest but not in the folder"
        for entry in entries
        if isinstance(entry, dict)
        and isinstance(entry.get("file"), str)
        and not (folder / entry["file"]).is_file()
    ]
    if bad or missing:
        raise ValidationError(
            _("%(path)s: the manifest does not match the folder.", path=path), bad + missing
        )
    return list(entries)


def folder_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """The manifest entries of a folder keyed by file name (empty when it has no manifest)."""
    if not (folder / MANIFEST).is_file():
        return {}
    return {Path(entry["file"]).as_posix(): entry for entry in load_manifest(folder)}


def apply_manifest(document: ParsedDocument, entry: dict[str, Any]) -> ParsedDocument:
    """Put a manifest entry's metadata over what was extracted; other fields go to extra."""
    given = {k: str(entry[k]) for k in META_FIELDS if entry.get(k)}
    extra = dict(document.extra)
    for key, value in entry.items():
        if key not in META_FIELDS and key != "file" and isinstance(value, str | int | float):
            extra.setdefault(key, value)
    return replace(document, meta=replace(document.meta, **given), extra=extra)


def parse_seeds(folder: Path | None = None) -> list[ParsedDocument]:
    """Parse the seed documents and apply the manifest's metadata over what was extracted."""
    folder = folder or seeds_dir()
    parsed: list[ParsedDocument] = []
    for entry in load_manifest(folder):
        name = entry["file"]
        for doc in parse_file(name, (folder / name).read_bytes()):
            parsed.append(apply_manifest(doc, entry))
    return parsed


def import_seeds(session: Session, project: Project, user: User | None = None) -> ImportResult:
    """Import the seed documents into a project (already present ones are skipped)."""
    return store_documents(session, project, parse_seeds(), user=user)
