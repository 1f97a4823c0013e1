"""The background runner starts the module it names, and that module runs as ``python -m``."""

from __future__ import annotations

import subprocess
import sys

from workbench.jobs import runner


def test_the_launched_module_is_the_runner_itself() -> None:
    assert runner.MODULE == runner.__name__ == "workbench.jobs.runner"


def test_the_runner_module_runs_with_python_m() -> None:
    done = subprocess.run(
        [sys.executable, "-m", runner.MODULE, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "job_id" in done.stdout and "--dir" in done.stdout
