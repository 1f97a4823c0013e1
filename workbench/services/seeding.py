"""The demo's seed documents: imported with the metadata in seeds/manifest.json."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from workbench.corpus import ParsedDocument, parse_file
from workbench.models import Project, User
from workbench.services.errors import ValidationError
from workbench.services.importing import ImportResult, store_documents

META_FIELDS = ("title", "date", "doc_type", "meeting_symbol", "language", "source")


def seeds_dir() -> Path:
    """Return the folder holding the seed documents and their manifest."""
    override = os.environ.get("WORKBENCH_SEEDS")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "seeds"


def load_manifest(folder: Path) -> list[dict[str, Any]]:
    """Read the seed manifest; every entry names a file in the folder."""
    path = folder / "manifest.json"
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["documents"]
    except (OSError, ValueError, KeyError) as exc:
        raise ValidationError(f"{path}: cannot read the seed manifest ({exc}).") from exc
    return list(entries)


def parse_seeds(folder: Path | None = None) -> list[ParsedDocument]:
    """Parse the seed documents and apply the manifest's metadata over what was extracted."""
    folder = folder or seeds_dir()
    parsed: list[ParsedDocument] = []
    for entry in load_manifest(folder):
        name = entry["file"]
        for doc in parse_file(name, (folder / name).read_bytes()):
            given = {k: entry[k] for k in META_FIELDS if entry.get(k)}
            parsed.append(replace(doc, meta=replace(doc.meta, **given)))
    return parsed


def import_seeds(session: Session, project: Project, user: User | None = None) -> ImportResult:
    """Import the seed documents into a project (already present ones are skipped)."""
    return store_documents(session, project, parse_seeds(), user=user)
