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
from workbench.core.i18n import N_
from workbench.core.i18n import _
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
        _(
            "The database is busy with another long task (such as a large import). "
            "Nothing was changed; try again in a moment."
        ),
        503,
    )


def _data_error(exc: DataError) -> Response:
    # A last line behind the parsers: a value the database refuses (out of range, a NUL) is the
    # request's fault, so it gets a 422 and nothing is written, never a 500.
    abandon()
    return error_response(
        _("A value in the request cannot be stored (out of range or malformed)."), 422
    )


def _csrf_error(exc: CSRFError) -> Response:
    return error_response(
        _(
            "This form has expired or did not come from the workbench (missing CSRF token). "
            "Reload the page and try again."
        ),
        400,
    )


def _too_large(_exc: RequestEntityTooLarge) -> Response:
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    return error_response(
        _("The upload is larger than the limit of %(limit)s MB.", limit=limit), 413
    )


# What the common HTTP errors say, in the reader's language (the toolkit's own texts are English).
_HTTP_MESSAGES = {
    400: N_("The request was not understood."),
    401: N_("Please sign in to continue."),
    403: N_("You are not allowed to do this."),
    404: N_("There is no such page. Check the address, or go back and follow a link."),
    405: N_("This address does not accept that kind of request."),
    429: N_("Too many requests: wait a moment and try again."),
    500: N_("Something went wrong on the server. Nothing was changed; try again."),
}


def _http_error(exc: HTTPException) -> Response:
    code = exc.code or 500
    # A description a view gave on purpose is kept; the toolkit's default one is replaced.
    default = type(exc).description
    if code in _HTTP_MESSAGES and (not exc.description or exc.description == default):
        return error_response(_(_HTTP_MESSAGES[code]), code)
    return error_response(exc.description or exc.name, code)
