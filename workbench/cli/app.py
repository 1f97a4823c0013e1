"""The app a command runs in, its database brought up to date, and the command's unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import click
from flask import Flask
from sqlalchemy.orm import Session

from workbench.app import create_app
from workbench.cli.errors import domain_errors
from workbench.unit_of_work import Database


def app(*, migrate: bool | None = None) -> Flask:
    """The command's app, created once per invocation with the schema at the newest version.

    The schema is upgraded first unless ``migrate`` is False or AUTO_MIGRATE is off; then a
    schema that is not the newest is an error naming the command that upgrades it.
    """
    ctx = click.get_current_context()
    made = ctx.meta.get("wb_app")
    if made is None:
        made = create_app()
        ctx.meta["wb_app"] = made
        if migrate is None:
            migrate = bool(made.config.get("AUTO_MIGRATE", True))
        _ensure_schema(made, migrate=migrate)
    return cast(Flask, made)


def database() -> Database:
    """The command's database, as the app factory opened it."""
    return cast(Database, app().extensions["workbench.database"])


@contextmanager
def writing() -> Iterator[Session]:
    """One write transaction, committed when the block ends normally; domain errors are messages."""
    with domain_errors(), database().writing() as session:
        yield session


@contextmanager
def reading() -> Iterator[Session]:
    """A session that only reads; domain errors are messages."""
    with domain_errors(), database().reading() as session:
        yield session


def _ensure_schema(made: Flask, *, migrate: bool) -> None:
    # Every command may be the first one run on a database (`workbench project create` right
    # after install): the schema is brought to the newest version first, as `serve` does.
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from workbench.migrate import current_revision
    from workbench.migrate import head_revision
    from workbench.migrate import upgrade

    engine = cast(Database, made.extensions["workbench.database"]).engine
    where = engine.url.render_as_string(hide_password=True)
    try:
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise click.ClickException(f"Cannot open the database {where}: {reason}") from None
    head = head_revision(engine)
    if current == head:
        return
    if not migrate:
        raise click.ClickException(
            f"The database {where} is at schema revision {current!r}, not the newest ({head!r}). "
            "Run `workbench db upgrade` once (automatic upgrades are off here)."
        )
    try:
        upgrade(engine)
    except CommandError as exc:
        raise click.ClickException(
            f"The database {where} is at schema revision {current!r}, which this version of "
            f"the workbench does not know ({exc}); install the version that created it."
        ) from None
    what = "Created" if current is None else f"Upgraded (from revision {current})"
    click.echo(f"{what} the database schema of {where}.", err=True)
