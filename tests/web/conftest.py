"""A coded project for the web tests: a lead, two coders, the seed codebook, two documents.

Also ``traffic``: what the application sends its database during a request."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.codebooks import codes as codebooks
from workbench.models import Code
from workbench.models import Passage
from workbench.web.unit import database


@dataclass
class Team:
    """Everything a coding test needs."""

    project: Any
    lead: Any
    coder1: Any
    coder2: Any
    codes: dict[str, Code]
    passages: list[Passage]

    @property
    def slug(self) -> str:
        """The project's slug."""
        return str(self.project.slug)


ENGLISH = (
    b"Mr. Zhang Jun (China): We support capacity-building for developing countries.\n\n"
    b"We oppose interference in the internal affairs of sovereign States.\n\n"
    b"The private sector is an indispensable partner in countering terrorist financing.\n"
)


@pytest.fixture()
def team(session: Session, make_user, make_project, import_text) -> Team:
    lead = make_user("lead", name="Lead")
    coder1 = make_user("coder1", name="Coder One")
    coder2 = make_user("coder2", name="Coder Two")
    project = make_project("CT study", lead=lead, coders=(coder1, coder2), blind=True)
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    import_text(project, [("statement.txt", ENGLISH)])
    codes = {c.name: c for c in codebooks.live_codes(session, project)}
    passages = list(
        session.scalars(
            select(Passage).where(Passage.project_id == project.id).order_by(Passage.ordinal)
        )
    )
    return Team(project, lead, coder1, coder2, codes, passages)


@dataclass
class Traffic:
    """What the application sent its database during one request."""

    statements: list[str] = field(default_factory=list)
    transactions: int = 0
    checkouts: int = 0

    def clear(self) -> None:
        self.statements.clear()
        self.transactions = self.checkouts = 0


@pytest.fixture()
def traffic(app: Flask) -> Iterator[Traffic]:
    engine = database(app).engine
    seen = Traffic()

    def statement(_conn, _cursor, sql, _params, _context, _many) -> None:
        seen.statements.append(" ".join(sql.split())[:60])

    def begin(_conn) -> None:
        seen.transactions += 1

    def checkout(*_args) -> None:
        seen.checkouts += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "begin", begin)
    event.listen(engine, "checkout", checkout)
    yield seen
    event.remove(engine, "before_cursor_execute", statement)
    event.remove(engine, "begin", begin)
    event.remove(engine, "checkout", checkout)
