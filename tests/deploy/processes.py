"""Helpers of the deployment tests: free ports, processes with logs, signing in over HTTP."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

PORTS = range(18300, 18400)
READY_SECONDS = 90


def missing(reason: str) -> None:
    """Skip for a missing service, but fail under CI, where every service must be there."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def free_ports(count: int) -> list[int]:
    """Ports of the range that nothing listens on now."""
    found: list[int] = []
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    pytest.fail(f"no {count} free ports in {PORTS}")


class Stack:
    """The processes of the deployment and their logs; every one is stopped at the end."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root, self.env = root, env
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run a `workbench` command to its end."""
        return subprocess.run(
            [sys.executable, "-m", "workbench.cli", *args],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> None:
        """Start a long-running `workbench` command in a process group of its own."""
        log = open(self.root / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "workbench.cli", *args],
            env={**self.env, **(env or {})},
            cwd=self.root,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.processes.append((name, process))

    def logs(self) -> str:
        """The tail of every process's log, for a failure message."""
        parts = []
        for name, process in self.processes:
            tail = (self.root / f"{name}.log").read_text(errors="replace")[-3000:]
            parts.append(f"--- {name} (exit {process.poll()}):\n{tail}")
        return "\n".join(parts)

    def stop(self) -> None:
        """Stop every process (its whole group: gunicorn's workers too)."""
        for _, process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, 2)  # SIGINT: gunicorn and the worker stop gracefully
        deadline = time.monotonic() + 30
        for _, process in self.processes:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()


def wait_up(base: str, stack: Stack) -> None:
    """Wait until the server answers its sign-in page (fail with the logs if it never does)."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/login", timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            # A server whose socket is open may still be loading the application in its
            # workers: a slow first answer means "not up yet", not "down".
            pass
        time.sleep(0.3)
    pytest.fail(f"{base} did not come up\n{stack.logs()}")


def sign_in(http: requests.Session, base: str, username: str, password: str) -> str:
    """Sign in through the form; the CSRF token the pages give htmx requests."""
    page = http.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, page[:500]
    done = http.post(
        f"{base}/login",
        data={"username": username, "password": password, "csrf_token": token[1]},
    )
    assert done.status_code == 200 and "/login" not in done.url, done.text[:500]
    home = http.get(f"{base}/").text
    header = re.search(r'"X-CSRFToken": "([^"]+)"', home)
    assert header, home[:500]
    return header[1]
