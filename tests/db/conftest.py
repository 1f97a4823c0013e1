"""Fixtures shared by the database tests."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from workbench.codebooks import codes as codebooks
from workbench.models import Passage


@pytest.fixture()
def desk(session, make_user, make_project, import_text):
    """A project with three coders, the seed codebook and a four-passage document."""
    lead = make_user("lead")
    coders = [make_user(f"t{i}") for i in range(3)]
    project = make_project("Toggles", lead=lead, coders=tuple(coders))
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    text = "\n\n".join(f"Passage {i} on sovereignty and cooperation." for i in range(4))
    import_text(project, [("toggles.txt", text.encode())])
    passages = [
        p.id
        for p in session.scalars(
            select(Passage).where(Passage.project_id == project.id).order_by(Passage.id)
        )
    ]
    codes = [c.id for c in codebooks.live_codes(session, project) if c.is_codable]
    return project, coders, passages, codes
