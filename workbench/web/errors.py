"""Errors as pages or htmx fragments with the right status; nothing half-written stays."""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import current_app
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import RequestEntityTooLarge

from workbench.core.errors import DomainError
from workbench.web.htmx import error_response
from workbench.web.unit import abandon


def init_app(app: Flask) -> None:
    """Register one handler per kind of failure a request can meet."""
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(RequestEntityTooLarge, _too_large)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_busy)
    app.register_error_handler(DataError, _data_error)


def _domain_error(exc: DomainError) -> Response:
    abandon()
    return error_response(str(exc), exc.status, details=exc.details)


def _database_busy(exc: OperationalError) -> Response:
    # SQLite answers "database is locked" when another program (a long command-line import)
    # holds the write lock past the busy timeout: say so instead of failing with a 500.
    abandon()
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
    abandon()
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
