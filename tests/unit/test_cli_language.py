"""The command line speaks the language the user's system asks for: help texts and messages.

Help texts are read when the command modules are imported, so they are checked in a fresh
process; messages follow the language of each run.
"""

from __future__ import annotations

import os
import subprocess
import sys

from click.testing import CliRunner

from workbench.cli import main
from workbench.core.i18n import _


def _help(language: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"WORKBENCH_LANG", "LC_ALL", "LANG"}}
    if language:
        env["WORKBENCH_LANG"] = language
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "--help"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_help_is_chinese_when_asked_for_and_english_by_default() -> None:
    chinese, english = _help("zh_Hans"), _help(None)
    assert "团队编码" in chinese and "Manage accounts." not in chinese
    assert "管理账户。" in chinese  # a subcommand's short help, read at import
    assert "Manage accounts." in english and "管理账户" not in english


def test_the_system_language_chooses_when_workbench_lang_is_unset() -> None:
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_LANG"}
    env["LANG"] = "zh_CN.UTF-8"
    done = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "user", "--help"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "管理账户。" in done.stdout


def test_an_error_message_follows_the_language_of_the_run() -> None:
    runner = CliRunner()
    chinese = runner.invoke(main, ["agreement"], env={"WORKBENCH_LANG": "zh_Hans"})
    assert chinese.exit_code == 2
    assert "--project、--matrix 或 --long" in chinese.output
    english = runner.invoke(main, ["agreement"], env={"WORKBENCH_LANG": "en"})
    assert english.exit_code == 2
    assert "Give exactly one of --project, --matrix or --long." in english.output
    # The run's language does not stay behind for the next caller in this process.
    runner.invoke(main, ["agreement"], env={"WORKBENCH_LANG": "zh_Hans"})
    assert _("Database is up to date.") == "Database is up to date."
