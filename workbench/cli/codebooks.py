"""`workbench codebook`: export, import and seed the codebook from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.cli.app import reading
from workbench.cli.app import writing


@click.group("codebook")
def codebook_group() -> None:
    """Export, import or seed a project's codebook."""


@codebook_group.command("export")
@click.option("--project", "project_slug", required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "qdc", "taguette-csv"]),
    required=True,
    help="xlsx (every field), qdc (REFI-QDA), taguette-csv (tag,description for Taguette).",
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
    click.echo(f"Wrote {out} ({len(data):,} bytes).")


@codebook_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--project", "project_slug", required=True)
@click.option(
    "--allow-partial",
    is_flag=True,
    help="Import even if parts of the file (code sets, memo links, ...) cannot come across.",
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
            lead = "not imported" if isinstance(warning, Dropped) else "warning"
            click.echo(f"{lead}: {warning}", err=True)
        dropped = [w for w in warnings if isinstance(w, Dropped)]
        if dropped and not allow_partial:  # raising leaves the unit of work: nothing is kept
            raise click.ClickException(
                f"Nothing was imported: {len(dropped)} part(s) of {path.name} cannot come "
                "across (listed above); give --allow-partial to import the rest."
            )
    click.echo(f"Imported {path.name} as codebook version {number}.")


@codebook_group.command("seed")
@click.option("--project", "project_slug", required=True)
def seed_cmd(project_slug: str) -> None:
    """Install the seed study's starting codebook (if the project has no codes yet)."""
    from workbench.accounts import users as accounts
    from workbench.codebooks import codes as codebooks

    with writing() as session:
        project = accounts.project_by_slug(session, project_slug)
        installed = codebooks.ensure_seed_codebook(session, project)
    click.echo(
        "Installed the starting codebook." if installed else "The project has codes already."
    )
