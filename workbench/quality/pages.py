"""The quality page's read side: drift per coder with a chart, and the suggestion evaluations."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from workbench.core.drift import CoderDrift
from workbench.models import Project
from workbench.quality import suggestions
from workbench.quality.drift import DriftReport
from workbench.quality.drift import DriftSettings
from workbench.quality.drift import gold_passage_ids
from workbench.quality.drift import project_drift

WIDTH, HEIGHT, PAD = 480, 150, 28


@dataclass(frozen=True)
class ChartPoint:
    """A window on the coder's chart: position, value and interval (in pixels)."""

    x: float
    y: float | None
    lo: float | None
    hi: float | None
    label: str
    alpha: float | None
    flagged: bool


@dataclass(frozen=True)
class DriftChart:
    """A coder's α per window over their coding order, with the threshold line."""

    width: int
    height: int
    threshold_y: float
    points: list[ChartPoint]
    path: str


@dataclass
class QualityPage:
    """Drift for every coder and, when trained, the suggestion evaluations."""

    project: Project
    settings: DriftSettings
    report: DriftReport
    charts: dict[str, DriftChart]
    has_gold: bool
    evaluations: list[dict[str, Any]] | None = None
    trained_at: datetime | None = None
    trained_passages: int = 0
    message: str = ""
    rows: list[CoderDrift] = field(default_factory=list)


def _y(value: float) -> float:
    """α from -1 to 1 onto the chart's height (higher is better, so drawn higher)."""
    clipped = max(-1.0, min(1.0, value))
    return round(PAD + (1 - (clipped + 1) / 2) * (HEIGHT - 2 * PAD), 1)


def drift_chart(coder: CoderDrift, threshold: float) -> DriftChart:
    """The coder's windows as points on a line, flagged windows marked."""
    flagged = {f.window for f in coder.flags}
    n = max(len(coder.windows), 1)
    step = (WIDTH - 2 * PAD) / max(n - 1, 1)
    points = []
    for i, w in enumerate(coder.windows):
        ci = w.alpha_ci95
        points.append(
            ChartPoint(
                x=round(PAD + i * step, 1),
                y=_y(w.alpha) if w.alpha is not None else None,
                lo=_y(ci[0]) if ci else None,
                hi=_y(ci[1]) if ci else None,
                label=w.label,
                alpha=w.alpha,
                flagged=w.index in flagged,
            )
        )
    drawn = [p for p in points if p.y is not None]
    path = " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(drawn))
    return DriftChart(WIDTH, HEIGHT, _y(threshold), points, path)


def quality_page(
    session: Session, project: Project, settings: DriftSettings, message: str = ""
) -> QualityPage:
    """The page model: drift under the settings and the stored suggestion evaluations."""
    report = project_drift(session, project, settings)
    row = suggestions.stored_model(session, project)
    return QualityPage(
        project=project,
        settings=settings,
        report=report,
        charts={c.coder: drift_chart(c, settings.threshold) for c in report.coders},
        has_gold=bool(gold_passage_ids(session, project)),
        evaluations=suggestions.evaluations(session, project) if row is not None else None,
        trained_at=row.trained_at if row is not None else None,
        trained_passages=row.passages if row is not None else 0,
        message=message,
        rows=list(report.coders),
    )
