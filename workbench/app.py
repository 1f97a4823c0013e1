"""The application factory: configuration, database, web layer. Wiring only."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from workbench import config as cfg
from workbench.web import registration

TEMPLATES = cfg.shipped_folder("templates")


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the Flask application: configuration, database, blueprints. Wiring only."""
    app = _configured(overrides)
    registration.init_app(app)
    return app


def settings(overrides: dict[str, Any] | None = None) -> Mapping[str, Any]:
    """The configuration create_app would give, without the database or the web layer."""
    # For a command that needs a setting before the app (the import forks its parser first, so
    # the parsing process does not carry the whole web layer).
    return _configured(overrides).config


def _configured(overrides: dict[str, Any] | None) -> Flask:
    app = Flask("workbench", template_folder=str(TEMPLATES), instance_relative_config=True)
    instance = Path(app.instance_path)
    instance_file = instance / "workbench.cfg"
    app.config.update(cfg.DEFAULTS)
    if instance_file.exists():
        app.config.from_pyfile(str(instance_file))
    app.config.update(cfg.env_settings())
    app.config.update(overrides or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = cfg.instance_secret(instance)
    if not app.config.get("DATABASE_URL"):
        instance.mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = cfg.sqlite_url(instance)
    if not app.config.get("JOB_FILES"):
        # A named export folder is the deployment's shared one; else files go to the database.
        app.config["JOB_FILES"] = "directory" if app.config.get("EXPORT_DIR") else "database"
    if not app.config.get("EXPORT_DIR"):
        app.config["EXPORT_DIR"] = str(instance / "exports")
    if not app.config.get("QUEUE_FILE"):
        app.config["QUEUE_FILE"] = cfg.queue_file(app.config["DATABASE_URL"], instance)
    return app
