"""Who is asking: sign-in, the signed-in user, the project and the user's role in it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ParamSpec
from typing import TypeVar
from typing import cast

import flask_login
from flask import g
from flask import request
from flask_login import LoginManager
from flask_login import current_user
from sqlalchemy import Integer
from sqlalchemy import bindparam

from workbench.accounts import membership
from workbench.accounts import sign_in
from workbench.codebooks import code_index
from workbench.coding import passage_lock
from workbench.core.errors import Forbidden
from workbench.core.i18n import N_
from workbench.core.i18n import _
from workbench.models import Passage
from workbench.models import Project
from workbench.models import User
from workbench.web import parsers
from workbench.web.unit import db
from workbench.web.unit import unit

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = N_("Please sign in to continue.")
# Flask-Login flashes the message through this, in the language of the request that needed it.
login_manager.localize_callback = _

_SESSION_ID = re.compile(r"([0-9]{1,10}):([0-9]{1,10})")
_WITH_CODEBOOK_STAMP = membership.lookup_statement(*code_index.STAMP_COLUMNS)
# A coding action names its passage in the form: the passage comes in the same query (one
# statement fewer, on PostgreSQL one round trip fewer), and the action finds it in the session.
# Only a passage of the URL's project is joined; any other is looked up, and refused, as before.
_PASSAGE = bindparam("passage", type_=Integer)
_PASSAGE_JOIN = [(Passage, (Passage.id == _PASSAGE) & (Passage.project_id == Project.id))]
_WITH_PASSAGE_AND_STAMP = membership.lookup_statement(
    Passage, *code_index.STAMP_COLUMNS, joins=_PASSAGE_JOIN
)
# On PostgreSQL the same query also takes the coder's turn on the passage (coding/passage_lock),
# so that the action's own statements read after any other tab's action on it is committed.
_WITH_PASSAGE_STAMP_AND_TURN = membership.lookup_statement(
    Passage,
    *code_index.STAMP_COLUMNS,
    passage_lock.lock_column(_PASSAGE, User.id),
    joins=_PASSAGE_JOIN,
)
_STAMP = slice(1, 1 + len(code_index.STAMP_COLUMNS))  # after the passage, before any lock
P = ParamSpec("P")
R = TypeVar("R")


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """Flask-Login's ``login_required`` with its type: the view keeps its signature."""
    return cast(Callable[P, R], flask_login.login_required(view))


def load_user(user_id: str) -> User | None:
    """The account behind a session cookie, if the cookie is still valid."""
    # The session keeps "id:generation"; the generation says whether the account's sessions
    # were ended since the cookie was given.
    match = _SESSION_ID.fullmatch(user_id or "")
    if match is None or int(match[1]) > parsers.INT_MAX:
        return None
    uid, generation = int(match[1]), int(match[2])
    slug = (request.view_args or {}).get("slug")
    if not isinstance(slug, str) or "\x00" in slug:
        # No project URL, or one the request check refuses (its error page still shows who is
        # signed in; PostgreSQL cannot even compare a string with a NUL in it).
        return sign_in.session_user(db(), uid, generation)
    # A project URL: the project and the user's role come with the user, in the same query.
    # A request that is already writing (a coding action) also reads the codebook's version
    # there: the write sees the same snapshot, and it saves the write a round trip.
    writing = unit().writing
    passage = _named_passage() if writing else None
    statement, binds = None, None
    session = db()
    turn = passage is not None and not unit().gated  # PostgreSQL
    if passage is not None:
        statement = _WITH_PASSAGE_STAMP_AND_TURN if turn else _WITH_PASSAGE_AND_STAMP
        binds = {"passage": passage}
    elif writing:
        statement = _WITH_CODEBOOK_STAMP
    user, lookup = sign_in.session_user_in_project(session, uid, generation, slug, statement, binds)
    if turn and user is not None and passage is not None:
        passage_lock.mark_held(session, passage, user.id)
    if writing and lookup.project is not None:
        # The passage, when asked for, is the first extra value; the session now holds it.
        stamp = lookup.extra[_STAMP] if passage is not None else lookup.extra
        code_index.remember_stamp(session, lookup.project.id, stamp)
    g.wb_project = lookup
    return user


def _named_passage() -> int | None:
    """The passage id a coding action's form names, if it is one; the action checks it again."""
    raw = request.form.get("passage_id", "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or int(raw) > parsers.INT_MAX:
        return None
    return int(raw)


login_manager.user_loader(load_user)  # registered without a decorator: Flask-Login is untyped


def current_project(slug: str) -> tuple[Project, str]:
    """Load a project by slug and the user's role in it (admins act as leads)."""
    lookup = g.get("wb_project")
    if lookup is not None and lookup.slug == slug:
        # Read with the user when the request began (load_user): the request acts as the role
        # was then.
        return membership.checked_role(lookup, me())
    return membership.project_and_role(db(), slug, me())


def me() -> User:
    """Return the signed-in user itself, not the proxy (cheaper where it is used in loops)."""
    return cast(User, current_user._get_current_object())


def lead_only(role: str) -> None:
    """Refuse the request unless the user leads the project."""
    if role != "lead":
        raise Forbidden(_("Only a project lead can do this."))


def lead_project(slug: str) -> Project:
    """Load a project the signed-in user leads (admins act as leads); refuse anyone else."""
    # Read afresh, not as the request began: a lead's use case checks the role inside its write.
    project, role = membership.project_and_role(db(), slug, me())
    lead_only(role)
    return project


def admin_only() -> User:
    """Refuse the request unless the user is an instance admin; return that admin."""
    user = me()
    if not user.is_admin:
        raise Forbidden(_("Only an instance admin can do this."))
    return user
