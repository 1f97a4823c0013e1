"""The app a command runs in, its database brought up to date, and the command's unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from typing import cast

import click
from flask import Flask
from sqlalchemy.orm import Session

from workbench.app import create_app
from workbench.app import settings
from workbench.cli.errors import domain_errors
from workbench.core.i18n import _
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


def setting(key: str) -> Any:
    """One setting of the command's configuration, without building the app if not yet built."""
    made = click.get_current_context().meta.get("wb_app")
    return made.config[key] if made is not None else settings()[key]


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
        raise click.ClickException(
            _("Cannot open the database %(where)s: %(reason)s", where=where, reason=reason)
        ) from None
    head = head_revision(engine)
    if current == head:
        return
    if not migrate:
        raise click.ClickException(
            _(
                "The database %(where)s is at schema revision %(current)s, not the newest "
                "(%(head)s). Run `workbench db upgrade` once (automatic upgrades are off here).",
                where=where,
                current=repr(current),
                head=repr(head),
            )
        )
    try:
        upgrade(engine)
    except CommandError as exc:
        raise click.ClickException(
            _(
                "The database %(where)s is at schema revision %(current)s, which this version of "
                "the workbench does not know (%(reason)s); install the version that created it.",
                where=where,
                current=repr(current),
                reason=exc,
            )
        ) from None
    if current is None:
        click.echo(_("Created the database schema of %(where)s.", where=where), err=True)
    else:
        click.echo(
            _(
                "Upgraded (from revision %(current)s) the database schema of %(where)s.",
                current=current,
                where=where,
            ),
            err=True,
        )
