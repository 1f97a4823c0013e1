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
    # A folder for export files (None: <instance>/exports). Naming one
    # (WORKBENCH_EXPORT_DIR) also keeps finished job files there: a folder every server mounts.
    "EXPORT_DIR": None,
    # Where finished job files are kept: "database" or "directory" (EXPORT_DIR). None: the
    # directory when EXPORT_DIR is named, else the database.
    "JOB_FILES": None,
    # The job queue: empty for a SQLite queue file (QUEUE_FILE, default beside a SQLite database
    # or in the instance folder) consumed by the worker `workbench serve` starts; or
    # redis://host:port/db for workers on any machine (`workbench worker`).
    "QUEUE_URL": "",
    "QUEUE_NAME": "workbench",  # prefix of the queue's keys in Redis
    "QUEUE_FILE": None,
    # Whether every command (and `workbench serve`) first brings the schema to the newest
    # version. A department turns it off and runs `workbench db upgrade` once per release.
    "AUTO_MIGRATE": True,
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
    # Agreement reports with more bootstrap replicates than this are computed on the job queue.
    "AGREEMENT_INLINE_BOOTSTRAP": 2000,
    # Uploads of documents larger than this (all files together) are imported on the job queue.
    "IMPORT_INLINE_BYTES": 8 * 1024 * 1024,
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
    "EXPORT_INLINE_ROWS",
    "AGREEMENT_INLINE_BOOTSTRAP",
    "IMPORT_INLINE_BYTES",
}
_BOOL_KEYS = {
    "AUTO_MIGRATE",
    "SQL_ECHO",
    "SESSION_COOKIE_SECURE",
    "REMEMBER_COOKIE_SECURE",
    "TESTING",
}


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


def queue_file(database_url: str, instance_path: Path) -> str:
    """The embedded queue's file: beside a SQLite database, else in the instance folder."""
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and ":memory:" not in database_url:
        database = Path(database_url[len(prefix) :].split("?", 1)[0])
        return str(database.with_name(database.stem + "-queue.sqlite3"))
    return str(instance_path / "queue.sqlite3")


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
