"""Pure modules import neither Flask nor the database layer (checked in a clean interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PURE = ["workbench.core.corpus", "workbench.core.agreement", "workbench.core.codebook"]
NO_FLASK = [
    "workbench.formats.cells",
    "workbench.formats.qdc",
    "workbench.formats.codebook_xlsx",
    "workbench.formats.xmlsafe",
]


def _loaded(module: str) -> set[str]:
    code = (
        f"import importlib, json, sys; importlib.import_module({module!r}); "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_stay_pure(module: str) -> None:
    loaded = _loaded(module)
    assert not loaded & {"flask", "sqlalchemy", "werkzeug", "psycopg", "sqlite3"}, module


@pytest.mark.parametrize("module", NO_FLASK)
def test_exporting_modules_need_no_flask(module: str) -> None:
    assert "flask" not in _loaded(module), module


def test_the_check_can_fail() -> None:
    assert "flask" in _loaded("workbench.web.registration")
