"""The per-process codebook cache never serves another project's codes, even for a reused id."""

from __future__ import annotations

from sqlalchemy import select

from workbench.accounts import users as accounts
from workbench.codebooks import codes as codebooks
from workbench.codebooks.code_index import code_index
from workbench.core.codebook import CodebookSpec
from workbench.core.codebook import CodeSpec
from workbench.models import Project


def test_a_reused_project_id_gets_its_own_codes(session, make_user) -> None:
    lead = make_user("lead")
    first = accounts.create_project(session, "First", lead=lead)
    codebooks.ensure_seed_codebook(session, first, lead)
    session.commit()
    first_id = first.id
    assert "Sovereignty" in {c.name for c in code_index(session, first_id).live}
    session.delete(first)
    session.commit()
    session.expunge_all()  # the deleted codes' objects must not shadow the new rows' ids
    # SQLite hands the highest rowid out again; PostgreSQL after RESTART IDENTITY does too.
    second = accounts.create_project(session, "Second", lead=lead)
    spec = CodebookSpec(
        codes=(CodeSpec(key="9f0c2a10-8d1b-4c55-9a0e-0b1d2c3e4f50", name="Only", parent_key=None),)
    )
    codebooks.install_spec(session, second, spec, user=lead, note="own codebook")
    session.commit()
    session.expire_all()
    names = {c.name for c in code_index(session, second.id).live}
    assert names == {"Only"}, (first_id, second.id, names)
    assert session.scalar(select(Project.id).where(Project.name == "First")) is None


def test_an_edit_is_seen_at_once(session, make_user) -> None:
    lead = make_user("lead")
    project = accounts.create_project(session, "P", lead=lead)
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    code = next(c for c in code_index(session, project.id).live if c.name == "Sovereignty")
    codebooks.edit_code(session, project, code.id, {"definition": "Changed."}, user=lead)
    session.commit()
    fresh = code_index(session, project.id).by_id[code.id]
    assert fresh.definition == "Changed." and fresh.revision == code.revision + 1


def test_the_stamp_read_with_the_project_is_the_one_read_alone(session, make_user) -> None:
    # A coding action reads the codebook's stamp with the user and project; kept for the write,
    # it must equal what code_index reads by itself, before the first version and after one.
    from workbench.accounts import membership
    from workbench.codebooks import code_index as index

    lead = make_user("lead")
    project = accounts.create_project(session, "P", lead=lead)
    session.commit()
    statement = membership.lookup_statement(*index.STAMP_COLUMNS)
    for make_version in (False, True):
        if make_version:
            codebooks.ensure_seed_codebook(session, project, lead)
            session.commit()
        _user, lookup = membership.user_and_project(session, lead.id, project.slug, statement)
        index.remember_stamp(session, project.id, lookup.extra)
        kept = session.info[index._MEMO][project.id]
        index.forget_version(session, project.id)
        alone = index._stamp(session, project.id)
        assert kept == alone
        assert (kept[0] > 0) is make_version, kept
