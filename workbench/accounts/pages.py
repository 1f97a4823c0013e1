"""Page models of the accounts area: what the account pages show."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from workbench.accounts import users
from workbench.models import User


@dataclass(frozen=True)
class UsersPage:
    """The instance admin's list of accounts, with the outcome of the last action."""

    users: list[User]
    message: str | None = None
    password: str | None = None  # a new password, shown this once


def users_page(
    session: Session, message: str | None = None, password: str | None = None
) -> UsersPage:
    """Return the accounts page."""
    return UsersPage(users.list_users(session), message, password)
