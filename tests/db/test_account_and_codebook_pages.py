"""The accounts services behind the admin pages, and the codebook and project page models."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from workbench.accounts import pages
from workbench.accounts import project_settings
from workbench.accounts import users as accounts
from workbench.codebooks import codes as codebooks
from workbench.codebooks.pages import codebook_page
from workbench.coding.project_page import project_page
from workbench.core.errors import NotFound
from workbench.core.errors import ValidationError
from workbench.documents.catalog import DocumentFilters
from workbench.models import AuditEvent


def test_changing_ones_own_password_checks_the_current_one(session, make_user) -> None:
    user = make_user("coder")
    generation = user.session_generation
    with pytest.raises(ValidationError, match="current password is wrong"):
        accounts.change_own_password(session, user, "wrong", "a-new-passphrase", "a-new-passphrase")
    with pytest.raises(ValidationError, match="differ"):
        accounts.change_own_password(session, user, PASSWORD, "a-new-passphrase", "another-one")
    accounts.change_own_password(session, user, PASSWORD, "a-new-passphrase", "a-new-passphrase")
    assert accounts.authenticate(session, "coder", "a-new-passphrase") is user
    assert user.session_generation == generation + 1  # every other session ends


def test_admin_services_find_accounts_by_id(session, make_user) -> None:
    root = make_user("root", admin=True)
    other = make_user("other")
    assert [u.username for u in pages.users_page(session).users] == ["other", "root"]
    user, password = accounts.reset_password(session, other.id)
    assert user is other and accounts.authenticate(session, "other", password) is other
    with pytest.raises(ValidationError, match="your own account"):
        accounts.set_active(session, root.id, False, by=root)
    assert accounts.set_active(session, other.id, False, by=root).active is False
    with pytest.raises(NotFound):
        accounts.get_user(session, 999_999)


def test_blind_setting_is_recorded_once_per_change(session, make_user, make_project) -> None:
    lead = make_user("lead")
    project = make_project(lead=lead, blind=True)
    assert project_settings.set_blind(session, project, True, actor=lead) is False
    assert project_settings.set_blind(session, project, False, actor=lead) is True
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "project")).all()
    assert [(e.before, e.after) for e in events] == [({"blind": True}, {"blind": False})]


def test_codebook_page_shows_a_blind_coder_only_their_own_use(
    session, make_user, make_project
) -> None:
    lead, coder = make_user("lead"), make_user("coder")
    project = make_project(lead=lead, coders=(coder,), blind=True)
    codebooks.ensure_seed_codebook(session, project, lead)
    as_coder = codebook_page(session, project, "coder", coder, message="hello")
    as_lead = codebook_page(session, project, "lead", lead)
    assert as_coder.usage_mine and not as_lead.usage_mine
    assert as_coder.message == "hello" and as_coder.version == as_lead.version == 1
    assert [c.id for c, _ in as_coder.tree] == [c.id for c, _ in as_lead.tree]
    project.blind = False
    assert not codebook_page(session, project, "coder", coder).usage_mine


def test_project_page_turns_a_bad_filter_into_a_message(session, make_user, make_project) -> None:
    lead = make_user("lead")
    project = make_project(lead=lead)
    page = project_page(
        session, project, "lead", lead, DocumentFilters(date_from="soon"), page_size=10
    )
    assert page.error and "date" in page.error
    assert page.listing.documents == [] and [u.username for u, _ in page.members] == ["lead"]
    quiet = project_page(
        session, project, "lead", lead, DocumentFilters(), page_size=10, with_members=False
    )
    assert quiet.error is None and quiet.members == []
