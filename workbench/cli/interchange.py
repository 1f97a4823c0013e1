"""`workbench export`, coding sheets and imports of codings and projects, from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy.orm import Session

from workbench.cli.app import app
from workbench.cli.app import reading
from workbench.cli.app import writing
from workbench.cli.documents import SEGMENTATION
from workbench.core.i18n import _

if TYPE_CHECKING:
    from workbench.interchange.coding_import import ImportReport
    from workbench.interchange.project_exchange import ExchangeReport
    from workbench.models import Project
    from workbench.models import User


@contextmanager
def _snapshot() -> Iterator[Session]:
    """A read-only session on one consistent snapshot of the database."""
    from workbench.interchange.exports import snapshot

    with reading() as session:
        snapshot(session)
        yield session


class _Bar:
    """A progress line on stderr, updated at most every percent."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.total, self.done, self.shown = quiet, 0, 0, -1

    def set_total(self, total: int) -> None:
        self.total = max(total, 1)

    def tick(self, n: int) -> None:
        self.done += n
        percent = min(100, self.done * 100 // max(self.total, 1))
        if not self.quiet and percent != self.shown:
            self.shown = percent
            click.echo(
                "\r" + _("Exporting… %(percent)s%%", percent=format(percent, "3d")),
                nl=False,
                err=True,
            )

    def finish(self) -> None:
        if not self.quiet and self.shown >= 0:
            click.echo("", err=True)


@click.command(
    "export", help=_("Export the project as an Excel workbook, CSV, JSON Lines or REFI-QDA .qdpx.")
)
@click.option("--project", "project_slug", required=True, help=_("Project slug or name."))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help=_("File to write, e.g. exports/study.xlsx (a .zip of CSV files for --format csv)."),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "csv", "json", "qdpx"]),
    default=None,
    help=_("Default: from the file extension, else xlsx."),
)
@click.option(
    "--layer",
    default="coders",
    show_default=True,
    help=_("coders (a column block per coder), consensus, or coder:USERNAME."),
)
@click.option("--table", help=_("CSV only: write this one table (e.g. passages) instead of a zip."))
@click.option("--document", "documents", multiple=True, help=_("Document id or exact title."))
@click.option("--coder", "coders", multiple=True, help=_("Coder username."))
@click.option("--code", "codes", multiple=True, help=_("Code path ('Parent > Child') or name."))
@click.option(
    "--from", "date_from", default="", help=_("Documents dated on or after (YYYY-MM-DD).")
)
@click.option("--to", "date_to", default="", help=_("Documents dated on or before."))
@click.option(
    "--bootstrap", default=1000, show_default=True, help=_("Bootstrap replicates (0: none).")
)
@click.option("--quiet", is_flag=True, help=_("No progress line."))
def export_cmd(
    project_slug: str,
    out: Path,
    fmt: str | None,
    layer: str,
    table: str | None,
    documents: tuple[str, ...],
    coders: tuple[str, ...],
    codes: tuple[str, ...],
    date_from: str,
    date_to: str,
    bootstrap: int,
    quiet: bool,
) -> None:
    """Export the project as an Excel workbook, CSV, JSON Lines or REFI-QDA .qdpx."""
    from workbench.accounts import users as accounts
    from workbench.interchange import exports

    chosen = fmt or {
        ".csv": "csv",
        ".zip": "csv",
        ".json": "json",
        ".jsonl": "json",
        ".qdpx": "qdpx",
    }.get(out.suffix.lower(), "xlsx")
    if table and chosen != "csv":
        raise click.UsageError(_("--table works with --format csv only."))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    bar = _Bar(quiet)
    with _snapshot() as session:
        project = accounts.project_by_slug(session, project_slug)
        scope = exports.scope_from_names(
            session,
            project,
            documents=documents,
            coders=coders,
            codes=codes,
            date_from=date_from,
            date_to=date_to,
            layer=layer,
            bootstrap=bootstrap,
        )
        try:
            result = exports.write_export(
                session,
                project,
                scope,
                chosen,
                partial,
                table=table,
                progress=bar.tick,
                on_total=bar.set_total,
            )
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            bar.finish()
    partial.replace(out)
    rows = ", ".join(f"{k} {v:,}" for k, v in result.counts.items() if "." not in k)
    click.echo(
        _(
            "Wrote %(path)s (%(size)s bytes): %(rows)s.",
            path=out,
            size=format(out.stat().st_size, ","),
            rows=rows,
        )
    )


@click.command(
    "coding-sheet",
    help=_("Write a coder's offline coding sheet (their assigned passages, with dropdowns)."),
)
@click.option("--project", "project_slug", required=True)
@click.option("--coder", required=True, help=_("Username of the coder."))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def coding_sheet_cmd(project_slug: str, coder: str, out: Path) -> None:
    """Write a coder's offline coding sheet (their assigned passages, with dropdowns)."""
    from workbench.accounts import users as accounts
    from workbench.interchange import coding_import

    out.parent.mkdir(parents=True, exist_ok=True)
    with _snapshot() as session:
        project = accounts.project_by_slug(session, project_slug)
        user = accounts.user_by_name(session, coder)
        with open(out, "wb") as fh:
            rows = coding_import.write_sheet_for(session, project, user, fh)
    click.echo(
        _("Wrote %(path)s: %(n)s passages assigned to %(coder)s.", path=out, n=rows, coder=coder)
    )


