"""`workbench import`, `passages` and `demo`: documents in, the passage table out, the demo."""

from __future__ import annotations

import csv
import io
import json
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

import click

from workbench.cli.app import app
from workbench.cli.app import reading
from workbench.cli.app import setting
from workbench.cli.app import writing
from workbench.cli.errors import domain_errors
from workbench.core.i18n import N_
from workbench.core.i18n import _

if TYPE_CHECKING:
    from workbench.core.corpus import ParsedDocument
    from workbench.documents.resegment import Resegmentable

T = TypeVar("T")
DEMO_PROJECT = "UN counter-terrorism stance (demo)"
DEMO_PEOPLE = (
    ("lead", "Lead Researcher", "lead"),
    ("coder1", "Coder One", "coder"),
    ("coder2", "Coder Two", "coder"),
)
SEGMENTATION = click.Choice(["paragraph", "sentence", "lines"])
# A segmentation mode named in a sentence ("cut into paragraph passages").
MODE_NAMES = {
    "paragraph": N_("paragraph"),
    "sentence": N_("sentence"),
    "lines": N_("lines"),
    "turn": N_("turn"),
}


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
            raise click.ClickException(_("%(path)s: no such file or folder.", path=raw))
    return files, described


def _interruptible(batches: Iterator[T]) -> Iterator[T]:
    """The batches, stopping cleanly at the next one after Ctrl-C (the import is rolled back)."""
    # Left to itself, Ctrl-C lands wherever Python is running, most often inside the search
    # index's folding function that SQLite calls, which SQLite then reports as its own error,
    # with a traceback. Here it only marks the import to stop between two batches.
    asked: list[int] = []
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN or threading.current_thread() is not threading.main_thread():
        # Started where Ctrl-C is ignored, or run off the main thread (no signals there).
        yield from batches
        return
    signal.signal(signal.SIGINT, lambda number, _frame: asked.append(number))
    try:
        for batch in batches:
            if asked:
                raise click.Abort
            yield batch
        if asked:
            raise click.Abort
    finally:
        signal.signal(signal.SIGINT, previous)


@click.command(
    "import",
    help=_(
        "Import files, folders, .zip archives and CSV/JSONL tables into a project.\n\nA "
        "folder holding a manifest.json (like seeds/) takes titles and metadata from "
        "it."
    ),
)
@click.argument("paths", nargs=-1, required=True)
@click.option("--project", "project_slug", required=True, help=_("Project slug or name."))
@click.option("--segmentation", type=SEGMENTATION, default="paragraph")
@click.option("--max-file-mb", type=float, help=_("Per-file size limit (default: MAX_FILE_BYTES)."))
def import_cmd(
    paths: tuple[str, ...], project_slug: str, segmentation: str, max_file_mb: float | None
) -> None:
    """Import files, folders, .zip archives and CSV/JSONL tables into a project.

    A folder holding a manifest.json (like seeds/) takes titles and metadata from it.
    """
    from workbench.accounts import users as accounts
    from workbench.documents import importing
    from workbench.documents import resegment
    from workbench.documents import seeding

    with domain_errors():
        files, described = _collect(paths)
    # Not app(): the parsing process is forked below, before the app (and the web layer it
    # loads, ~50 MB) exists, and starts while this one builds it.
    limit = int(max_file_mb * 1024 * 1024) if max_file_mb else int(setting("MAX_FILE_BYTES"))

    def adjust(doc: ParsedDocument) -> ParsedDocument:
        entry = described.get(doc.filename)
        return seeding.apply_manifest(doc, entry) if entry is not None else doc

    from workbench.documents.background_parse import BackgroundParse

    def read_all() -> Iterator[tuple[str, bytes]]:
        for path, name in files:
            yield name, path.read_bytes()

    # The bar advances in the parsing process, a file at a time, while this one stores.
    label = _("Parsing and storing")
    with (
        click.progressbar(length=len(files), label=label, file=sys.stderr, show_pos=True) as bar,
        domain_errors(),
        BackgroundParse(
            read_all(), mode=segmentation, max_file_bytes=limit, adjust=adjust, progress=bar.update
        ) as parsing,
        writing() as session,
    ):
        project = accounts.project_by_slug(session, project_slug)
        result = importing.store_batches(session, project, _interruptible(parsing.batches()))
        parsing.finish()  # a bad file anywhere: every problem is raised and nothing is kept
        otherwise = resegment.segmented_otherwise(session, project, parsing.names, segmentation)
        slug = project.slug
    if result.documents >= 100:
        with writing() as session:
            importing.refresh_statistics(session)
    click.echo(
        _(
            "Imported %(documents)s documents with %(passages)s passages; %(known)s already "
            "present.",
            documents=result.documents,
            passages=result.passages,
            known=len(result.duplicates),
        )
    )
    for offer in otherwise:
        click.echo(_resegment_hint(slug, offer))
    for note in result.notes:
        click.echo(note)


