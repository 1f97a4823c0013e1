"""Route declarations: one line above a view says its URL, who may call it and whether it writes.

``route`` and ``action`` are for any signed-in user (the view checks the project role itself);
``lead_route`` and ``lead_action`` are for a project's leads, and their views receive the project
the URL's slug names instead of the slug. An action is a POST that writes in one unit of work
(``@writes``); ``then`` renders after the commit, ``prepare`` runs before the writer turn, and
``read`` with ``whole_request`` makes a small, hot action one transaction (see ``web.unit``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from typing import Concatenate
from typing import ParamSpec
from typing import TypeVar
from typing import overload

from flask import Blueprint
from flask.typing import ResponseReturnValue

from workbench.models import Project
from workbench.web.access import lead_project
from workbench.web.access import login_required
from workbench.web.unit import writes

P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")
RV = TypeVar("RV", bound=ResponseReturnValue)


def route(bp: Blueprint, rule: str, **options: Any) -> Callable[[Callable[P, RV]], Callable[P, RV]]:
    """Declare a view for signed-in users (GET unless ``methods`` says otherwise)."""

    def declare(view: Callable[P, RV]) -> Callable[P, RV]:
        registered = login_required(view)
        bp.add_url_rule(rule, view_func=registered, **options)
        return registered

    return declare


@overload
def action(
    bp: Blueprint, rule: str, *, prepare: Callable[[], object] | None = None
) -> Callable[[Callable[P, RV]], Callable[P, RV]]: ...


@overload
def action(
    bp: Blueprint,
    rule: str,
    *,
    prepare: Callable[[], object] | None = None,
    then: Callable[[R], RV],
) -> Callable[[Callable[P, R]], Callable[P, RV]]: ...


@overload
def action(
    bp: Blueprint,
    rule: str,
    *,
    read: Callable[[R], S],
    then: Callable[[S], RV],
    whole_request: bool = False,
) -> Callable[[Callable[P, R]], Callable[P, RV]]: ...


def action(
    bp: Blueprint,
    rule: str,
    *,
    prepare: Callable[[], object] | None = None,
    read: Callable[[Any], Any] | None = None,
    then: Callable[[Any], Any] | None = None,
    whole_request: bool = False,
) -> Any:
    """Declare a POST for signed-in users that writes in one unit of work."""

    def declare(view: Callable[..., Any]) -> Callable[..., Any]:
        if then is None:
            return route(bp, rule, methods=["POST"])(writes(prepare=prepare)(view))
        if read is not None:
            unit = writes(read=read, then=then, whole_request=whole_request)
            return route(bp, rule, methods=["POST"])(unit(view))
        return route(bp, rule, methods=["POST"])(writes(prepare=prepare, then=then)(view))

    return declare


def as_lead(view: Callable[Concatenate[Project, P], R]) -> Callable[..., R]:
    """Give a view the project its URL's slug names, refusing anyone who does not lead it."""
    # Flask passes the slug by keyword, so the result is typed loosely: Concatenate[str, P]
    # would promise a positional-only first argument.

    @wraps(view)
    def wrapper(slug: str, *args: P.args, **kwargs: P.kwargs) -> R:
        return view(lead_project(slug), *args, **kwargs)

    return wrapper


def lead_route(
    bp: Blueprint, rule: str, **options: Any
) -> Callable[[Callable[Concatenate[Project, P], RV]], Callable[..., RV]]:
    """Declare a view for the project's leads; it receives the project instead of the slug."""

    def declare(view: Callable[Concatenate[Project, P], RV]) -> Callable[..., RV]:
        return route(bp, rule, **options)(as_lead(view))

    return declare


@overload
def lead_action(
    bp: Blueprint, rule: str
) -> Callable[[Callable[Concatenate[Project, P], RV]], Callable[..., RV]]: ...


@overload
def lead_action(
    bp: Blueprint, rule: str, *, then: Callable[[R], RV]
) -> Callable[[Callable[Concatenate[Project, P], R]], Callable[..., RV]]: ...


def lead_action(bp: Blueprint, rule: str, *, then: Callable[[Any], Any] | None = None) -> Any:
    """Declare a writing POST for the project's leads; it receives the project, not the slug."""

    def declare(view: Callable[..., Any]) -> Callable[..., Any]:
        # The lead check runs inside the write, as the slug's project is read for the use case.
        if then is None:
            return action(bp, rule)(as_lead(view))
        return action(bp, rule, then=then)(as_lead(view))

    return declare
