"""Configuration: defaults, then the instance file, then WORKBENCH_* environment, then overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from workbench.core import limits

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: SQLite file in the instance folder
    "MAX_CONTENT_LENGTH": 200 * 1024 * 1024,  # one web upload, all files together
    "MAX_FILE_BYTES": 100 * 1024 * 1024,  # one file inside an upload or archive
    "MAX_ARCHIVE_BYTES": 500 * 1024 * 1024,  # everything unpacked from one archive
    "MAX_MEMO_CHARS": limits.MEMO,
    "PAGE_SIZE": 50,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "EXPORT_DIR": None,  # None: <instance>/exports
    "SQL_ECHO": False,
    # Cookies are marked Secure on every request that came over HTTPS; this forces it always.
    "SESSION_COOKIE_SECURE": False,
    # Behind a reverse proxy: how many proxies to trust for X-Forwarded-For/-Proto/-Host (0: none).
    "PROXY_COUNT": 0,
    # Failed sign-ins within LOGIN_THROTTLE_SECONDS that lock an account name or an address out.
    "LOGIN_FAILURES_PER_ACCOUNT": 10,
    "LOGIN_FAILURES_PER_ADDRESS": 50,
    "LOGIN_THROTTLE_SECONDS": 15 * 60,
    # Background export jobs running at once, per user and per project.
    "EXPORT_JOBS_PER_USER": 2,
    "EXPORT_JOBS_PER_PROJECT": 3,
}

# Keys whose environment value is parsed as an integer or a boolean rather than kept as text.
_INT_KEYS = {
    "MAX_CONTENT_LENGTH",
    "MAX_FILE_BYTES",
    "MAX_ARCHIVE_BYTES",
    "MAX_MEMO_CHARS",
    "PAGE_SIZE",
    "PROXY_COUNT",
    "LOGIN_FAILURES_PER_ACCOUNT",
    "LOGIN_FAILURES_PER_ADDRESS",
    "LOGIN_THROTTLE_SECONDS",
    "EXPORT_JOBS_PER_USER",
    "EXPORT_JOBS_PER_PROJECT",
}
_BOOL_KEYS = {"SQL_ECHO", "SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE", "TESTING"}


def _parse_env(key: str, raw: str) -> Any:
    if key in _INT_KEYS:
        return int(raw)
    if key in _BOOL_KEYS:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return raw


def env_settings(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Return settings named WORKBENCH_<KEY> in the environment (and a bare DATABASE_URL)."""
    environ = dict(os.environ if environ is None else environ)
    found: dict[str, Any] = {}
    if environ.get("DATABASE_URL"):
        found["DATABASE_URL"] = environ["DATABASE_URL"]
    for name, raw in environ.items():
        if name.startswith("WORKBENCH_") and len(name) > len("WORKBENCH_"):
            key = name[len("WORKBENCH_") :]
            found[key] = _parse_env(key, raw)
    return found


def instance_secret(instance_path: Path) -> str:
    """Return the instance's secret key, creating it (mode 0600) on first use."""
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def sqlite_url(instance_path: Path) -> str:
    """Return the default embedded database URL inside the instance folder."""
    return f"sqlite:///{instance_path / 'workbench.sqlite3'}"


def shipped_folder(name: str) -> Path:
    """A folder the workbench ships beside its code: templates/ or seeds/.

    A checkout keeps them at the top of the repository; a built wheel maps them into the
    package (pyproject.toml, package-dir), so both places are looked at, the package first.
    """
    package = Path(__file__).resolve().parent
    inside = package / name
    return inside if inside.is_dir() else package.parent / name