def _acting(session: Session, project: Project, username: str | None) -> User:
    """The user an import acts as: --user, else the project's first lead."""
    from workbench.accounts import users as accounts
    from workbench.accounts.leads import first_lead

    if username:
        return accounts.user_by_name(session, username)
    lead = first_lead(session, project)
    if lead is None:
        raise click.ClickException(_("The project has no lead; give --user."))
    return lead


def _print_report(report: ImportReport | ExchangeReport) -> None:
    """Warnings and refused rows on stderr, the summary on stdout."""
    for warning in report.warnings:
        click.echo(_("warning: %(what)s", what=warning), err=True)
    problems = getattr(report, "problems", [])
    for problem in problems[:200]:
        click.echo("  - " + _("not imported: %(what)s", what=problem), err=True)
    if len(problems) > 200:
        click.echo("  " + _("... and %(n)s more", n=len(problems) - 200), err=True)
    click.echo(report.summary())


@click.command(
    "import-codings",
    help=_(
        "Import a coding sheet, a workbench export (.xlsx, CSV .zip or .jsonl) or a "
        "table of codings.\n\nEvery row is checked first, and every row that cannot come "
        "across is listed with its sheet, row and column. Then nothing is applied and "
        "the exit status is 1, unless --allow-partial is given: the rest is applied "
        "and the exit status is 0."
    ),
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", "project_slug", required=True)
@click.option("--user", "username", help=_("Who imports (default: the project's lead)."))
@click.option(
    "--allow-partial",
    "--apply-valid",
    "allow_partial",
    is_flag=True,
    help=_("Apply what is valid even if some rows cannot come across (they are listed)."),
)
@click.option(
    "--create-coders",
    is_flag=True,
    help=_("Create coders who are not members of the project (inactive accounts)."),
)
def import_codings_cmd(
    path: Path, project_slug: str, username: str | None, allow_partial: bool, create_coders: bool
) -> None:
    """Import a coding sheet, a workbench export (.xlsx, CSV .zip or .jsonl) or a table of codings.

    Every row is checked first, and every row that cannot come across is listed with its sheet,
    row and column. Then nothing is applied and the exit status is 1, unless --allow-partial is
    given: the rest is applied and the exit status is 0."""
    from workbench.accounts import users as accounts
    from workbench.interchange import workbook_import

    data = path.read_bytes()
    with writing() as session:
        project = accounts.project_by_slug(session, project_slug)
        actor = _acting(session, project, username)
        limit = app().config["MAX_MEMO_CHARS"]
        # The detector tells a coding sheet, an export and a table apart, as on the web.
        report = workbook_import.import_codings_file(
            session,
            project,
            actor,
            path.name,
            data,
            allow_partial=allow_partial,
            create_coders=create_coders,
            memo_limit=limit,
        )
        _print_report(report)
        if not report.applied:  # raising leaves the unit of work: nothing is kept
            raise click.ClickException(
                _(
                    "Nothing was applied: fix the rows listed above, or give --allow-partial "
                    "to apply the rest."
                )
            )


@click.command(
    "import-project",
    help=_(
        "Import a .qdpx/.qde project, a .qdc codebook or an exported "
        "workbook.\n\nEverything is brought in, or each item left out is listed with its "
        "reason; then nothing is applied and the exit status is 1, unless "
        "--allow-partial is given."
    ),
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", "project_slug", required=True)
@click.option("--user", "username", help=_("Who imports (default: the project's lead)."))
@click.option(
    "--create-coders", is_flag=True, help=_("Create unknown coders as inactive accounts.")
)
@click.option(
    "--allow-partial", is_flag=True, help=_("Apply even if some items cannot be brought in.")
)
@click.option(
    "--segmentation",
    type=SEGMENTATION,
    default="paragraph",
    help=_("Passages of foreign texts (paragraph: lines when a text has no blank lines)."),
)
def import_project_cmd(
    path: Path,
    project_slug: str,
    username: str | None,
    create_coders: bool,
    allow_partial: bool,
    segmentation: str,
) -> None:
    """Import a .qdpx/.qde project, a .qdc codebook or an exported workbook.

    Everything is brought in, or each item left out is listed with its reason; then nothing is
    applied and the exit status is 1, unless --allow-partial is given.
    """
    from workbench.accounts import users as accounts
    from workbench.interchange import project_exchange

    with writing() as session:
        project = accounts.project_by_slug(session, project_slug)
        actor = _acting(session, project, username)
        report = project_exchange.import_project_file(
            session,
            project,
            actor,
            path.name,
            path.read_bytes(),
            create_coders=create_coders,
            mode=segmentation,
        )
        report.applied = report.complete or allow_partial
        for line, problem in report.lines():
            click.echo(line, err=problem)
        if not report.applied:  # raising leaves the unit of work: nothing is kept
            raise click.ClickException(
                _(
                    "Nothing was applied: %(n)s item(s) cannot be brought in (listed above). "
                    "Run again with --allow-partial to import the rest.",
                    n=len(report.dropped),
                )
            )
