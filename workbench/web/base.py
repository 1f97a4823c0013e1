"""Request plumbing: one database session per request, one commit, errors as fragments."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, Response, abort, current_app, g, render_template, request
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import bindparam, select
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from workbench.core.errors import DomainError, Forbidden, NotFound
from workbench.db import make_engine, make_sessionmaker, writer, writer_gate
from workbench.models import Membership, Project, User
from workbench.web import headers, parsers

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."

F = TypeVar("F", bound=Callable[..., Any])
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def init_app(app: Flask) -> None:
    """Attach the engine, session factories, CSRF, login and error handlers to the app."""
    engine = make_engine(app.config["DATABASE_URL"], echo=bool(app.config.get("SQL_ECHO")))
    app.extensions["wb_engine"] = engine
    app.extensions["wb_engine_writer"] = writer(engine)
    app.extensions["wb_writer_gate"] = writer_gate(engine)
    app.extensions["wb_read_sessions"] = make_sessionmaker(engine)
    app.extensions["wb_write_sessions"] = make_sessionmaker(writer(engine))
    # Before any blueprint: every <int:...> in a route takes ASCII digits within the schema's range.
    app.url_map.converters["int"] = parsers.IdConverter
    csrf.init_app(app)
    login_manager.init_app(app)
    app.before_request(parsers.check_request)
    headers.init_app(app)
    app.teardown_appcontext(_close_session)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_busy)
    app.register_error_handler(DataError, _data_error)
    app.jinja_env.globals["static_htmx"] = "htmx-4.0.1.min.js"
    app.jinja_env.globals["zip"] = zip
    app.jinja_env.globals["has_endpoint"] = lambda name: name in app.view_functions
    app.jinja_env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": False}


def register_blueprints(app: Flask) -> None:
    """Register one blueprint per area."""
    from workbench.web import (
        admin,
        agreement,
        auth,
        codebook,
        coding,
        documents,
        exports,
        lifecycle,
        projects,
    )

    for module in (
        auth,
        admin,
        projects,
        documents,
        lifecycle,
        codebook,
        coding,
        agreement,
        exports,
    ):
        app.register_blueprint(module.bp)


def db() -> Session:
    """Return this request's session (reads run in ordinary deferred transactions)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["wb_read_sessions"]()
    return cast(Session, g.db_session)


def begin_write() -> None:
    """Start the request's unit of work; on SQLite it takes the writer lock (BEGIN IMMEDIATE).

    What the request read so far (the user, the project, the role) was read in a deferred
    transaction; ending it here keeps those objects (no expiry on commit) and the next
    transaction starts on the writer bind. So the lock is held only for the use case itself,
    not for authentication or rendering, and a read never has to upgrade to a write.
    """
    session = db()
    gate = current_app.extensions["wb_writer_gate"]
    if gate is None:
        return  # PostgreSQL locks rows: the request goes on in the transaction it has.
    if session.in_transaction():
        session.commit()
    if not g.get("wb_gate_held"):
        gate.acquire()
        g.wb_gate_held = True
    session.bind = current_app.extensions["wb_engine_writer"]


def commit() -> None:
    """Commit the request's unit of work (called once by a mutating view); reads go on after."""
    session = db()
    try:
        session.commit()
    finally:
        _release_gate()
    session.bind = current_app.extensions["wb_engine"]


def _release_gate() -> None:
    if g.pop("wb_gate_held", False):
        current_app.extensions["wb_writer_gate"].release()


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()
    _release_gate()


_SESSION_ID = re.compile(r"([0-9]{1,10}):([0-9]{1,10})")


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    # The session keeps "id:generation"; a cookie from before the account's sessions were ended
    # (sign-out, password change or reset, deactivation) carries an old generation and is refused.
    match = _SESSION_ID.fullmatch(user_id or "")
    if match is None or int(match[1]) > parsers.INT_MAX:
        return None
    user = db().get(User, int(match[1]))
    if user is None or not user.active or user.session_generation != int(match[2]):
        return None
    return user


def is_htmx() -> bool:
    """Tell whether the request was made by htmx (and wants a fragment)."""
    return request.headers.get("HX-Request") == "true"


def error_response(message: str, status: int, *, details: list[str] | None = None) -> Response:
    """Render an error as a fragment for htmx or as a page, with the given status."""
    template = "_error.html" if is_htmx() else "error.html"
    html = render_template(template, message=message, details=details or [], status=status)
    return Response(html, status=status, mimetype="text/html")


def _abandon_unit() -> None:
    # An error ends the unit of work: nothing half-written stays, the writer turn is given back.
    session = db()
    session.rollback()
    _release_gate()
    session.bind = current_app.extensions["wb_engine"]


def _domain_error(exc: DomainError) -> Response:
    _abandon_unit()
    return error_response(str(exc), exc.status, details=exc.details)


def _database_busy(exc: OperationalError) -> Response:
    # SQLite answers "database is locked" when another program (a long command-line import)
    # holds the write lock past the busy timeout: say so instead of failing with a 500.
    _abandon_unit()
    if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
        raise exc
    return error_response(
        "The database is busy with another long task (such as a large import). "
        "Nothing was changed; try again in a moment.",
        503,
    )


def _data_error(exc: DataError) -> Response:
    # A last line behind the parsers: a value the database refuses (out of range, a NUL) is the
    # request's fault, so it gets a 422 and nothing is written, never a 500.
    _abandon_unit()
    return error_response(
        "A value in the request cannot be stored (out of range or malformed).", 422
    )


def _csrf_error(exc: CSRFError) -> Response:
    return error_response(
        "This form has expired or did not come from the workbench (missing CSRF token). "
        "Reload the page and try again.",
        400,
    )


def _too_large(_exc: RequestEntityTooLarge) -> Response:
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    return error_response(f"The upload is larger than the limit of {limit} MB.", 413)


def _http_error(exc: HTTPException) -> Response:
    return error_response(exc.description or exc.name, exc.code or 500)


# Prebuilt: every project request runs it, and building a select costs more than running it.
_PROJECT_AND_ROLE = (
    select(Project, Membership.role)
    .outerjoin(
        Membership,
        (Membership.project_id == Project.id) & (Membership.user_id == bindparam("user")),
    )
    .where(Project.slug == bindparam("slug"))
)


def current_project(slug: str, *, begin: bool = True) -> tuple[Project, str]:
    """Load a project by slug and the user's role in it (admins act as leads).

    Every project view calls this first; for a writing request (POST and the like) the unit of
    work begins right after it, so the views need no extra call. A view with slow work to do
    before writing (parsing an upload) passes begin=False and calls begin_write() itself.
    """
    user = me()
    row = db().execute(_PROJECT_AND_ROLE, {"slug": slug, "user": user.id}).tuples().first()
    if row is None:
        raise NotFound(f"No project called '{slug}'.")
    project, role = row
    if role is None:
        if not user.is_admin:
            raise Forbidden("You are not a member of this project.")
        role = "lead"
    if begin and request.method not in SAFE_METHODS:
        begin_write()
    return project, str(role)


def me() -> User:
    """Return the signed-in user itself, not the proxy (cheaper where it is used in loops)."""
    return cast(User, current_user._get_current_object())


def lead_only(role: str) -> None:
    """Refuse the request unless the user leads the project."""
    if role != "lead":
        raise Forbidden("Only a project lead can do this.")


def htmx_or_404(view: F) -> F:
    """Mark a view as fragment-only; a plain browser visit gets 404."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not is_htmx():
            abort(404)
        return view(*args, **kwargs)

    return cast(F, wrapper)
