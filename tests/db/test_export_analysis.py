"""Analysis: SQL aggregates equal the export's counts; blindness; coded-segment retrieval."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.db.test_export_data import build_study
from workbench.analysis import frequencies
from workbench.analysis import layers
from workbench.analysis import segments
from workbench.analysis import sheet_context
from workbench.analysis.summary import LayerSummary
from workbench.core.errors import Forbidden
from workbench.formats.scope import ExportScope
from workbench.formats.scope import Layer


@pytest.fixture()
def study(session: Session, make_user: Any, make_project: Any, import_text: Any) -> Any:
    return build_study(session, make_user, make_project, import_text)


@pytest.mark.parametrize("layer", ["coders", "coder:coder1", "consensus"])
def test_sql_frequencies_and_cooccurrence_equal_the_exports_walk(
    session: Session, study: Any, layer: str
) -> None:
    scope = ExportScope(layer=Layer.parse(layer))
    ctx = sheet_context.load_context(session, study.project, scope)
    summary = LayerSummary(
        ctx.codes,
        layers.document_labels(session, study.project),
        lambda: sheet_context.grouped(ctx),
    )
    dimensions = [None, *frequencies.DIMENSIONS]
    tables = frequencies.frequency_tables(session, study.project, scope, dimensions)
    for dimension in dimensions:
        sql, walk = tables[dimension], summary.table(dimension)
        assert sql.values == walk.values, dimension
        assert sql.totals == walk.totals, dimension
        assert {k: (c.passages, c.annotations) for k, c in sql.cells.items()} == {
            k: (c.passages, c.annotations) for k, c in walk.cells.items()
        }, dimension
    _, matrix = frequencies.cooccurrence(session, study.project, scope)
    assert matrix == summary.matrix()


def test_frequency_figures(session: Session, study: Any) -> None:
    cb_ = study.codes["Capacity-building"]
    table = frequencies.frequencies(session, study.project, ExportScope(), None)
    cell = table.cells[("all", cb_.id)]
    assert (cell.passages, cell.annotations) == (3, 4)  # en0 by both coders, zh0, zh1
    assert table.totals["all"] == 5
    by_language = frequencies.frequencies(session, study.project, ExportScope(), "language")
    assert by_language.count("zh", cb_.id) == 2 and by_language.count("en", cb_.id) == 1
    by_month = frequencies.frequencies(session, study.project, ExportScope(), "month")
    assert by_month.values == ["2018-02", "2020-07"]
    by_doc = frequencies.frequencies(
        session, study.project, ExportScope(date_from="2020"), "document"
    )
    assert len(by_doc.values) == 1
    _codes, matrix = frequencies.cooccurrence(session, study.project, ExportScope())
    pp, proc = study.codes["Public-private partnership"], study.codes["Procedural"]
    assert matrix[(pp.id, proc.id)] == matrix[(proc.id, pp.id)] == 1
    assert matrix[(cb_.id, cb_.id)] == 3


def test_blind_coders_see_only_their_own_layer(session: Session, study: Any) -> None:
    project = study.project
    assert [v for v, _ in layers.visible_layers(session, project, study.coder1, "coder")] == [
        "coder:coder1"
    ]
    assert layers.resolve_layer(session, project, study.coder1, "coder", None) == Layer(
        "coder", "coder1"
    )
    for other in ("coders", "consensus", "coder:coder2"):
        with pytest.raises(Forbidden):
            layers.resolve_layer(session, project, study.coder1, "coder", other)
    lead_layers = [v for v, _ in layers.visible_layers(session, project, study.lead, "lead")]
    assert lead_layers == ["coders", "consensus", "coder:coder1", "coder:coder2"]
    project.blind = False
    session.commit()
    assert layers.resolve_layer(session, project, study.coder1, "coder", "consensus") == Layer(
        "consensus"
    )


def test_segments_with_context_filters_and_pages(session: Session, study: Any) -> None:
    cb_ = study.codes["Capacity-building"]
    found, total = segments.segments(
        session, study.project, ExportScope(), segments.SegmentFilters(code_id=cb_.id)
    )
    assert total == 3 and [s.passage.id for s in found] == [
        study.english[0].id,
        study.chinese[0].id,
        study.chinese[1].id,
    ]
    first = found[0]
    assert first.before == "" and first.after == study.english[1].text
    assert [(c["coder"], c["stance"]) for c in first.codings] == [
        ("Coder One", 1),
        ("Coder Two", 2),
    ]
    assert found[2].before == study.chinese[0].text
    f = segments.SegmentFilters(code_id=cb_.id, stance=0)
    assert segments.segments(session, study.project, ExportScope(), f)[1] == 1
    f = segments.SegmentFilters(code_id=cb_.id, q="恐怖主义")
    assert segments.segments(session, study.project, ExportScope(), f)[1] == 1
    f = segments.SegmentFilters(code_id=cb_.id, language="zh")
    assert segments.segments(session, study.project, ExportScope(), f)[1] == 2
    page2, total = segments.segments(
        session,
        study.project,
        ExportScope(),
        segments.SegmentFilters(code_id=cb_.id),
        page=2,
        per_page=2,
    )
    assert total == 3 and len(page2) == 1
    assert (
        len(
            list(
                segments.iter_segments(
                    session,
                    study.project,
                    ExportScope(),
                    segments.SegmentFilters(code_id=cb_.id),
                    batch=2,
                )
            )
        )
        == 3
    )
    mine = ExportScope(layer=Layer("coder", "coder1"))
    assert (
        segments.segments(session, study.project, mine, segments.SegmentFilters(code_id=cb_.id))[1]
        == 2
    )
    consensus = ExportScope(layer=Layer("consensus"))
    found, total = segments.segments(
        session, study.project, consensus, segments.SegmentFilters(code_id=cb_.id)
    )
    assert total == 1 and found[0].codings == [
        {"coder": "consensus", "code": "Capacity-building", "stance": 2}
    ]
