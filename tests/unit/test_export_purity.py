"""The file-format modules of workbench.formats load neither Flask nor the database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "workbench"
# Every module of the package: a new format module is checked without being listed here.
PURE = tuple(sorted(p.stem for p in (PACKAGE / "formats").glob("*.py") if p.stem != "__init__"))
PROBE = """
import json, sys, types
parent = types.ModuleType("workbench")
parent.__path__ = [sys.argv[1]]
parent.__version__ = "test"
sys.modules["workbench"] = parent
import importlib
for name in sys.argv[2:]:
    importlib.import_module("workbench.formats." + name)
print(json.dumps(sorted(sys.modules)))
"""


def test_pure_exporting_modules_import_no_web_or_database_code() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(PACKAGE), *PURE],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(out.stdout)
    assert not [
        m for m in loaded if m.split(".")[0] in ("flask", "sqlalchemy", "werkzeug", "psycopg")
    ]
    # Only file formats and the pure core: never an area, the models, the database or the web.
    assert not [
        m
        for m in loaded
        if m.startswith("workbench.") and not m.startswith(("workbench.formats", "workbench.core"))
    ]
    assert set(PURE) >= {"detect", "qdc", "qdc_codes", "csv_export_read", "times"}
