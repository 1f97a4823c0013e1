"""Users, projects and memberships."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from workbench.db import Base
from workbench.models._common import IntPk
from workbench.models._common import JSONType
from workbench.models._common import LongText
from workbench.models._common import ProjectRow
from workbench.models._common import Timestamp
from workbench.models._common import UserRef
from workbench.models._common import UTCDateTime
from workbench.models._common import utcnow

ROLES = ("lead", "coder")


class User(Base):
    """A person who signs in; an instance admin may create projects and users."""

    __tablename__ = "user"

    id: Mapped[IntPk]
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(300))
    is_admin: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # Part of the id kept in every session cookie: bumping it ends all of the account's sessions
    # (signing out, a password change or reset, deactivation) on every server at once.
    session_generation: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    # The interface language the user chose (a key of workbench.i18n.LANGUAGES); None follows
    # the browser's Accept-Language.
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    created_at: Mapped[Timestamp]

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")

    # Flask-Login protocol, written out so models stay free of Flask imports.
    @property
    def is_active(self) -> bool:
        """Tell Flask-Login whether the account may sign in."""
        return self.active

    @property
    def is_authenticated(self) -> bool:
        """Tell Flask-Login that a loaded user is signed in."""
        return True

    @property
    def is_anonymous(self) -> bool:
        """Tell Flask-Login that a loaded user is not anonymous."""
        return False

    def get_id(self) -> str:
        """Return the identifier Flask-Login keeps in the session: id and session generation."""
        return f"{self.id}:{self.session_generation}"


class Project(Base):
    """A study: documents, a codebook, a team and its codings."""

    __tablename__ = "project"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    description: Mapped[LongText]
    blind: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    stance_scale: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    created_at: Mapped[Timestamp]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )
    # ``documents`` comes from the Document side (a backref), so this module imports no other.
    if TYPE_CHECKING:
        # Read with the project (models/suggestions.py maps it): whether a model is trained.
        has_suggestion_model: bool


class Membership(ProjectRow, Base):
    """A user's role in a project: lead or coder."""

    __tablename__ = "membership"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "user_id"),
        sa.CheckConstraint("role IN ('lead', 'coder')", name="role"),
    )

    user_id: Mapped[UserRef] = mapped_column(index=True)
    role: Mapped[str] = mapped_column(sa.String(10))

    project: Mapped[Project] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")


class LoginFailure(Base):
    """A failed sign-in, kept for a while to throttle guessing per account and per address.

    In the database, not in a process, so every worker and server behind a proxy counts the same
    failures.
    """

    __tablename__ = "login_failure"
    __table_args__ = (
        sa.CheckConstraint("scope IN ('account', 'address')", name="scope"),
        sa.Index("ix_login_failure_scope_key_at", "scope", "key", "at"),
    )

    id: Mapped[IntPk]
    scope: Mapped[str] = mapped_column(sa.String(10))
    key: Mapped[str] = mapped_column(sa.String(200))  # a lower-cased username or an IP address
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
