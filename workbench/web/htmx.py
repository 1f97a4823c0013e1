"""htmx helpers: a page or its fragment from one view, errors rendered with their status."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask import render_template
from flask import request


def is_htmx() -> bool:
    """Tell whether the request was made by htmx (and wants a fragment)."""
    return request.headers.get("HX-Request") == "true"


def page_or_fragment(page: str, fragment: str, **context: Any) -> Response:
    """Render the whole page for a browser visit, the fragment for htmx; caches keep both apart."""
    html = render_template(fragment if is_htmx() else page, **context)
    response = Response(html, mimetype="text/html")
    response.vary.add("HX-Request")
    return response


def error_response(message: str, status: int, *, details: list[str] | None = None) -> Response:
    """Render an error as a fragment for htmx or as a page, with the given status."""
    template = "_error.html" if is_htmx() else "error.html"
    html = render_template(template, message=message, details=details or [], status=status)
    response = Response(html, status=status, mimetype="text/html")
    response.vary.add("HX-Request")
    return response
