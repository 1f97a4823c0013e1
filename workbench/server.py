"""The production server: gunicorn with the app factory, threads for I/O-bound requests."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from workbench.app import create_app


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


def serve(*, host: str, port: int, workers: int, threads: int) -> None:
    """Run gunicorn in the foreground until interrupted."""
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread" if threads > 1 else "sync",
            "timeout": 120,
            "accesslog": "-",
            "preload_app": False,
        }
    ).run()
