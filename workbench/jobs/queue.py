"""The job queue: Huey carries a job's id to a worker; the job row stays the source of truth.

Which queue is chosen by QUEUE_URL:
- empty (the default): a SQLite queue file beside the database (QUEUE_FILE), consumed by the
  worker that ``workbench serve`` starts for itself: no extra service;
- ``redis://host:port/db``: a Redis queue, consumed by ``workbench worker`` processes on any
  machine (queue keys are named after QUEUE_NAME, so deployments and test runs can share one
  Redis server);
- ``memory``: a queue inside this process (tests that run a consumer in threads);
- ``immediate``: no queue, a job runs as soon as it is enqueued (tests).

Status, progress, the caps and the finished file live in the database (``export_jobs``,
``files``), so nothing a web server shows depends on which worker ran the job or on the queue
keeping results: Huey stores none.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from huey import Huey
from huey import MemoryHuey
from huey import RedisHuey
from huey import SqliteHuey
from huey.consumer import Consumer

from workbench.core.i18n import _
from workbench.jobs import runner
from workbench.jobs.files import FileStore

KINDS = ("sqlite", "redis", "memory", "immediate")


@dataclass(frozen=True)
class QueueSettings:
    """Everything a queue and its jobs need, taken from the application's configuration."""

    url: str
    name: str
    sqlite_file: str
    database_url: str
    files: FileStore

    @property
    def kind(self) -> str:
        """One of KINDS, from the URL."""
        if not self.url:
            return "sqlite"
        if self.url.startswith(("redis://", "rediss://", "unix://")):
            return "redis"
        if self.url in ("memory", "immediate"):
            return self.url
        raise ValueError(
            _(
                "WORKBENCH_QUEUE_URL must be empty, redis://host:port/db, 'memory' or "
                "'immediate', not %(url)s.",
                url=repr(self.url),
            )
        )

    @property
    def where(self) -> str:
        """The queue for messages: its URL without a password, or its SQLite file."""
        if not self.url:
            return self.sqlite_file
        parts = urlsplit(self.url)
        if parts.password:
            host = parts.hostname or ""
            netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
            return urlunsplit(parts._replace(netloc=netloc))
        return self.url


def settings_from(config: Mapping[str, Any]) -> QueueSettings:
    """The queue settings of a configuration as the app factory completed it."""
    return QueueSettings(
        url=str(config.get("QUEUE_URL") or ""),
        name=str(config.get("QUEUE_NAME") or "workbench"),
        sqlite_file=str(config["QUEUE_FILE"]),
        database_url=str(config["DATABASE_URL"]),
        files=FileStore(str(config["JOB_FILES"]), str(config["EXPORT_DIR"])),
    )


class JobQueue:
    """The queue of one application (or worker) and the tasks it knows."""

    def __init__(self, settings: QueueSettings) -> None:
        self.settings = settings
        self.huey = _huey(settings)
        self._export = self.huey.task(name="export")(self._run_export)

    def _run_export(self, job_id: int) -> None:
        runner.run_job(job_id, self.settings.database_url, self.settings.files)

    def export(self, job_id: int) -> None:
        """Queue the export job (its row committed first: the worker reads it)."""
        self._export(job_id)

    def pending(self) -> int:
        """How many messages wait in the queue."""
        return int(self.huey.pending_count())

    def consumer(self, workers: int = 1) -> Consumer:
        """A consumer of this queue with ``workers`` threads (not started)."""
        return _Consumer(
            self.huey, workers=workers, worker_type="thread", max_delay=1.0, periodic=False
        )


class _Consumer(Consumer):  # type: ignore[misc, unused-ignore]
    """Huey's consumer, startable in a thread that is not the main one (no signal handlers)."""

    def _set_signal_handlers(self) -> None:
        if threading.current_thread() is threading.main_thread():
            super()._set_signal_handlers()


def _huey(settings: QueueSettings) -> Huey:
    kind = settings.kind
    if kind == "redis":
        return RedisHuey(settings.name, results=False, url=settings.url)
    if kind == "memory":
        return MemoryHuey(settings.name, results=False)
    if kind == "immediate":
        return MemoryHuey(settings.name, results=False, immediate=True)
    return SqliteHuey(settings.name, results=False, filename=settings.sqlite_file)
