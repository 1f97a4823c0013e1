"""Registration: the database, CSRF, sign-in, headers, error pages and one blueprint per area."""

from __future__ import annotations

from flask import Flask

from workbench.web import errors
from workbench.web import headers
from workbench.web import locale
from workbench.web import parsers
from workbench.web import unit
from workbench.web.access import login_manager
from workbench.web.csrf import RememberingCSRFProtect

csrf = RememberingCSRFProtect()


def init_app(app: Flask) -> None:
    """Attach the database, CSRF, sign-in, headers, error handlers and every blueprint."""
    unit.init_app(app)
    # Before any blueprint: every <int:...> in a route takes ASCII digits within the schema's range.
    app.url_map.converters["int"] = parsers.IdConverter
    csrf.init_app(app)
    login_manager.init_app(app)
    app.before_request(parsers.check_request)
    headers.init_app(app)
    locale.init_app(app)
    errors.init_app(app)
    app.jinja_env.globals["static_htmx"] = "htmx-4.0.1.min.js"
    app.jinja_env.globals["zip"] = zip
    app.jinja_env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}
    _register_blueprints(app)


def _register_blueprints(app: Flask) -> None:
    # Imported here: each area's views import the plumbing above, never the other way round.
    from workbench.web import admin
    from workbench.web import agreement
    from workbench.web import analysis
    from workbench.web import auth
    from workbench.web import codebook
    from workbench.web import coding
    from workbench.web import documents
    from workbench.web import exports
    from workbench.web import lifecycle
    from workbench.web import projects
    from workbench.web import quality
    from workbench.web import translations

    for module in (
        auth,
        admin,
        projects,
        documents,
        lifecycle,
        codebook,
        coding,
        agreement,
        analysis,
        exports,
        translations,
        quality,
        locale,
    ):
        app.register_blueprint(module.bp)
