"""The request's unit of work: one per request, declared on writing views with ``@writes``."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any
from typing import ParamSpec
from typing import TypeVar
from typing import cast
from typing import overload

from flask import Flask
from flask import current_app
from flask import g
from sqlalchemy.orm import Session

from workbench.unit_of_work import Database
from workbench.unit_of_work import UnitOfWork
from workbench.unit_of_work import trial

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
_KEY = "workbench.database"


def init_app(app: Flask) -> None:
    """Open the application's database and close each request's unit of work after it."""
    app.extensions[_KEY] = Database(
        app.config["DATABASE_URL"], echo=bool(app.config.get("SQL_ECHO"))
    )
    app.teardown_appcontext(_close)


def database(app: Flask | None = None) -> Database:
    """The application's database (the current app's by default)."""
    return cast(Database, (app or current_app).extensions[_KEY])


def unit() -> UnitOfWork:
    """This request's unit of work, opened on first use."""
    if "wb_unit" not in g:
        g.wb_unit = database().unit()
    return cast(UnitOfWork, g.wb_unit)


def db() -> Session:
    """This request's session; it reads in deferred transactions until a write begins."""
    return unit().session


@overload
def writes(view: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def writes(
    *, prepare: Callable[[], object] | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


@overload
def writes(
    *,
    prepare: Callable[[], object] | None = None,
    then: Callable[[R], T],
    then_in_write: bool = False,
) -> Callable[[Callable[P, R]], Callable[P, T]]: ...


def writes(
    view: Callable[..., Any] | None = None,
    /,
    *,
    prepare: Callable[[], object] | None = None,
    then: Callable[[Any], Any] | None = None,
    then_in_write: bool = False,
) -> Any:
    """Declare a view that writes: its use case runs in one write transaction, committed here.

    ``prepare`` runs before the writer turn is taken, for slow work that writes nothing (parsing
    an upload); its result reaches the view as the keyword argument ``prepared``. ``then`` runs
    after the commit with what the view returned and gives the response: the page or fragment
    that shows the change is read and rendered without holding the writer turn.

    ``then_in_write`` (for small, hot responses): where there is no writer turn to give back
    (PostgreSQL), ``then`` reads in the write's own transaction just before the commit, which
    saves a second transaction and its round trips; on SQLite it still runs after the commit.
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if prepare is not None:
                kwargs["prepared"] = prepare()
            work = unit()
            work.begin_write()
            try:
                result = fn(*args, **kwargs)
                if then is not None and then_in_write and not work.gated:
                    response = then(result)
                    work.commit()
                    return response
            except BaseException:
                work.rollback()
                raise
            work.commit()
            return then(result) if then is not None else result

        return wrapper

    return decorate(view) if view is not None else decorate


@contextmanager
def writing() -> Iterator[Session]:
    """The request's write transaction for a view that writes on one branch only."""
    work = unit()
    work.begin_write()
    try:
        yield work.session
    except BaseException:
        work.rollback()
        raise
    work.commit()


def discard() -> None:
    """Drop what the request's use case wrote so far: a preview, or an import that was refused."""
    unit().session.rollback()


@contextmanager
def undone() -> Iterator[Session]:
    """Run a check whose writes are rolled back to a savepoint; earlier writes are kept."""
    with trial(unit().session) as session:
        yield session


def abandon() -> None:
    """End the request's unit of work without writing (an error is being rendered)."""
    work = g.get("wb_unit")
    if work is not None:
        work.rollback()


def _close(_exc: BaseException | None) -> None:
    work = g.pop("wb_unit", None)
    if work is not None:
        work.close()
