"""Signing in: an attempt is checked before the writer turn, its outcome recorded in one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from workbench.accounts import login_throttle
from workbench.accounts import membership
from workbench.accounts.users import authenticate
from workbench.models import User


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt as read before the writer turn: refused, failed or the account."""

    username: str
    address: str
    wait: int | None  # seconds the throttle still refuses this account or address
    user: User | None  # the account, when the credentials are right


def check_attempt(
    session: Session, throttle: login_throttle.Throttle, username: str, password: str, address: str
) -> Attempt:
    """Check a sign-in without writing: throttled, wrong, or the account it opens."""
    # Read and hash outside the unit of work: on SQLite the writer turn is taken only to record
    # the outcome, never for the slow password hash.
    wait = login_throttle.retry_after(session, throttle, username, address)
    if wait is not None:
        return Attempt(username, address, wait, None)
    return Attempt(username, address, None, authenticate(session, username, password))


def record_outcome(session: Session, throttle: login_throttle.Throttle, attempt: Attempt) -> None:
    """Count a failed attempt, or forget the account's failures after a success."""
    if attempt.wait is not None:
        return  # refused by the throttle: nothing was tried
    if attempt.user is None:
        login_throttle.record_failure(session, throttle, attempt.username, attempt.address)
    else:
        login_throttle.clear_account(session, attempt.username)


def session_user(session: Session, user_id: int, generation: int) -> User | None:
    """The active account a session cookie names, unless its sessions were ended since."""
    # A cookie from before the account's sessions were ended (sign-out, password change or
    # reset, deactivation) carries an old generation and is refused.
    return _valid(session.get(User, user_id), generation)


def session_user_in_project(
    session: Session,
    user_id: int,
    generation: int,
    slug: str,
    statement: Select[Any] | None = None,
    binds: Mapping[str, Any] | None = None,
) -> tuple[User | None, membership.Lookup]:
    """``session_user``, with the project the URL names and the role in it read in one query."""
    user, lookup = membership.user_and_project(session, user_id, slug, statement, binds)
    return _valid(user, generation), lookup


def _valid(user: User | None, generation: int) -> User | None:
    if user is None or not user.active or user.session_generation != generation:
        return None
    return user
