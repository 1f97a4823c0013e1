"""Usernames equal but for case name one account, in any script, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.db.test_export_data import build_study
from workbench.accounts import users as accounts
from workbench.accounts.passwords import hash_password
from workbench.analysis import layers
from workbench.analysis import segments
from workbench.coding import actions as coding
from workbench.core.errors import Conflict
from workbench.core.errors import NotFound
from workbench.formats.scope import ExportScope
from workbench.formats.scope import Layer
from workbench.models import User


def _twin(session: Session, username: str) -> User:
    """An account made before names were compared in every script: inserted as it is."""
    user = User(
        username=username, display_name=f"twin {username}", password_hash=hash_password("x")
    )
    session.add(user)
    session.commit()
    return user


@pytest.mark.parametrize(
    ("first", "second"),
    [("Émile", "émile"), ("ÉMILE", "émile"), ("Kate", "\u212aate"), ("Straße", "STRASSE")],
)
def test_a_name_equal_but_for_case_is_taken(session: Session, first: str, second: str) -> None:
    accounts.create_user(session, first, "a long enough password 1")
    session.commit()
    with pytest.raises(Conflict, match="is taken"):
        accounts.create_user(session, second, "a long enough password 2")


def test_the_exact_name_wins_and_a_guess_between_two_is_refused(session: Session) -> None:
    upper = accounts.create_user(session, "Émile", "a long enough password 1")
    session.commit()
    lower = _twin(session, "émile")
    assert accounts.find_user(session, "Émile") is upper
    assert accounts.find_user(session, "émile") is lower
    # Neither name is "ÉMILE": which account was meant cannot be told.
    assert accounts.find_user(session, "ÉMILE") is None
    with pytest.raises(NotFound):
        accounts.user_by_name(session, "ÉMILE")
    # Alone, an account is found under any case of its name, in any script.
    solo = accounts.create_user(session, "Ünal.Á", "a long enough password 3")
    session.commit()
    assert accounts.find_user(session, "ünal.á") is solo
    assert accounts.find_user(session, "ÜNAL.Á") is solo
    assert accounts.authenticate(session, "ünal.á", "a long enough password 3") is solo


def test_a_coders_own_layer_is_theirs_when_a_twin_exists(
    session: Session, make_user: Any, make_project: Any, import_text: Any
) -> None:
    study = build_study(session, make_user, make_project, import_text)
    project = study.project
    mine = make_user("Émile", name="Émile")
    accounts.add_member(session, project, mine, "coder")
    twin = _twin(session, "émile")
    accounts.add_member(session, project, twin, "coder")
    passage = study.english[1]
    coding.apply_code(session, project, twin, passage.id, study.codes["Sovereignty"].id, stance=-1)
    session.commit()
    layer = layers.resolve_layer(session, project, mine, "coder", None)
    assert layer == Layer("coder", "Émile")
    scope = ExportScope(layer=layer)
    assert layers.layer_coder_ids(session, project, scope) == [mine.id]
    sovereignty = segments.SegmentFilters(code_id=study.codes["Sovereignty"].id)
    assert segments.segments(session, project, scope, sovereignty)[1] == 0
    # The twin's own layer is the twin's, with the coding it made.
    theirs = ExportScope(layer=layers.resolve_layer(session, project, twin, "coder", None))
    assert layers.layer_coder_ids(session, project, theirs) == [twin.id]
    assert segments.segments(session, project, theirs, sovereignty)[1] == 1
