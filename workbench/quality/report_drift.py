"""The drift table of the agreement report: every coder's windows, one row each, with flags."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from workbench.core.drift import DriftWindow
from workbench.models import Project
from workbench.quality.drift import DriftReport
from workbench.quality.drift import DriftSettings
from workbench.quality.drift import project_drift


@dataclass(frozen=True)
class DriftRow:
    """One window of one coder, with the flag's message (empty when not flagged)."""

    coder: str
    name: str
    window: DriftWindow | None  # None: the coder has no compared passage yet
    flag: str


@dataclass(frozen=True)
class ReportDrift:
    """The report's drift table under the chosen settings."""

    report: DriftReport
    rows: list[DriftRow]
    flagged_coders: list[str]


def report_drift(session: Session, project: Project, settings: DriftSettings) -> ReportDrift:
    """Every coder's drift windows as table rows (the same figures as the quality page)."""
    report = project_drift(session, project, settings)
    rows: list[DriftRow] = []
    for coder in report.coders:
        name = report.names.get(coder.coder, coder.coder)
        reasons = {f.window: f.message for f in coder.flags}
        if not coder.windows:
            rows.append(DriftRow(coder.coder, name, None, ""))
        for w in coder.windows:
            rows.append(DriftRow(coder.coder, name, w, reasons.get(w.index, "")))
    flagged = [report.names.get(c.coder, c.coder) for c in report.coders if c.flags]
    return ReportDrift(report, rows, flagged)