def _resegment_hint(slug: str, offer: Resegmentable) -> str:
    # Importing again never re-cuts a text that is already coded: say where that is done instead.
    from flask import url_for

    with app().test_request_context():
        where = url_for(
            "lifecycle.resegment_preview", slug=slug, doc_id=offer.document_id, mode=offer.mode
        )
    return _(
        '%(file)s: already in the project as "%(title)s" (document %(id)s), cut into '
        "%(segmentation)s passages; it was not imported again. To cut it by %(mode)s instead, "
        "keeping its codings where their text allows, re-segment it from the reader's document "
        "menu (Re-segment…, %(where)s).",
        file=offer.filename,
        title=offer.title,
        id=offer.document_id,
        segmentation=_(MODE_NAMES.get(offer.segmentation, offer.segmentation)),
        mode=_(MODE_NAMES.get(offer.mode, offer.mode)),
        where=where,
    )


@click.command(
    "passages",
    help=_("List passages with their metadata, for pandas or R (CSV or JSONL on stdout)."),
)
@click.option("--project", "project_slug", required=True)
@click.option("--document", "document_ref", help=_("Document id or exact title."))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv")
def passages_cmd(project_slug: str, document_ref: str | None, fmt: str) -> None:
    """List passages with their metadata, for pandas or R (CSV or JSONL on stdout)."""
    from workbench.accounts import users as accounts
    from workbench.documents.listing import PASSAGE_FIELDS
    from workbench.documents.listing import passage_rows
    from workbench.formats.cells import safe_csv

    with reading() as session:
        project = accounts.project_by_slug(session, project_slug)
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
            raise click.ClickException(
                _("No passages for document '%(document)s'.", document=document_ref)
            )


def _demo_setup() -> list[tuple[str, str, str]]:
    """Set up the demo project, its team and seeds; the team's (username, password, role)."""
    from workbench.accounts import users as accounts
    from workbench.codebooks import codes as codebooks
    from workbench.core.errors import NotFound
    from workbench.documents import seeding

    credentials: list[tuple[str, str, str]] = []
    with writing() as session:
        try:
            project = accounts.project_by_slug(session, DEMO_PROJECT)
        except NotFound:
            project = None
        for username, name, role in DEMO_PEOPLE:
            password = accounts.random_password()
            try:
                account = accounts.user_by_name(session, username)
                accounts.set_password(session, account, password)
            except NotFound:
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
        click.echo(
            _(
                "Project '%(name)s' (%(slug)s): %(n)s new documents.",
                name=project.name,
                slug=project.slug,
                n=result.documents,
            )
        )
    return credentials


@click.command(
    help=_("Create the database, import the seeds, create a lead and two coders, and serve.")
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--no-serve", is_flag=True, help=_("Set up only; do not start the server."))
def demo(host: str, port: int, no_serve: bool) -> None:
    """Create the database, import the seeds, create a lead and two coders, and serve."""
    app()  # the schema first, at the newest version
    credentials = _demo_setup()
    buf = io.StringIO()
    buf.write("\n" + _("Accounts (passwords are shown this once):") + "\n")
    for username, password, role in credentials:
        buf.write(f"  {role:6} {username:8} {password}\n")
    click.echo(buf.getvalue())
    if not no_serve:
        click.echo(
            _(
                "Open %(url)s and sign in. Ctrl+C stops the server.",
                url="http://" + host + ":" + str(port) + "/",
            )
        )
        from workbench.server import serve as run_server

        made = app()
        job_threads = 0 if made.config.get("QUEUE_URL") else 2  # the embedded queue's worker
        run_server(host=host, port=port, workers=2, threads=1, job_threads=job_threads)
