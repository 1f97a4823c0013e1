"""The house plan holds itself: import contracts, and no view or command ends a transaction.

The import contracts live in pyproject.toml ([tool.importlinter]) and are checked by import-linter
on the real package. The transaction rule is checked here on the syntax tree: only the unit of
work (workbench/unit_of_work.py) and the web's declaration of it (workbench/web/unit.py) commit,
roll back or begin a write; nobody rebinds a session at run time. Each check is also run on a
copy of the package with a violation planted, to show that it can fail.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "workbench"
# The only modules allowed to end a transaction or take the writer turn; migrate.py runs schema
# migrations, each in a transaction of Alembic's. A savepoint (begin_nested) inside a use case
# stays within the unit of work and is allowed anywhere.
UNIT_OF_WORK = {"unit_of_work.py", "web/unit.py", "migrate.py"}
TRANSACTION_CALLS = {"commit", "rollback", "begin_write", "begin"}
LINT = "from importlinter.cli import lint_imports_command as c; c()"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter with the contracts of pyproject.toml on the package found under root."""
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run(
        [sys.executable, "-c", LINT, "--no-cache", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )


def transaction_breaches(package: Path) -> list[str]:
    """Every commit/rollback/begin call outside the unit of work, and every session rebinding."""
    found = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        if relative.startswith("migrations/"):
            continue  # Alembic runs each migration in its own transaction.
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in TRANSACTION_CALLS
                and relative not in UNIT_OF_WORK
            ):
                found.append(f"{relative}:{node.lineno} calls .{node.func.attr}()")
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr == "bind" for t in node.targets
            ):
                found.append(f"{relative}:{node.lineno} rebinds a session")
    return found


def test_import_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_only_the_unit_of_work_ends_transactions() -> None:
    assert transaction_breaches(PACKAGE) == []


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    """A throwaway copy of the package and its contracts, to plant violations in."""
    shutil.copytree(PACKAGE, tmp_path / "workbench", ignore=shutil.ignore_patterns("static"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _plant(root: Path, module: str, line: str) -> None:
    path = root / "workbench" / module
    path.write_text(path.read_text("utf-8") + "\n" + line + "\n", "utf-8")


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("core/limits.py", "import flask", "The pure core"),
        ("core/codebook.py", "import sqlalchemy", "The pure core"),
        ("formats/cells.py", "from workbench.interchange import exports", "File formats"),
        ("coding/progress.py", "from flask import request", "Areas know nothing of the web"),
        ("accounts/audit.py", "from workbench.coding import actions", "Delivery over areas"),
        ("models/codes.py", "from workbench.web import unit", "Delivery over areas"),
    ],
)
def test_import_contracts_can_fail(copy: Path, module: str, line: str, contract: str) -> None:
    _plant(copy, module, line)
    result = lint_imports(copy)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken.replace("\n", " "), result.stdout


def test_transaction_check_can_fail(copy: Path) -> None:
    _plant(copy, "web/coding.py", "def _sneak():\n    db().commit()")
    cli = "cli.py" if (copy / "workbench/cli.py").exists() else "cli/__init__.py"
    _plant(copy, cli, "x.rollback()")
    _plant(copy, "coding/actions.py", "def _rebind(session, engine):\n    session.bind = engine")
    found = transaction_breaches(copy / "workbench")
    assert any(f.startswith("web/coding.py") and ".commit()" in f for f in found)
    assert any(f.startswith("cli") and ".rollback()" in f for f in found)
    assert any(f.startswith("coding/actions.py") and "rebinds" in f for f in found)
