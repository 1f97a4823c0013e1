"""The `workbench` command: demo, serve, database, users, projects, import, passages."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click
from flask import Flask
from sqlalchemy.orm import Session

from workbench import create_app
from workbench.core.errors import DomainError
from workbench.unit_of_work import Database

if TYPE_CHECKING:
    from workbench.documents.resegment import Resegmentable
    from workbench.models import Project

DEMO_PROJECT = "UN counter-terrorism stance (demo)"


def database(app: Flask) -> Database:
    """The application's database, as the app factory opened it."""
    return cast(Database, app.extensions["workbench.database"])


def _app() -> Flask:
    ctx = click.get_current_context()
    app = ctx.meta.get("wb_app")
    if app is None:
        app = create_app()
        ctx.meta["wb_app"] = app
        _ensure_schema(app)
    return app


def _ensure_schema(app: Flask) -> None:
    # Every command may be the first one run on a database (`workbench project create` right
    # after install): the schema is brought to the newest version first, as `serve` does.
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from workbench.migrate import current_revision, head_revision, upgrade

    engine = database(app).engine
    where = engine.url.render_as_string(hide_password=True)
    try:
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise click.ClickException(f"Cannot open the database {where}: {reason}") from None
    if current == head_revision(engine):
        return
    try:
        upgrade(engine)
    except CommandError as exc:
        raise click.ClickException(
            f"The database {where} is at schema revision {current!r}, which this version of "
            f"the workbench does not know ({exc}); install the version that created it."
        ) from None
    what = "Created" if current is None else f"Upgraded (from revision {current})"
    click.echo(f"{what} the database schema of {where}.", err=True)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Run a command's work in one write transaction; a domain error becomes a clean message."""
    try:
        with database(_app()).writing() as session:
            yield session
    except DomainError as exc:
        lines = [str(exc), *[f"  - {d}" for d in exc.details]]
        raise click.ClickException("\n".join(lines)) from None


