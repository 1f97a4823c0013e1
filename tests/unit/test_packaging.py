"""The package list in pyproject.toml is whole: every code package, plus the mapped folders."""

from __future__ import annotations

import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]


def test_every_code_package_is_listed() -> None:
    mapped = set(CONFIG["package-dir"])
    listed = set(CONFIG["packages"]) - mapped
    assert listed == set(find_packages(str(ROOT), include=["workbench*"]))


def test_templates_and_seeds_are_mapped_into_the_package() -> None:
    assert CONFIG["package-dir"] == {"workbench.templates": "templates", "workbench.seeds": "seeds"}
    assert {"workbench.templates", "workbench.seeds"} <= set(CONFIG["packages"])


def test_every_template_and_seed_is_package_data() -> None:
    data = CONFIG["package-data"]
    templates = {p.suffix for p in (ROOT / "templates").rglob("*") if p.is_file()}
    assert templates == {".html"} and data["workbench.templates"] == ["**/*.html"]
    seeds = sorted(p.name for p in (ROOT / "seeds").iterdir())
    assert all(name == "manifest.json" or name.endswith(".txt") for name in seeds)
