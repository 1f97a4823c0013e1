"""The Analysis page (everyone): frequencies, co-occurrence and coded-segment retrieval."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_login import login_required
from sqlalchemy import select

from workbench.analysis import queries as analysis
from workbench.core import limits
from workbench.core.errors import ValidationError
from workbench.formats.cells import safe_csv
from workbench.formats.scope import ExportScope
from workbench.models import Document, Project
from workbench.web.access import current_project, me
from workbench.web.htmx import is_htmx
from workbench.web.parsers import arg_int, text
from workbench.web.unit import database, db

bp = Blueprint("analysis", __name__)


def _analysis_scope(project: Project, role: str) -> ExportScope:
    layer = analysis.resolve_layer(db(), project, me(), role, request.args.get("layer") or None)
    document = arg_int("document")
    try:
        return ExportScope(
            document_ids=(document,) if document else (),
            date_from=(request.args.get("date_from") or "").strip(),
            date_to=(request.args.get("date_to") or "").strip(),
            layer=layer,
        )
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def _segment_filters() -> analysis.SegmentFilters:
    return analysis.SegmentFilters(
        code_id=arg_int("code"),
        delegation=request.args.get("delegation", ""),
        speaker=request.args.get("speaker", ""),
        language=request.args.get("language", ""),
        q=text(request.args.get("q"), "The search", max_chars=limits.SEARCH),
        stance=arg_int("stance"),
    )


@bp.route("/p/<slug>/analysis", endpoint="analysis")
@login_required
def analysis_page(slug: str) -> str:
    """Frequencies (tables and charts), co-occurrence heatmap and coded-segment retrieval."""
    project, role = current_project(slug)
    session = db()
    scope = _analysis_scope(project, role)
    dimension = request.args.get("dimension") or "document"
    if dimension not in analysis.DIMENSIONS:
        raise ValidationError(f"Unknown dimension '{dimension}'.")
    tables = analysis.frequency_tables(session, project, scope, [None, dimension])
    codes, matrix = analysis.cooccurrence(session, project, scope)
    f = _segment_filters()
    found, total = (
        analysis.segments(session, project, scope, f, page=max(1, arg_int("page") or 1))
        if f.code_id is not None
        else ([], 0)
    )
    return render_template(
        "analysis/index.html",
        project=project,
        role=role,
        scope=scope,
        layer=str(scope.layer),
        layer_label=analysis.layer_label(session, project, me(), role, str(scope.layer)),
        layers=analysis.visible_layers(session, project, me(), role),
        dimension=dimension,
        dimensions=analysis.DIMENSIONS,
        overall=tables[None],
        by_value=tables[dimension],
        codes=codes,
        matrix=matrix,
        matrix_max=max(matrix.values(), default=0),
        documents=session.execute(
            select(Document.id, Document.title)
            .where(Document.project_id == project.id)
            .order_by(Document.title)
        ).all(),
        choices=analysis.filter_choices(session, project),
        filters=f,
        segments=found,
        segment_total=total,
        page=max(1, arg_int("page") or 1),
        per_page=analysis.PAGE,
        scale=[(s["value"], s["label"]) for s in project.stance_scale],
        args=request.args,
    )


@bp.route("/p/<slug>/analysis/segments")
@login_required
def segments(slug: str) -> str:
    """The coded-segment list for the filters (a fragment for htmx)."""
    project, role = current_project(slug)
    scope = _analysis_scope(project, role)
    f = _segment_filters()
    page = max(1, arg_int("page") or 1)
    found, total = (
        analysis.segments(db(), project, scope, f, page=page) if f.code_id is not None else ([], 0)
    )
    return render_template(
        "analysis/_segments.html" if is_htmx() else "analysis/segments_page.html",
        project=project,
        role=role,
        layer=str(scope.layer),
        layer_label=analysis.layer_label(db(), project, me(), role, str(scope.layer)),
        filters=f,
        segments=found,
        segment_total=total,
        page=page,
        per_page=analysis.PAGE,
        args=request.args,
    )


SEGMENT_COLUMNS = (
    "document", "passage_ordinal", "passage_id", "speaker", "delegation", "language",
    "codings", "text", "previous_passage", "next_passage",
)  # fmt: skip


@bp.route("/p/<slug>/analysis/segments.csv")
@login_required
def segments_csv(slug: str) -> Response:
    """Every matching segment as CSV (UTF-8 with BOM, formula-guarded)."""
    project, role = current_project(slug)
    scope = _analysis_scope(project, role)
    f = _segment_filters()
    if f.code_id is None:
        raise ValidationError("Choose a code.")
    code = analysis.code_by_id(db(), project, f.code_id)
    source = database()
    project_id = project.id

    def rows() -> Iterator[str]:
        # The response streams after the view returned: use a session of its own.
        with source.reading() as session:
            here = session.get(Project, project_id)
            assert here is not None
            yield from _segment_lines(session, here, scope, f)

    name = f"{project.slug}-segments-{code.name[:40]}.csv".replace(" ", "_")
    return Response(
        rows(),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{_quote(name)}"},
    )


def _segment_lines(
    session: Any, project: Project, scope: ExportScope, f: analysis.SegmentFilters
) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(SEGMENT_COLUMNS)
    for seg in analysis.iter_segments(session, project, scope, f):
        p = seg.passage
        codings = "; ".join(
            f"{c['coder']}: {c['code']}"
            + (f" ({c['stance']:+d})" if c["stance"] is not None else "")
            for c in seg.codings
        )
        values = (seg.document_title, p.ordinal + 1, p.id, p.speaker, p.delegation, p.language,
                  codings, p.text, seg.before, seg.after)  # fmt: skip
        writer.writerow(safe_csv(v) for v in values)
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
