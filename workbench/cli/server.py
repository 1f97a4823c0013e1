"""`workbench serve` and `workbench db upgrade`: the server for a team, the schema."""

from __future__ import annotations

import os

import click

from workbench.cli.app import app


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    app()  # the command's app is made with the schema brought to the newest version
    click.echo("Database is up to date.")


@click.command()
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
    app()
    from workbench.server import serve as run_server

    run_server(host=host, port=port, workers=workers, threads=threads)
