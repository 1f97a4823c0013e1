"""A code applied with its own key while its suggestion chip is on screen is recorded as
"suggestion shown, not accepted"; the browser's word is checked against what is offered."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import reread
from tests.db.quality_fixtures import keyword_project
from tests.db.quality_fixtures import passages_of
from workbench.models import Annotation
from workbench.models import Document
from workbench.quality import suggestions


def _flags(session, passage_id: int, coder_id: int, code_id: int) -> tuple[bool, bool] | None:
    row = session.scalar(
        select(Annotation).where(
            Annotation.passage_id == passage_id,
            Annotation.coder_id == coder_id,
            Annotation.code_id == code_id,
        )
    )
    return None if row is None else (row.suggestion_shown, row.suggestion_accepted)


def test_own_key_with_chip_on_screen_records_shown_not_accepted(
    session, make_user, make_project, import_text, client_factory
) -> None:
    project, lead, ann, partnership, randomly = keyword_project(
        session, make_user, make_project, import_text
    )
    suggestions.train_project(session, project, lead)
    suggestions.set_enabled(session, project, lead, partnership.id, True)
    session.commit()
    import_text(
        project,
        [
            (
                "new.txt",
                b"We support a public-private partnership here.\n\n"
                b"A public-private partnership again, and more of it.\n\nNothing else at all.",
            )
        ],
    )
    fresh = session.scalar(select(Document).order_by(Document.id.desc()).limit(1))
    assert fresh is not None
    first, second, plain = [p for p in passages_of(session, project) if p.document_id == fresh.id]
    offered = suggestions.suggestions_for(
        session, project, ann, [(p.id, p.text) for p in (first, second, plain)]
    )
    assert set(offered) == {first.id, second.id}

    coder = client_factory()
    coder.login("ann")
    toggle = f"/p/{project.slug}/code/toggle"
    scope = f"doc:{fresh.id}"

    def key(passage_id: int, code_id: int) -> dict[str, object]:
        return {"passage_id": passage_id, "code_id": code_id, "scope": scope}

    # Applied with its own key while the chip shows: shown, not accepted.
    done = coder.post(toggle, {**key(first.id, partnership.id), "suggestion_shown": "1"})
    assert done.status_code == 200
    # The same key without a chip on screen: nothing shown.
    coder.post(toggle, {"passage_id": second.id, "code_id": partnership.id, "scope": scope})
    # The browser claims a chip the workbench never offered (no suggestion there, or a code
    # without suggestions): not believed.
    coder.post(toggle, {**key(plain.id, partnership.id), "suggestion_shown": "1"})
    coder.post(toggle, {**key(first.id, randomly.id), "suggestion_shown": "1"})
    reread(session)
    assert _flags(session, first.id, ann.id, partnership.id) == (True, False)
    assert _flags(session, second.id, ann.id, partnership.id) == (False, False)
    assert _flags(session, plain.id, ann.id, partnership.id) == (False, False)
    assert _flags(session, first.id, ann.id, randomly.id) == (False, False)

    # Toggled off with the flag: nothing is left to mark, and no error.
    off = coder.post(toggle, {**key(first.id, partnership.id), "suggestion_shown": "1"})
    assert off.status_code == 200
    reread(session)
    assert _flags(session, first.id, ann.id, partnership.id) is None
    # Accepting by the chip still records an accepted suggestion.
    coder.post(toggle, {"passage_id": second.id, "code_id": partnership.id, "scope": scope})
    accepted = coder.post(
        f"/p/{project.slug}/suggest/accept", {"passage_id": second.id, "code_id": partnership.id}
    )
    assert accepted.status_code == 200
    reread(session)
    assert _flags(session, second.id, ann.id, partnership.id) == (True, True)
