"""Read models of the agreement report pages: the report with its charts, breakdowns, methods."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from workbench.core import charts
from workbench.core.agreement import DEFAULT_SEED
from workbench.core.agreement import AgreementReport
from workbench.core.agreement import paragraph_language
from workbench.core.i18n import N_
from workbench.core.i18n import _
from workbench.models import Project
from workbench.models import ReliabilityRound
from workbench.reliability import records as agreement_data
from workbench.reliability import reports as agreement_reports
from workbench.reliability import rounds

DEFAULT_BOOTSTRAP = 1000
BREAKDOWN_LABELS = [
    ("speech", N_("Speech: original or translated")),
    ("language", N_("Language of the text")),
    ("original_language", N_("Original language")),
    ("delegation", N_("Delegation")),
    ("doc_type", N_("Document type")),
    ("document", N_("Document")),
]


def breakdown_labels() -> list[tuple[str, str]]:
    """The metadata keys of the breakdowns with their labels in the current language."""
    return [(key, _(label)) for key, label in BREAKDOWN_LABELS]


def alpha_chart(report: AgreementReport) -> charts.AlphaChart:
    """Geometry of the report's α-per-code chart."""
    return charts.alpha_chart(
        [
            charts.CodeAlpha(code, rep.presence.alpha, rep.presence.alpha_ci95, rep.flag)
            for code, rep in report.per_code.items()
        ]
    )


def heatmap(report: AgreementReport, names: dict[str, str]) -> list[charts.HeatRow]:
    """Rows of the report's coder-pair heatmap (pooled presence κ of every pair)."""
    pairs = {
        pair.coders: (pair.pooled_kappa, pair.shared_passages)
        for pair in report.coder_pairs.values()
    }
    return charts.heatmap(report.coders, names, pairs)


@dataclass(frozen=True)
class ReportQuery:
    """What a report is asked for: a round, documents and codes, and the bootstrap."""

    round_id: int | None = None
    doc_ids: list[int] | None = None
    code_ids: list[int] | None = None
    bootstrap: int | None = None
    seed: int | None = None


def _scope(session: Session, project: Project, query: ReportQuery) -> agreement_data.Scope:
    return agreement_data.scope_for(
        session,
        project,
        round_id=query.round_id,
        doc_ids=query.doc_ids or None,
        code_ids=query.code_ids or None,
    )


def project_report(
    session: Session, project: Project, query: ReportQuery, *, breakdowns: bool
) -> agreement_reports.ProjectReport:
    """The report the query asks for (1000 bootstrap samples and the default seed if unsaid)."""
    return agreement_reports.project_report(
        session,
        project,
        _scope(session, project, query),
        bootstrap=DEFAULT_BOOTSTRAP if query.bootstrap is None else query.bootstrap,
        seed=DEFAULT_SEED if query.seed is None else query.seed,
        breakdowns=breakdowns,
    )


def report_json(session: Session, project: Project, query: ReportQuery) -> dict[str, Any]:
    """The report as JSON (the same numbers as the page and the CLI)."""
    return agreement_reports.report_payload(
        project_report(session, project, query, breakdowns=True), project
    )


@dataclass(frozen=True)
class ReportPage:
    """The full report with its charts and the filters' choices."""

    project: Project
    role: str
    pr: agreement_reports.ProjectReport
    r: AgreementReport
    names: dict[str, str]
    chart: charts.AlphaChart
    heat: list[charts.HeatRow]
    all_rounds: list[ReliabilityRound]
    all_codes: list[tuple[int, str]]
    documents: list[tuple[int, str]]
    query: str
    breakdown_keys: list[tuple[str, str]]


def report_page(
    session: Session, project: Project, query: ReportQuery, query_string: str
) -> ReportPage:
    """The report page; breakdowns load on demand, one key at a time."""
    pr = project_report(session, project, query, breakdowns=False)
    return ReportPage(
        project=project,
        role="lead",
        pr=pr,
        r=pr.report,
        names=pr.coders,
        chart=alpha_chart(pr.report),
        heat=heatmap(pr.report, pr.coders),
        all_rounds=rounds.list_rounds(session, project),
        all_codes=agreement_data.report_codes(session, project),
        documents=rounds.round_documents(session, project),
        query=query_string,
        breakdown_keys=breakdown_labels(),
    )


@dataclass(frozen=True)
class Breakdown:
    """Presence α per value of one metadata key."""

    codes: list[str]
    groups: dict[str, dict[str, Any]]
    label: str
    key: str


def breakdown(session: Session, project: Project, query: ReportQuery, key: str) -> Breakdown:
    """The breakdown fragment the report loads when one key is opened."""
    codes, groups = agreement_reports.breakdown(
        session, project, _scope(session, project, query), key
    )
    return Breakdown(codes=codes, groups=groups, label=dict(breakdown_labels())[key], key=key)


@dataclass(frozen=True)
class MethodsPage:
    """Paragraph and table for a paper's methods section, and the same as Markdown."""

    project: Project
    role: str
    pr: agreement_reports.ProjectReport
    paragraph: str
    rows: list[dict[str, Any]]
    columns: list[tuple[str, str]]
    markdown: str
    query: str
    filename: str
    language: str


def methods_page(
    session: Session, project: Project, query: ReportQuery, query_string: str, language: str
) -> MethodsPage:
    """The methods report of the project or a round, its paragraph in the language asked for."""
    language = paragraph_language(language)
    pr = project_report(session, project, query, breakdowns=False)
    paragraph, rows = agreement_reports.methods_from(pr, 3, language)
    name = f"methods-{project.slug}" + (f"-round-{pr.round.id}" if pr.round else "")
    return MethodsPage(
        project=project,
        role="lead",
        pr=pr,
        paragraph=paragraph,
        rows=rows,
        columns=agreement_reports.methods_columns(),
        markdown=agreement_reports.methods_markdown(paragraph, rows, language),
        query=query_string,
        filename=f"{name}.md" if language == "en" else f"{name}-{language}.md",
        language=language,
    )
