"""workbench.core.agreement is pure: numpy, the standard library and the core's message function
(itself standard library only), no web or database."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "workbench" / "core" / "agreement"
FORBIDDEN = ("flask", "sqlalchemy", "scipy", "pandas", "werkzeug", "alembic", "psycopg")

# workbench/__init__.py builds the Flask app, so importing workbench.core.agreement normally would
# load Flask through the parent package. The probe installs a bare parent package first, so
# what it sees loaded is exactly what workbench.core.agreement itself pulls in.
PROBE = """
import json, sys, types
parent = types.ModuleType("workbench")
parent.__path__ = [sys.argv[1]]
sys.modules["workbench"] = parent
import workbench.core.agreement
print(json.dumps(sorted(sys.modules)))
"""


def test_importing_agreement_loads_no_web_or_database_module() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(PACKAGE.parents[1])],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(out.stdout)
    assert "workbench.core.agreement" in loaded
    assert not [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    others = [m for m in loaded if m.startswith("workbench.") and "agreement" not in m]
    # The message function of the pure core (standard library only) translates input errors.
    others = [m for m in others if m not in {"workbench.core", "workbench.core.i18n"}]
    assert others == []


def test_agreement_sources_import_only_numpy_stdlib_and_themselves() -> None:
    allowed_roots = set(sys.stdlib_module_names) | {"numpy", "__future__"}
    for source in PACKAGE.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                pure = name.startswith("workbench.core.agreement") or name == "workbench.core.i18n"
                ok = name.split(".")[0] in allowed_roots or pure
                assert ok, f"{source.name} imports {name}"