def _upgrade() -> None:
    # _app() brings the schema to the newest version before anything else runs.
    _app()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Workbench: team coding of UN counter-terrorism statements. The database is chosen by
    WORKBENCH_DATABASE_URL (default: a SQLite file in ./instance)."""


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    _upgrade()
    click.echo("Database is up to date.")


@main.group()
def user() -> None:
    """Manage accounts."""


@user.command("add")
@click.argument("username")
@click.option("--name", "display_name", help="Full name shown to the team.")
@click.option("--admin", is_flag=True, help="Instance admin: may create projects and users.")
@click.option("--password", help="Password (default: a random one, printed once).")
@click.option("--project", help="Also add the user to this project (slug or name).")
@click.option("--role", type=click.Choice(["lead", "coder"]), default="coder", show_default=True)
def user_add(
    username: str,
    display_name: str | None,
    admin: bool,
    password: str | None,
    project: str | None,
    role: str,
) -> None:
    """Create an account (and optionally give it a role in a project)."""
    from workbench.accounts import users as accounts

    secret = password or accounts.random_password()
    with unit_of_work() as session:
        account = accounts.create_user(
            session, username, secret, display_name=display_name, is_admin=admin
        )
        if project:
            accounts.add_member(session, accounts.project_by_slug(session, project), account, role)
    click.echo(f"Created user {username}" + ("" if password else f" with password: {secret}"))


@main.group("project")
def project_group() -> None:
    """Manage projects."""


@project_group.command("create")
@click.argument("name")
@click.option("--lead", "lead_name", help="Username of the project's lead.")
@click.option("--description", default="")
def project_create(name: str, lead_name: str | None, description: str) -> None:
    """Create a project; prints its slug (used by --project elsewhere)."""
    from workbench.accounts import users as accounts

    with unit_of_work() as session:
        lead = accounts.user_by_name(session, lead_name) if lead_name else None
        project = accounts.create_project(session, name, lead=lead, description=description)
        slug = project.slug
    click.echo(f"Created project '{name}' with slug: {slug}")


@project_group.command("add-member")
@click.argument("project")
@click.argument("username")
@click.option("--role", type=click.Choice(["lead", "coder"]), default="coder", show_default=True)
def project_add_member(project: str, username: str, role: str) -> None:
    """Give an existing account a role in a project (imports attribute codings to members only)."""
    from workbench.accounts import users as accounts

    with unit_of_work() as session:
        account = accounts.user_by_name(session, username)
        accounts.add_member(session, accounts.project_by_slug(session, project), account, role)
    click.echo(f"{username} is now a {role} in '{project}'")


def _collect(paths: tuple[str, ...]) -> tuple[list[tuple[Path, str]], dict[str, dict[str, Any]]]:
    """The files to import, each with the name it is stored under, and manifest entries by name.

    A file is named relative to the folder given on the command line (`seeds/a.txt`), never by
    the path typed; a folder's `manifest.json` describes its files and is not itself imported.
    """
    from workbench.documents import seeding

    files: list[tuple[Path, str]] = []
    described: dict[str, dict[str, Any]] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            root = path.resolve()
            manifest = seeding.folder_manifest(root)
            for found in sorted(root.rglob("*")):
                relative = found.relative_to(root)
                if not found.is_file() or any(p.startswith(".") for p in relative.parts):
                    continue
                if relative.as_posix() == seeding.MANIFEST:
                    continue
                name = f"{root.name}/{relative.as_posix()}"
                files.append((found, name))
                if relative.as_posix() in manifest:
                    described[name] = manifest[relative.as_posix()]
        elif path.is_file():
            files.append((path, path.name))
        else:
            raise click.ClickException(f"{raw}: no such file or folder.")
    return files, described


@main.command("import")
@click.argument("paths", nargs=-1, required=True)
@click.option("--project", "project_slug", required=True, help="Project slug or name.")
@click.option(
    "--segmentation", type=click.Choice(["paragraph", "sentence", "lines"]), default="paragraph"
)
@click.option("--max-file-mb", type=float, help="Per-file size limit (default: MAX_FILE_BYTES).")
def import_cmd(
    paths: tuple[str, ...], project_slug: str, segmentation: str, max_file_mb: float | None
) -> None:
    """Import files, folders, .zip archives and CSV/JSONL tables into a project.

    A folder holding a manifest.json (like seeds/) takes titles and metadata from it.
    """
    from workbench.accounts import users as accounts
    from workbench.documents import importing, resegment, seeding

    try:
        files, described = _collect(paths)
    except DomainError as exc:
        raise click.ClickException("\n".join([str(exc), *exc.details])) from None
    limit = int(max_file_mb * 1024 * 1024) if max_file_mb else _app().config["MAX_FILE_BYTES"]
    with click.progressbar(files, label="Parsing", file=sys.stderr, show_pos=True) as bar:

        def read_all() -> Iterator[tuple[str, bytes]]:
            for path, name in bar:
                yield name, path.read_bytes()

        try:
            parsed = importing.parse_uploads(read_all(), mode=segmentation, max_file_bytes=limit)
        except DomainError as exc:
            lines = [str(exc), *[f"  - {d}" for d in exc.details]]
            raise click.ClickException("\n".join(lines)) from None
    parsed = [
        seeding.apply_manifest(doc, described[doc.filename]) if doc.filename in described else doc
        for doc in parsed
    ]
    click.echo(f"Storing {len(parsed)} documents…", err=True)
    with unit_of_work() as session:
        project = accounts.project_by_slug(session, project_slug)
        result = importing.store_documents(session, project, parsed, mode=segmentation)
        otherwise = resegment.segmented_otherwise(session, project, parsed, segmentation)
        slug = project.slug
    if result.documents >= 100:
        with unit_of_work() as session:
            importing.refresh_statistics(session)
    click.echo(
        f"Imported {result.documents} documents with {result.passages} passages"
        f"; {len(result.duplicates)} already present."
    )
    for offer in otherwise:
        click.echo(_resegment_hint(slug, offer))
    for note in result.notes:
        click.echo(note)


def _resegment_hint(slug: str, offer: Resegmentable) -> str:
    # Importing again never re-cuts a text that is already coded: say where that is done instead.
    from flask import url_for

    with _app().test_request_context():
        where = url_for(
            "lifecycle.resegment_preview", slug=slug, doc_id=offer.document_id, mode=offer.mode
        )
    return (
        f'{offer.filename}: already in the project as "{offer.title}" (document '
        f"{offer.document_id}), cut into {offer.segmentation} passages; it was not imported again. "
        f"To cut it by {offer.mode} instead, keeping its codings where their text allows, "
        f"re-segment it from the reader's document menu (Re-segment…, {where})."
    )


@main.command("passages")
@click.option("--project", "project_slug", required=True)
@click.option("--document", "document_ref", help="Document id or exact title.")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv")
def passages_cmd(project_slug: str, document_ref: str | None, fmt: str) -> None:
    """List passages with their metadata, for pandas or R (CSV or JSONL on stdout)."""
    from workbench.accounts import users as accounts
    from workbench.documents.listing import PASSAGE_FIELDS, passage_rows
    from workbench.formats.cells import safe_csv

    with database(_app()).reading() as session:
        try:
            project = accounts.project_by_slug(session, project_slug)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from None
        out = sys.stdout
        writer = csv.DictWriter(out, fieldnames=PASSAGE_FIELDS) if fmt == "csv" else None
        if writer:
            writer.writeheader()
        count = 0
        for row in passage_rows(session, project, document_ref):
            if writer:
                writer.writerow({k: safe_csv(v) for k, v in row.items()})
            else:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
        if document_ref and count == 0:
            raise click.ClickException(f"No passages for document '{document_ref}'.")


def _demo_setup() -> list[tuple[str, str, str]]:
    from workbench.accounts import users as accounts
    from workbench.codebooks import codes as codebooks
    from workbench.core.errors import NotFound
    from workbench.documents import seeding

    people = [
        ("lead", "Lead Researcher", "lead"),
        ("coder1", "Coder One", "coder"),
        ("coder2", "Coder Two", "coder"),
    ]
    credentials: list[tuple[str, str, str]] = []
    with unit_of_work() as session:
        try:
            project: Project | None = accounts.project_by_slug(session, DEMO_PROJECT)
        except NotFound:
            project = None
        for username, name, role in people:
            password = accounts.random_password()
            try:
                account = accounts.user_by_name(session, username)
                accounts.set_password(session, account, password)
            except DomainError:
                account = accounts.create_user(
                    session, username, password, display_name=name, is_admin=(role == "lead")
                )
            if project is None:
                project = accounts.create_project(
                    session,
                    DEMO_PROJECT,
                    lead=account,
                    description="China's counter-terrorism statements at the UN Security "
                    "Council and news reports that quote them.",
                )
            accounts.add_member(session, project, account, role)
            credentials.append((username, password, role))
        assert project is not None
        result = seeding.import_seeds(session, project)
        codebooks.ensure_seed_codebook(session, project)
        click.echo(f"Project '{project.name}' ({project.slug}): {result.documents} new documents.")
    return credentials


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--no-serve", is_flag=True, help="Set up only; do not start the server.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Create the database, import the seeds, create a lead and two coders, and serve."""
    _upgrade()
    credentials = _demo_setup()
    buf = io.StringIO()
    buf.write("\nAccounts (passwords are shown this once):\n")
    for username, password, role in credentials:
        buf.write(f"  {role:6} {username:8} {password}\n")
    click.echo(buf.getvalue())
    if not no_serve:
        click.echo(f"Open http://{host}:{port}/ and sign in. Ctrl+C stops the server.")
        from workbench.server import serve as run_server

        run_server(host=host, port=port, workers=2, threads=1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option(
    "--workers",
    default=os.cpu_count() or 2,
    show_default="one per core",
    help="Worker processes.",
)
@click.option(
    "--threads",
    default=1,
    show_default=True,
    help="Threads per worker; above 1 uses threaded workers, which keep slow requests (large "
    "uploads, reports) from holding a whole worker but cost some throughput on small ones.",
)
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the workbench for a team with gunicorn (the schema is upgraded first)."""
    _upgrade()
    from workbench.server import serve as run_server

    run_server(host=host, port=port, workers=workers, threads=threads)


def _register_more() -> None:
    # Areas add their own command groups; imported late so `workbench --help` stays fast.
    from workbench import cli_more

    cli_more.register(main)


_register_more()
