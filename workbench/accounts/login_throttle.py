"""Login throttling per account and per address, counted in the database.

Failures are rows, so every worker and every server behind a proxy sees the same count; an
in-process counter would let an attacker spread guesses over the workers. Unknown usernames are
counted like real ones, so the throttle does not tell which accounts exist.

An attempt is counted as a failure before its password is checked (``reserve``), in a write of
its own, and the count forgiven once the password proves right: counted afterwards, every guess
sent at the same moment read the count before any of them was recorded, and more guesses than
the limit were checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.accounts.names import fold_username
from workbench.models import LoginFailure
from workbench.models._common import utcnow


@dataclass(frozen=True)
class Throttle:
    """How many failures within a window lock an account or an address out."""

    per_account: int = 10
    per_address: int = 50
    window: timedelta = timedelta(minutes=15)


def _key(scope: str, value: str) -> str:
    # An account is counted under its name as sign-in matches it (names.fold_username): else
    # "boſs", "BOSS" or a decomposed "ü" would each get their own count against one account.
    return (fold_username(value) if scope == "account" else value.strip())[:200]


def retry_after(
    session: Session,
    throttle: Throttle,
    username: str,
    address: str,
    now: datetime | None = None,
) -> int | None:
    """Return the seconds to wait before this account or address may try again, or None."""
    now = now or utcnow()
    since = now - throttle.window
    waits = []
    for scope, value, limit in (
        ("account", username, throttle.per_account),
        ("address", address, throttle.per_address),
    ):
        count, oldest = session.execute(
            select(func.count(LoginFailure.id), func.min(LoginFailure.at)).where(
                LoginFailure.scope == scope,
                LoginFailure.key == _key(scope, value),
                LoginFailure.at > since,
            )
        ).one()
        if count >= limit and oldest is not None:
            waits.append(max(1, math.ceil((oldest + throttle.window - now).total_seconds())))
    return max(waits) if waits else None


def record_failure(
    session: Session, throttle: Throttle, username: str, address: str, now: datetime | None = None
) -> int:
    """Count one failed sign-in against the account name and the address; drop old rows.

    Returns the id of the address's row (``forgive`` takes it back)."""
    now = now or utcnow()
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - throttle.window))
    session.add(LoginFailure(scope="account", key=_key("account", username), at=now))
    by_address = LoginFailure(scope="address", key=_key("address", address), at=now)
    session.add(by_address)
    session.flush()
    return by_address.id


@dataclass(frozen=True)
class Reservation:
    """An attempt counted before its check: the wait it was refused with, or its address row."""

    wait: int | None
    address_row: int | None


def reserve(
    session: Session, throttle: Throttle, username: str, address: str, now: datetime | None = None
) -> Reservation:
    """Refuse an attempt the throttle says must wait; else count it as failed until forgiven.

    The caller commits at once, before the slow password check. On PostgreSQL the account's
    and the address's counts are read and written in turn (SQLite's writers already are)."""
    if session.get_bind().dialect.name == "postgresql":
        # The two forms of advisory key (one bigint, two ints) are separate spaces in
        # PostgreSQL: these never meet the passage locks. Sorted, so two attempts never wait
        # on each other crosswise.
        for key in sorted({f"account:{_key('account', username)}", f"address:{address}"}):
            session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
    wait = retry_after(session, throttle, username, address, now)
    if wait is not None:
        return Reservation(wait, None)
    return Reservation(None, record_failure(session, throttle, username, address, now))


def forgive(session: Session, username: str, reservation: Reservation) -> None:
    """Take back an attempt counted in advance, once its password proved right."""
    clear_account(session, username)
    if reservation.address_row is not None:
        session.execute(delete(LoginFailure).where(LoginFailure.id == reservation.address_row))


def clear_account(session: Session, username: str) -> None:
    """Forget an account's failures after a successful sign-in (the address keeps its count)."""
    session.execute(
        delete(LoginFailure).where(
            LoginFailure.scope == "account", LoginFailure.key == _key("account", username)
        )
    )
