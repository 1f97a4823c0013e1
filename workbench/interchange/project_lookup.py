"""The project as an import of codings names it: documents, passages, members and codes by name.

Coders are matched by username or display name among the project's members only. Any other
name is an error, worded the same whether or not such an account exists on the instance (so
an import never reveals usernames), unless the lead asks to create missing coders: then a new
account is created for each, inactive (it cannot sign in until an admin sets a password), named
as the file writes it (letters of any script kept), and added to the project as a coder.
"""

from __future__ import annotations

import re
import secrets
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.accounts import users as accounts
from workbench.accounts.names import normalise_username
from workbench.codebooks import codes as codebooks
from workbench.models import Code
from workbench.models import Document
from workbench.models import Membership
from workbench.models import Passage
from workbench.models import Project
from workbench.models import User


class ProjectLookup:
    """Documents, passages, coders and codes of the project, loaded once per import."""

    def __init__(self, session: Session, project: Project) -> None:
        self.session, self.project = session, project
        docs = session.execute(
            select(Document.id, Document.title, Document.filename).where(
                Document.project_id == project.id
            )
        ).all()
        self.by_title: dict[str, list[int]] = defaultdict(list)
        self.by_title_folded: dict[str, list[int]] = defaultdict(list)
        self.by_file: dict[str, list[int]] = defaultdict(list)
        for doc_id, title, filename in docs:
            self.by_title[title.strip()].append(doc_id)
            self.by_title_folded[title.strip().casefold()].append(doc_id)
            self.by_file[filename.strip().casefold()].append(doc_id)
        self._passages: dict[int, list[Passage]] = {}
        # Only the project's members: a name outside it reads exactly like an unknown one, so
        # an import never tells which usernames exist elsewhere on the instance.
        users = session.execute(
            select(User.id, User.username, User.display_name)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.project_id == project.id)
        ).all()
        self.users: dict[str, str] = {}
        names: dict[str, list[str]] = defaultdict(list)
        for _, username, display in users:
            self.users[_name_key(username)] = username
            names[_name_key(display)].append(username)
        self.display = {n: u[0] for n, u in names.items() if len(u) == 1}
        live = codebooks.live_codes(session, project)
        paths = codebooks.code_paths(live)
        self.code_by_path = {_path_key(paths[c.id]): c for c in live}
        by_name: dict[str, list[Code]] = defaultdict(list)
        for c in live:
            by_name[c.name.strip().casefold()].append(c)
        self.code_by_name = by_name

    def document(self, ref: str) -> tuple[int | None, str]:
        for table, key in (
            (self.by_title, ref.strip()),
            (self.by_title_folded, ref.strip().casefold()),
            (self.by_file, ref.strip().casefold()),
        ):
            found = table.get(key, [])
            if len(found) == 1:
                return found[0], ""
            if len(found) > 1:
                return None, f"{len(found)} documents are called '{ref}'"
        return None, f"no document called '{ref}'"

    def passages(self, doc_id: int) -> list[Passage]:
        if doc_id not in self._passages:
            self._passages[doc_id] = list(
                self.session.scalars(
                    select(Passage).where(Passage.document_id == doc_id).order_by(Passage.ordinal)
                )
            )
        return self._passages[doc_id]

    def coder(self, ref: str) -> str | None:
        """The username of the member this name or display name means, if any."""
        key = _name_key(ref)
        return self.users.get(key) or self.display.get(key)

    def code(self, ref: str) -> tuple[Code | None, str]:
        found = self.code_by_path.get(_path_key(ref))
        if found is not None:
            return found, ""
        named = self.code_by_name.get(ref.strip().casefold(), [])
        if len(named) == 1:
            return named[0], ""
        if len(named) > 1:
            return None, f"{len(named)} codes are called '{ref}': give the full path"
        return None, f"no code '{ref}' in the codebook"


def member_by_name(session: Session, project: Project, ref: str) -> User | None:
    """The project member this username or (unique) display name means; None for anyone else.

    Every import that attributes codings by name goes through this, so an account that is not
    a member is never written to and never told apart from a name that does not exist."""
    username = ProjectLookup(session, project).coder(ref)
    if username is None:
        return None
    return session.scalars(select(User).where(User.username == username)).one()


def _name_key(name: str) -> str:
    return normalise_username(name).casefold()


def not_member_message(name: str) -> str:
    """The one answer for a coder name that is no member (whether or not the account exists)."""
    return (
        f"'{name}' is not a member of this project (ask for 'create missing coders' to add "
        "them as new coders)"
    )


def _path_key(path: str) -> str:
    return " > ".join(p.strip() for p in re.split(r"\s*>\s*|::|\\", path.strip())).casefold()


def username_from(name: str) -> str:
    """A valid username made from a name as written: letters of any script are kept."""
    cleaned = re.sub(r"[^\w.-]+", "_", normalise_username(name))
    base = cleaned.strip("_.-")[:70] or "coder"
    return base if len(base) >= 2 else f"coder_{base}"


def create_coder(session: Session, project: Project, name: str) -> User:
    """A new inactive account for this project, named as the file names the coder."""
    base = username_from(name)
    username, n = base, 1
    while accounts.username_taken(session, username):
        n += 1
        username = f"{base}_{n}"
    user = accounts.create_user(
        session, username, secrets.token_urlsafe(24), display_name=name.strip()
    )
    user.active = False  # cannot sign in until an admin gives it a password
    accounts.add_member(session, project, user, "coder")
    return user
