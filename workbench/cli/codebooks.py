"""`workbench codebook`: export, import and seed the codebook from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.app import reading
from workbench.cli.app import writing
from workbench.core.i18n import _


@click.group("codebook", help=_("Export, import or seed a project's codebook."))
def codebook_group() -> None:
    """Export, import or seed a project's codebook."""


@codebook_group.command(
    "export",
    help=_("Write the codebook as Excel (one row per code), REFI-QDA .qdc or a Taguette CSV."),
)
@click.option("--project", "project_slug", required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "qdc", "taguette-csv"]),
    required=True,
    help=_("xlsx (every field), qdc (REFI-QDA), taguette-csv (tag,description for Taguette)."),
)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_cmd(project_slug: str, fmt: str, out: Path) -> None:
    """Write the codebook as Excel (one row per code), REFI-QDA .qdc or a Taguette CSV."""
    from workbench.accounts import users as accounts
    from workbench.codebooks.files import export_codebook

    with reading() as session:
        project = accounts.project_by_slug(session, project_slug)
        data, _mime, _name = export_codebook(session, project, fmt)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    click.echo(_("Wrote %(path)s (%(size)s bytes).", path=out, size=format(len(data), ",")))


@codebook_group.command(
    "import",
    help=_(
        "Merge a codebook file (.xlsx, .qdc, .qdpx) into the project as a new version.\n\n"
        "Every departure from the standard and everything changed on the way is printed as a "
        "warning; if something in the file cannot come across, nothing is imported and the exit "
        "status is 1, unless --allow-partial is given."
    ),
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", "project_slug", required=True)
@click.option(
    "--allow-partial",
    is_flag=True,
    help=_("Import even if parts of the file (code sets, memo links, ...) cannot come across."),
)
def import_cmd(path: Path, project_slug: str, allow_partial: bool) -> None:
    """Merge a codebook file (.xlsx, .qdc, .qdpx) into the project as a new version.

    Every departure from the standard and everything changed on the way is printed as a
    warning; if something in the file cannot come across, nothing is imported and the exit
    status is 1, unless --allow-partial is given."""
    from workbench.accounts import users as accounts
    from workbench.codebooks.files import import_codebook_file
    from workbench.formats.qdc import Dropped

    with writing() as session:
        project = accounts.project_by_slug(session, project_slug)
        version, warnings = import_codebook_file(
            session, project, path.name, path.read_bytes(), user=None
        )
        number = version.number
        for warning in warnings:
            if isinstance(warning, Dropped):
                click.echo(_("not imported: %(what)s", what=warning), err=True)
            else:
                click.echo(_("warning: %(what)s", what=warning), err=True)
        dropped = [w for w in warnings if isinstance(w, Dropped)]
        if dropped and not allow_partial:  # raising leaves the unit of work: nothing is kept
            raise click.ClickException(
                _(
                    "Nothing was imported: %(n)s part(s) of %(file)s cannot come across (listed "
                    "above); give --allow-partial to import the rest.",
                    n=len(dropped),
                    file=path.name,
                )
            )
    click.echo(_("Imported %(file)s as codebook version %(n)s.", file=path.name, n=number))


@codebook_group.command(
    "seed", help=_("Install the seed study's starting codebook (if the project has no codes yet).")
)
@click.option("--project", "project_slug", required=True)
def seed_cmd(project_slug: str) -> None:
    """Install the seed study's starting codebook (if the project has no codes yet)."""
    from workbench.accounts import users as accounts
    from workbench.codebooks import codes as codebooks

    with writing() as session:
        project = accounts.project_by_slug(session, project_slug)
        installed = codebooks.ensure_seed_codebook(session, project)
    click.echo(
        _("Installed the starting codebook.") if installed else _("The project has codes already.")
    )
