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
from flask import has_request_context
from flask import request
from sqlalchemy.orm import Session

from workbench.unit_of_work import Database
from workbench.unit_of_work import UnitOfWork
from workbench.unit_of_work import trial

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")
T = TypeVar("T")
_KEY = "workbench.database"
# Set on a view declared ``@writes(whole_request=True)``; functools.wraps carries it through the
# decorators around the view (login_required), so the request's view can be asked for it.
_WHOLE_REQUEST = "wb_writes_whole_request"


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
        work = database().unit()
        g.wb_unit = work
        if _writes_whole_request():
            work.begin_write()
    return cast(UnitOfWork, g.wb_unit)


def _writes_whole_request() -> bool:
    if not has_request_context() or request.endpoint is None:
        return False
    view = current_app.view_functions.get(request.endpoint)
    return bool(getattr(view, _WHOLE_REQUEST, False))


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
) -> Callable[[Callable[P, R]], Callable[P, T]]: ...


@overload
def writes(
    *,
    read: Callable[[R], S],
    then: Callable[[S], T],
    whole_request: bool = False,
) -> Callable[[Callable[P, R]], Callable[P, T]]: ...


def writes(
    view: Callable[..., Any] | None = None,
    /,
    *,
    prepare: Callable[[], object] | None = None,
    read: Callable[[Any], Any] | None = None,
    then: Callable[[Any], Any] | None = None,
    whole_request: bool = False,
) -> Any:
    """Declare a view that writes: its use case runs in one write transaction, committed here.

    ``prepare`` runs before the writer turn is taken, for slow work that writes nothing (parsing
    an upload); its result reaches the view as the keyword argument ``prepared``. ``then`` runs
    after the commit with what the view returned and gives the response: the page or fragment
    that shows the change is rendered without holding the writer turn.

    For small, hot actions (a coding action): ``read`` reads what the response shows in the
    write's own transaction, just before the commit, and ``then`` renders it after the commit.
    With ``whole_request`` the request's unit of work is the write from its first statement
    (the signed-in user's lookup included): on SQLite the writer turn is taken as the request
    first touches the database, so the request costs one transaction where a read before the
    turn, the write and a read after it cost three.
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
                if read is not None:
                    result = read(result)
            except BaseException:
                work.rollback()
                raise
            work.commit()
            return then(result) if then is not None else result

        if whole_request:
            setattr(wrapper, _WHOLE_REQUEST, True)
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
