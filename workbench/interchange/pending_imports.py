"""Uploaded project files kept between the preview of an import and its application.

The browser shows the import report before anything is applied; the file itself waits on disk
under a random token, bound to the project and the user who uploaded it, for at most a day.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

from workbench.core.errors import ValidationError
from workbench.core.i18n import _

_MAX_AGE = 24 * 3600


def stash(folder: str, project_id: int, user_id: int, filename: str, data: bytes) -> str:
    """Keep an upload for a later apply; return its token."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    _sweep(root)
    token = secrets.token_urlsafe(18)
    (root / f"{token}.bin").write_bytes(data)
    meta = {"project": project_id, "user": user_id, "filename": filename}
    (root / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def load(folder: str, project_id: int, user_id: int, token: str) -> tuple[str, bytes]:
    """The (filename, bytes) stashed under token by this user for this project."""
    root = Path(folder)
    if not token.replace("-", "").replace("_", "").isalnum():
        raise ValidationError(_("This import is no longer available: upload the file again."))
    try:
        meta = json.loads((root / f"{token}.json").read_text(encoding="utf-8"))
        data = (root / f"{token}.bin").read_bytes()
    except (OSError, ValueError):
        raise ValidationError(
            _("This import is no longer available: upload the file again.")
        ) from None
    if meta.get("project") != project_id or meta.get("user") != user_id:
        raise ValidationError(
            _("This import was previewed by someone else: upload the file again.")
        )
    return str(meta.get("filename") or "upload"), data


def discard(folder: str, token: str) -> None:
    """Forget a stashed upload once applied."""
    if token.replace("-", "").replace("_", "").isalnum():
        for suffix in (".bin", ".json"):
            (Path(folder) / f"{token}{suffix}").unlink(missing_ok=True)


def _sweep(root: Path) -> None:
    cutoff = time.time() - _MAX_AGE
    for path in root.iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
