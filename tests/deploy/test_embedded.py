"""The embedded default as real processes: `workbench serve` on SQLite runs jobs with no service.

The server starts its own job worker (a SQLite queue file beside the database), one however many
web workers gunicorn runs; an export started in the browser finishes and downloads. The worker
ends with the server, and also when the server is killed outright.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.deploy.processes import Stack
from tests.deploy.processes import free_ports
from tests.deploy.processes import sign_in
from tests.deploy.processes import wait_up

pytestmark = pytest.mark.deploy


def _children(pid: int) -> set[int]:
    found = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    )
    return {int(p) for p in found.stdout.split()}


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "(Z)" not in _stat(pid)


def _stat(pid: int) -> str:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "(Z)"
    return "(Z)" if text.split(") ", 1)[-1].startswith("Z") else text


@pytest.mark.skipif(
    os.environ.get("WORKBENCH_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="the embedded setup is SQLite's; it runs on the SQLite leg",
)
def test_serve_alone_runs_background_exports(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKBENCH_", "DATABASE_"))}
    env.update(
        WORKBENCH_DATABASE_URL=f"sqlite:///{tmp_path / 'workbench.sqlite3'}",
        WORKBENCH_SECRET_KEY="embedded",
        WORKBENCH_EXPORT_INLINE_ROWS="0",
    )
    stack = Stack(tmp_path, env)
    try:
        demo = stack.run("demo", "--no-serve")
        assert demo.returncode == 0, demo.stderr
        password = re.search(r"^\s+lead\s+lead\s+(\S+)\s*$", demo.stdout, re.M)
        assert password, demo.stdout
        (port,) = free_ports(1)
        base = f"http://127.0.0.1:{port}"
        stack.start("serve", "serve", "--port", str(port), "--workers", "2")
        wait_up(base, stack)
        serve_pid = stack.processes[0][1].pid
        workers = [p for p in _children(serve_pid) if " worker " in _command_line(p)]
        assert len(workers) == 1, [_command_line(p) for p in _children(serve_pid)]

        http = requests.Session()
        token = sign_in(http, base, "lead", password[1])
        with sqlite3.connect(tmp_path / "workbench.sqlite3") as conn:
            (slug,) = conn.execute("SELECT slug FROM project").fetchone()

        def export() -> str:
            started = http.post(
                f"{base}/p/{slug}/export/download",
                data={"format": "json", "bootstrap": "0"},
                headers={"X-CSRFToken": token},
                allow_redirects=False,
            )
            assert started.status_code == 303, started.text[:500]
            job = started.headers["Location"].replace(base, "")
            status, deadline = "", time.monotonic() + 120
            while time.monotonic() < deadline and status not in ("done", "failed"):
                time.sleep(0.5)
                found = re.search(r'data-status="(\w+)"', http.get(f"{base}{job}").text)
                status = found[1] if found else ""
            assert status == "done", stack.logs()
            return job

        job = export()
        data = http.get(f"{base}{job}/file")
        assert data.status_code == 200, data.text[:300]
        lines = [json.loads(line) for line in data.text.splitlines()]  # JSON Lines
        assert lines[0]["format"] == "workbench-export" and len(lines) > 1, data.text[:300]
        assert (tmp_path / "workbench-queue.sqlite3").exists()  # the queue beside the database

        # A worker that dies (killed for its memory, say) is replaced, and jobs run again.
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            workers = [p for p in _children(serve_pid) if " worker " in _command_line(p)]
            if workers and _alive(workers[0]):
                break
            time.sleep(0.2)
        assert len(workers) == 1 and _alive(workers[0]), stack.logs()
        assert export() != job

        # Killed outright, the server leaves no worker behind.
        os.kill(serve_pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _alive(workers[0]):
            time.sleep(0.2)
        assert not _alive(workers[0]), "the job worker outlived its server"
    finally:
        stack.stop()
