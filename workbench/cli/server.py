"""`workbench serve`, `workbench worker`, `workbench db upgrade` and `db copy`."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

import click

from workbench.cli.app import app
from workbench.cli.errors import domain_errors
from workbench.core.i18n import _


@click.group(help=_("Database schema commands."))
def db() -> None:
    """Database schema commands."""


@db.command("upgrade", help=_("Create or migrate the database schema to the newest version."))
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    app(migrate=True)  # the command's app is made with the schema brought to the newest version
    click.echo(_("Database is up to date."))


@db.command(
    "copy",
    help=_(
        "Copy every row of the database at SOURCE into the new, empty database at TARGET "
        "(SQLite to PostgreSQL, or back); TARGET's schema is created when it has none. Stop "
        "the servers and workers first, or copy from a backup: what they write meanwhile is "
        "not copied."
    ),
)
@click.argument("source")
@click.argument("target")
def db_copy(source: str, target: str) -> None:
    """Copy a whole database into an empty one, table by table, in one transaction."""
    from sqlalchemy import exc as sa_exc

    from workbench.interchange.database_copy import copy_database
    from workbench.unit_of_work import Database

    def said(table: str, rows: int) -> None:
        click.echo(_("%(table)s: %(rows)s rows", table=table, rows=rows))

    databases: list[Database] = []
    try:
        for url in (source, target):
            try:
                databases.append(Database(url))
            except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ImportError):
                # ImportError: a URL of a database whose driver is not installed (mysql://).
                raise click.ClickException(
                    _("Not a database URL the workbench can open: %(url)s", url=url)
                ) from None
        missing = databases[0].engine.url.database
        if databases[0].dialect == "sqlite" and missing and not os.path.exists(missing):
            # Opening it would make an empty file where the lab's data was expected.
            raise click.ClickException(_("No database file at %(path)s.", path=missing))
        with domain_errors():
            report = copy_database(databases[0], databases[1], on_table=said)
    except sa_exc.DBAPIError as error:
        # A database that cannot be opened or reached, a file that is no database, a table of
        # another program in the way: the database's own words, without a traceback.
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise click.ClickException(_("Nothing was copied: %(reason)s", reason=reason)) from None
    finally:
        for database in databases:
            database.dispose()
    click.echo(
        _("Copied %(rows)s rows in %(tables)s tables.", rows=report.rows, tables=len(report.tables))
    )


@click.command(
    help=_("Serve the workbench for a team with gunicorn (the schema is upgraded first).")
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option(
    "--workers",
    default=os.cpu_count() or 2,
    show_default=_("one per core"),
    help=_("Worker processes."),
)
@click.option(
    "--threads",
    default=1,
    show_default=True,
    help=_(
        "Threads per worker; above 1 uses threaded workers, which keep slow requests (large "
        "uploads, reports) from holding a whole worker but cost some throughput on small ones."
    ),
)
@click.option(
    "--migrate/--no-migrate",
    default=None,
    help=_(
        "Upgrade the schema first (default: yes, unless WORKBENCH_AUTO_MIGRATE=0). With "
        "several servers, run `workbench db upgrade` once and start each with --no-migrate."
    ),
)
@click.option(
    "--job-threads",
    default=None,
    type=int,
    help=_(
        "Threads of the job worker this server starts for itself (default: 2 without "
        "WORKBENCH_QUEUE_URL, 0 with it: then `workbench worker` runs the jobs)."
    ),
)
def serve(
    host: str, port: int, workers: int, threads: int, migrate: bool | None, job_threads: int | None
) -> None:
    """Serve the workbench for a team with gunicorn (the schema is upgraded first)."""
    made = app(migrate=migrate)
    from workbench.jobs.queue import settings_from

    try:
        # Checked before serving: a mistyped URL would otherwise show first as a failed job.
        kind = settings_from(made.config).kind
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if job_threads is None:
        job_threads = 2 if kind == "sqlite" else 0  # the embedded queue: this server's worker
    from workbench.server import serve as run_server

    run_server(host=host, port=port, workers=workers, threads=threads, job_threads=job_threads)


@click.command(
    help=_(
        "Run background jobs (exports) from the queue named by WORKBENCH_QUEUE_URL until stopped."
    )
)
@click.option("--threads", default=2, show_default=True, help=_("Jobs run at once."))
@click.option("--migrate/--no-migrate", default=None, help=_("As for `workbench serve`."))
@click.option("--parent-pid", type=int, default=None, hidden=True)
def worker(threads: int, migrate: bool | None, parent_pid: int | None) -> None:
    """Run background jobs (exports) from the queue named by WORKBENCH_QUEUE_URL until stopped."""
    made = app(migrate=migrate)
    from workbench.jobs.queue import JobQueue
    from workbench.jobs.queue import settings_from

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        queue = JobQueue(settings_from(made.config))
    except ValueError as exc:  # an unknown queue URL
        raise click.ClickException(str(exc)) from None
    where = queue.settings.where
    if queue.settings.kind in ("memory", "immediate"):
        raise click.ClickException(
            _("A worker cannot serve the %(queue)s queue of one process.", queue=repr(where))
        )
    click.echo(
        _(
            "Running jobs from %(kind)s queue %(where)s (%(n)s threads).",
            kind=queue.settings.kind,
            where=where,
            n=threads,
        )
    )
    if parent_pid is not None:
        threading.Thread(target=_end_with_parent, args=(parent_pid,), daemon=True).start()
    queue.consumer(threads).run()


def _end_with_parent(parent_pid: int) -> None:
    # A worker started by `serve` must not outlive it, even if the server was killed outright.
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGINT)
