"""The Analysis page (everyone): frequencies, co-occurrence and coded-segment retrieval.

Each view parses the request, makes one call into ``analysis.pages`` and renders the result.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint
from flask import Response
from flask import render_template
from flask import request

from workbench.analysis import pages
from workbench.analysis.segments import SegmentFilters
from workbench.core import limits
from workbench.core.i18n import _
from workbench.web.access import current_project
from workbench.web.access import me
from workbench.web.htmx import is_htmx
from workbench.web.parsers import arg_int
from workbench.web.parsers import text
from workbench.web.routes import route
from workbench.web.unit import database
from workbench.web.unit import db

bp = Blueprint("analysis", __name__)


def _query() -> pages.AnalysisQuery:
    args = request.args
    return pages.AnalysisQuery(
        layer=args.get("layer") or None,
        document=arg_int("document"),
        date_from=(args.get("date_from") or "").strip(),
        date_to=(args.get("date_to") or "").strip(),
        page=max(1, arg_int("page") or 1),
        dimension=args.get("dimension") or "document",
        filters=_filters(),
    )


def _filters() -> SegmentFilters:
    args = request.args
    return SegmentFilters(
        code_id=arg_int("code"),
        delegation=args.get("delegation", ""),
        speaker=args.get("speaker", ""),
        language=args.get("language", ""),
        q=text(args.get("q"), _("The search"), max_chars=limits.SEARCH),
        stance=arg_int("stance"),
    )


@route(bp, "/p/<slug>/analysis", endpoint="analysis")
def analysis_page(slug: str) -> str:
    """Frequencies (tables and charts), co-occurrence heatmap and coded-segment retrieval."""
    project, role = current_project(slug)
    page = pages.analysis_page(db(), project, me(), role, _query())
    return render_template("analysis/index.html", **vars(page), args=request.args)


@route(bp, "/p/<slug>/analysis/segments")
def segments(slug: str) -> str:
    """The coded-segment list for the filters (a fragment for htmx)."""
    project, role = current_project(slug)
    listed = pages.segment_list(db(), project, me(), role, _query())
    template = "analysis/_segments.html" if is_htmx() else "analysis/segments_page.html"
    return render_template(template, **vars(listed), args=request.args)


@route(bp, "/p/<slug>/analysis/segments.csv")
def segments_csv(slug: str) -> Response:
    """Every matching segment as CSV (UTF-8 with BOM, formula-guarded)."""
    project, role = current_project(slug)
    download = pages.segments_download(db(), database().reading, project, me(), role, _query())
    disposition = f"attachment; filename*=UTF-8''{quote(download.filename, safe='')}"
    return Response(
        download.lines,
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )
