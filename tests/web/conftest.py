"""A coded project for the web tests: a lead, two coders, the seed codebook, two documents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.codebooks import codes as codebooks
from workbench.models import Code
from workbench.models import Passage


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
