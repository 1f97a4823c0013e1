"""The production server: gunicorn with the app factory, threads for I/O-bound requests.

On one machine (no WORKBENCH_QUEUE_URL) the server also starts the job queue's worker as a
child process of its own (``workbench worker``), one however many web workers gunicorn runs, so
the embedded setup needs no service beyond itself. The child ends with the server, and is started
again should it end while the server runs; should the server be killed outright, the worker
notices its parent is gone and stops too.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import subprocess
import sys
import threading
from typing import Any

from gunicorn.app.base import BaseApplication

from workbench.app import create_app

# The cyclic collector's thresholds in a worker. The first generation is collected every 50,000
# net allocations instead of every 700: a coding action allocates thousands of short-lived
# objects that reference counting frees anyway, and opening a heavily coded document otherwise
# triggered a collection of the older generations every other request.
GC_THRESHOLDS = (50_000, 20, 20)
# How often the server looks whether its embedded job worker is still there, in seconds.
RESTART_CHECK = 2.0
log = logging.getLogger(__name__)


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


def serve(*, host: str, port: int, workers: int, threads: int, job_threads: int = 0) -> None:
    """Run gunicorn in the foreground until interrupted (and a job worker when asked)."""
    worker = JobWorker(job_threads) if job_threads > 0 else None
    try:
        _run_gunicorn(host=host, port=port, workers=workers, threads=threads)
    finally:
        if worker is not None:
            worker.stop()


class JobWorker:
    """The embedded job worker, started again whenever it ends while the server runs.

    A worker that died (killed for its memory by a large export, say) would otherwise leave
    every later job waiting for an hour and then failing as "no worker took it up". It runs in
    a session of its own, so that a Ctrl-C meant for the server does not end it first (and get
    it restarted): the server stops it, gracefully, once gunicorn has stopped.
    """

    def __init__(self, threads: int, check_every: float = RESTART_CHECK) -> None:
        self._threads = threads
        self._check_every = check_every
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.process = _start_worker(threads)
        self.restarts = 0
        self._watch = threading.Thread(target=self._watching, name="job-worker-watch", daemon=True)
        self._watch.start()

    def _watching(self) -> None:
        while not self._stopping.wait(self._check_every):
            with self._lock:
                # poll() says so even when gunicorn's arbiter, which waits for any child of
                # the process, collected the exit first.
                if self._stopping.is_set() or self.process.poll() is None:
                    continue
                log.warning("The job worker (pid %s) ended; starting another.", self.process.pid)
                self.process = _start_worker(self._threads)
                self.restarts += 1

    def stop(self) -> None:
        """Stop watching, then stop the worker gracefully (running jobs finish first)."""
        self._stopping.set()
        with self._lock:
            _stop_worker(self.process)
        self._watch.join(timeout=5)


def _start_worker(job_threads: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "workbench.cli", "worker", "--threads", str(job_threads)]
    # The schema was checked by `serve` a moment ago; the worker must not upgrade it again.
    command += ["--parent-pid", str(os.getpid()), "--no-migrate"]
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, start_new_session=True)


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGINT)  # graceful: running jobs finish first
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _run_gunicorn(*, host: str, port: int, workers: int, threads: int) -> None:
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
