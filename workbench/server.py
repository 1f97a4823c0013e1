"""The production server: gunicorn with the app factory, threads for I/O-bound requests."""

from __future__ import annotations

import gc
from typing import Any

from gunicorn.app.base import BaseApplication

from workbench.app import create_app

# The cyclic collector's thresholds in a worker. The first generation is collected every 50,000
# net allocations instead of every 700: a coding action allocates thousands of short-lived
# objects that reference counting frees anyway, and opening a heavily coded document otherwise
# triggered a collection of the older generations every other request.
GC_THRESHOLDS = (50_000, 20, 20)


def settle_heap(_worker: Any = None) -> None:
    """Freeze the loaded application's objects out of the collector's reach (gunicorn hook).

    Everything alive once the app is loaded (modules, templates, SQLAlchemy's mappers and
    compiled statements) lives as long as the worker; frozen, a full collection no longer walks
    it, which took 55-70 ms a time on a worker serving large documents.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


# gunicorn ships no type hints: its base class is Any to mypy (an error under --strict only).
class _Gunicorn(BaseApplication):  # type: ignore[misc, unused-ignore]
    """gunicorn's application, configured from a dict and serving the app factory's app."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return create_app()


def worker_class(threads: int) -> str:
    """gunicorn's worker class: synchronous, or threaded when a worker runs several threads."""
    return "gthread" if threads > 1 else "sync"


def serve(*, host: str, port: int, workers: int, threads: int) -> None:
    """Run gunicorn in the foreground until interrupted."""
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": worker_class(threads),
            "timeout": 120,
            "accesslog": "-",
            "preload_app": False,
            "post_worker_init": settle_heap,
        }
    ).run()
