"""Read models of the Analysis page: frequencies, co-occurrence and coded segments, blind-aware.

The web layer parses the request into an ``AnalysisQuery`` (with the segment filters), makes one
call here and renders the result.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.analysis import frequencies
from workbench.analysis import layers
from workbench.analysis import segments
from workbench.analysis.frequencies import FrequencyTable
from workbench.analysis.keywords import KeywordCount
from workbench.analysis.keywords import keyword_counts
from workbench.analysis.layers import CodableCode
from workbench.analysis.segments import Segment
from workbench.analysis.segments import SegmentFilters
from workbench.core import charts
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.formats.scope import ExportScope
from workbench.models import Document
from workbench.models import Project
from workbench.models import User


@dataclass(frozen=True)
class AnalysisQuery:
    """What the page is asked to show: a layer, a document, a date range, a dimension to break
    frequencies down by, and the segment filters with a page of segments."""

    layer: str | None = None
    document: int | None = None
    date_from: str = ""
    date_to: str = ""
    page: int = 1
    dimension: str = "document"
    filters: SegmentFilters = field(default_factory=SegmentFilters)


def scope_of(
    session: Session, project: Project, user: User, role: str, query: AnalysisQuery
) -> ExportScope:
    """The analysis scope the query asks for, with the layer checked against what the user sees."""
    layer = layers.resolve_layer(session, project, user, role, query.layer)
    try:
        return ExportScope(
            document_ids=(query.document,) if query.document else (),
            date_from=query.date_from,
            date_to=query.date_to,
            layer=layer,
        )
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def document_choices(session: Session, project: Project) -> list[tuple[int, str]]:
    """(id, title) of every document of the project, by title, for the document filter."""
    rows = session.execute(
        select(Document.id, Document.title)
        .where(Document.project_id == project.id)
        .order_by(Document.title)
    )
    return [(int(i), str(t)) for i, t in rows]


@dataclass(frozen=True)
class SegmentList:
    """One page of coded segments for the filters (none until a code is chosen)."""

    project: Project
    role: str
    layer: str
    layer_label: str
    filters: SegmentFilters
    segments: list[Segment]
    segment_total: int
    page: int
    per_page: int


def segment_list(
    session: Session, project: Project, user: User, role: str, query: AnalysisQuery
) -> SegmentList:
    """The coded-segment list (the page's fragment and the segments page)."""
    scope = scope_of(session, project, user, role, query)
    return _segment_list(session, project, user, role, scope, query)


def _segment_list(
    session: Session, project: Project, user: User, role: str, scope: ExportScope, q: AnalysisQuery
) -> SegmentList:
    filters, page = q.filters, q.page
    found, total = (
        segments.segments(session, project, scope, filters, page=page)
        if filters.code_id is not None
        else ([], 0)
    )
    return SegmentList(
        project=project,
        role=role,
        layer=str(scope.layer),
        layer_label=layers.layer_label(session, project, user, role, str(scope.layer)),
        filters=filters,
        segments=found,
        segment_total=total,
        page=page,
        per_page=segments.PAGE,
    )


@dataclass(frozen=True)
class AnalysisPage(SegmentList):
    """Frequencies (tables and charts), the co-occurrence heatmap and the coded segments."""

    scope: ExportScope
    layers: list[tuple[str, str]]
    dimension: str
    dimensions: dict[str, str]
    overall: FrequencyTable
    by_value: FrequencyTable
    codes: list[CodableCode]
    matrix: dict[tuple[int, int], int]
    matrix_max: int
    documents: list[tuple[int, str]]
    choices: dict[str, list[str]]
    scale: list[tuple[Any, Any]]
    bars: charts.BarChart
    stacks: list[tuple[str, list[charts.Stack]]]
    grid: charts.Grid
    keywords: list[KeywordCount]


def analysis_page(
    session: Session, project: Project, user: User, role: str, query: AnalysisQuery
) -> AnalysisPage:
    """The Analysis page for a layer, a dimension and the segment filters."""
    scope = scope_of(session, project, user, role, query)
    dimension = query.dimension
    if dimension not in frequencies.DIMENSIONS:
        raise ValidationError(_("Unknown dimension “%(dimension)s”.", dimension=dimension))
    tables = frequencies.frequency_tables(session, project, scope, [None, dimension])
    codes, matrix = frequencies.cooccurrence(session, project, scope)
    return AnalysisPage(
        **vars(_segment_list(session, project, user, role, scope, query)),
        scope=scope,
        layers=layers.visible_layers(session, project, user, role),
        dimension=dimension,
        dimensions=frequencies.dimension_labels(),
        overall=tables[None],
        by_value=tables[dimension],
        codes=codes,
        matrix=matrix,
        matrix_max=max(matrix.values(), default=0),
        documents=document_choices(session, project),
        choices=segments.filter_choices(session, project),
        scale=[(s["value"], s["label"]) for s in project.stance_scale],
        bars=_bars(tables[None]),
        stacks=_stacks(tables[dimension]),
        grid=charts.cooccurrence_grid([(c.id, c.name, c.path) for c in codes], matrix),
        keywords=keyword_counts(session, project, scope),
    )


SHOWN_VALUES = 100  # the export's Frequencies sheet has them all


def _bars(overall: FrequencyTable) -> charts.BarChart:
    rows = [(c.path, overall.count("all", c.id), c.colour) for c in overall.codes]
    return charts.bar_chart(rows, overall.max_count())


def _stacks(by_value: FrequencyTable) -> list[tuple[str, list[charts.Stack]]]:
    """Each shown value's codes end to end, scaled to the value with the most codings."""
    shown = by_value.values[:SHOWN_VALUES]
    parts = {
        v: [(c.name, by_value.count(v, c.id), c.colour) for c in by_value.codes] for v in shown
    }
    top = max([0, *(sum(n for _, n, _ in row) for row in parts.values())])
    return [(v, charts.stacked_bar(parts[v], top)) for v in shown]


@dataclass(frozen=True)
class SegmentsDownload:
    """A CSV download of every matching segment: its file name and its lines, streamed."""

    filename: str
    lines: Iterator[str]


def segments_download(
    session: Session,
    reading: Callable[[], AbstractContextManager[Session]],
    project: Project,
    user: User,
    role: str,
    query: AnalysisQuery,
) -> SegmentsDownload:
    """Every segment carrying the chosen code; the lines read in a session of their own."""
    scope = scope_of(session, project, user, role, query)
    filters = query.filters
    if filters.code_id is None:
        raise ValidationError(_("Choose a code."))
    code = segments.code_by_id(session, project, filters.code_id)
    name = f"{project.slug}-segments-{code.name[:40]}.csv".replace(" ", "_")
    return SegmentsDownload(name, segments.stream_csv(reading, project.id, scope, filters))
