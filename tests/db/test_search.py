"""The search index answers exactly what a plain Python substring scan answers, on both databases.

The oracle is ``core.search_text.matches`` applied to every stored text in Python; the index
query is the one the document list, the coding view and retrieval run. They must agree on
tricky text, after every kind of passage change, and on a sample of the real corpus.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.engine.interfaces import CacheStats
from sqlalchemy.orm import Session

from tests.conftest import SHARED
from tests.db.lifecycle_fixtures import build
from tests.db.lifecycle_fixtures import code_paragraphs
from workbench.core.search_text import fold
from workbench.core.search_text import matches
from workbench.documents import catalog
from workbench.documents import deletion
from workbench.documents import layout_preview
from workbench.documents import lifecycle_history
from workbench.documents import passage_edits
from workbench.documents import passage_layout
from workbench.documents import resegment
from workbench.documents.search import id_in
from workbench.documents.search import passage_text_matches
from workbench.models import AuditEvent
from workbench.models import Document
from workbench.models import Passage

TRICKY = [
    "Counter-TERRORISM measures and terrorism financing",
    "TeRrOrIsM in mixed case",
    "ＴＥＲＲＯＲＩＳＭ in full width, １００％ sure",
    "ｔｅｒｒｏｒｉｓｍ lower full width",
    "Die STRASSE und die Straße; ẞ capital sharp s",
    "İstanbul, ISTANBUL and ıstanbul (dotless)",
    "ΟΔΟΣ and οδός; Σίσυφος ΣΟΦΟΣ",
    "100% sure of a_b and back\\slash, 50%_\\ too",
    "反对一切形式的恐怖主义。",
    "恐，怖 stand apart here",
    "维护主权和领土完整",
    "主 权 with a space",
    "恐怖",
    "Astral 𠀀𠀁 ideographs and an emoji 😀 here",
    "𠀀",
    "Kelvin K sign and Ångström Å sign",
    'He said "quoted" and a""b',
    "テロリズム and 테러 too",
    "ТЕРРОРИЗМ и терроризм",
    "UN",
    "a",
    # A run of letters longer than the PostgreSQL word index keeps as a word (migration 0018).
    "x" * 30 + "terrorism" + "y" * 31 + " and counterterrorism2001",
    "Bioterrorism, 2001abc; terror_ism and terror-ism",
]

QUERIES = [
    "terrorism",
    "TERRORISM",
    "ｔｅｒｒｏｒｉｓｍ",
    "ＴＥＲＲ",
    "１００％",
    "straße",
    "STRASSE",
    "ẞ",
    "ß",
    "istanbul",
    "İstanbul",
    "İ",
    "i",
    "ı",
    "σ",
    "ς",
    "ΟΔΟΣ",
    "σοφος",
    "%",
    "_",
    "\\",
    "100%",
    "a_b",
    "50%_\\",
    "恐",
    "恐怖",
    "恐怖主义",
    "主权",
    "怖",
    "主 权",
    "，",
    "𠀀",
    "𠀀𠀁",
    "😀",
    "k",
    "K",
    "Å",
    "å",
    '"',
    'a"b',
    '""',
    '"quoted"',
    "テロ",
    "테",
    "терроризм",
    "a",
    "un",
    "UN",
    " ",
    "  ",
    "sign and",
    "terror",
    "ism",
    "rorism",
    "counterterrorism",
    "2001abc",
    "001",
    "xterrorismy",
    "kelvin",
    "x" * 30,
    "x" * 30 + "terrorism" + "y" * 31,
]


def _index_ids(session: Session, project_id: int, query: str) -> set[int]:
    stmt = select(Passage.id).where(
        Passage.project_id == project_id, passage_text_matches(query, project_id)
    )
    return set(session.scalars(stmt))


def _oracle_ids(session: Session, project_id: int, query: str) -> set[int]:
    rows = session.execute(select(Passage.id, Passage.text).where(Passage.project_id == project_id))
    return {pid for pid, body in rows if matches(query, body)}


def _assert_agrees(session: Session, project_id: int, queries: list[str]) -> None:
    wrong = {}
    for q in queries:
        got, want = _index_ids(session, project_id, q), _oracle_ids(session, project_id, q)
        if got != want:
            wrong[q] = (sorted(got - want), sorted(want - got))
    assert wrong == {}, f"index and substring scan disagree (extra, missing): {wrong}"


def _add_tricky(session: Session, project, document: Document) -> None:
    for i, body in enumerate(TRICKY):
        session.add(
            Passage(
                document_id=document.id,
                project_id=project.id,
                ordinal=1000 + i,
                text=body,
                start_offset=0,
                end_offset=len(body),
            )
        )
    session.commit()


@pytest.fixture()
def coded(session: Session, make_user, make_project, import_text):
    c = build(session, make_user, make_project, import_text)
    code_paragraphs(session, c)
    return c


def test_index_equals_substring_scan_on_tricky_text(session: Session, coded) -> None:
    _add_tricky(session, coded.project, coded.other)
    _assert_agrees(session, coded.project.id, QUERIES)
    # Not vacuous: the hard cases do find something, and only what they should.
    assert len(_index_ids(session, coded.project.id, "terrorism")) == 4
    assert len(_index_ids(session, coded.project.id, "x" * 30)) == 1
    # Case folds within full width; width itself is not folded (no NFKC).
    assert len(_index_ids(session, coded.project.id, "ｔｅｒｒｏｒｉｓｍ")) == 2
    assert len(_index_ids(session, coded.project.id, "主权")) == 1
    assert len(_index_ids(session, coded.project.id, "恐怖")) == 2
    assert len(_index_ids(session, coded.project.id, "%")) == 1


def test_document_list_search_equals_the_scan(session: Session, coded) -> None:
    _add_tricky(session, coded.project, coded.other)
    # Titles with the two characters that fold into ASCII ("İ" and the Kelvin sign).
    coded.other.title = "İSTANBUL talks at 300 \u212a"
    session.commit()
    docs = list(session.scalars(select(Document).where(Document.project_id == coded.project.id)))
    for q in ["terrorism", "恐怖", "sovereign", "statement", "STATEMENT", "%", "ä", "istanbul"]:
        page = catalog.list_documents(session, coded.project, catalog.DocumentFilters(q=q))
        want = {
            d.id for d in docs if matches(q, d.title) or any(matches(q, p.text) for p in d.passages)
        }
        assert {d.id for d in page.documents} == want, q
        assert page.total == len(want)
    # Not vacuous: found through the title alone, by folding.
    for q in ("istanbul", "İst", "300 k", "300 K"):
        page = catalog.list_documents(session, coded.project, catalog.DocumentFilters(q=q))
        assert coded.other.id in {d.id for d in page.documents}, q


def test_a_search_keeps_to_its_project(session: Session, coded, make_project, import_text) -> None:
    """Another project's titles and passages never match, even where the condition is an OR."""
    other = make_project("Elsewhere", lead=coded.lead)
    # The Kelvin sign folds into "k": an ASCII query's condition tests for it in an OR.
    body = "\u212a statement on terrorism, sovereignty and UN reform."
    import_text(other, [("elsewhere.txt", body.encode())])
    elsewhere = session.scalars(select(Document).where(Document.project_id == other.id)).one()
    elsewhere.title = "\u212a statement on terrorism"
    session.commit()
    theirs = set(session.scalars(select(Passage.id).where(Passage.project_id == other.id)))
    for q in ("k", "un", "terrorism", "statement", "st"):
        assert not _index_ids(session, coded.project.id, q) & theirs, q
        page = catalog.list_documents(session, coded.project, catalog.DocumentFilters(q=q))
        assert elsewhere.id not in {d.id for d in page.documents}, q
    # Not vacuous: the other project finds its own.
    assert _index_ids(session, other.id, "k") == theirs
    if session.get_bind().dialect.name == "postgresql":
        # The index gathers the project's rows only (the statement's own filter aside): a
        # common word no longer collects every project's matches first.
        for q in ("terrorism", "st"):
            alone = select(Passage.id).where(passage_text_matches(q, other.id))
            assert set(session.scalars(alone)) == theirs, q
    page = catalog.list_documents(session, other, catalog.DocumentFilters(q="statement"))
    assert [d.id for d in page.documents] == [elsewhere.id]


def test_document_list_pages_a_search_in_the_list_order(
    session: Session, make_user, make_project, import_text
) -> None:
    """Matches beyond a page are paged in the list's order: newest first, undated last."""
    lead = make_user("lead")
    project = make_project("Paged", lead=lead)
    files = [(f"d{i:02d}.txt", f"Statement {i} on terrorism.".encode()) for i in range(12)]
    import_text(project, [*files, ("quiet.txt", b"A statement on trade alone.")])
    docs = sorted(
        session.scalars(select(Document).where(Document.project_id == project.id)),
        key=lambda d: d.id,
    )
    dates = ["2020-05-01", None, "2021", "2020-05-01", None, "2019-12", "2021", "2020-05-01"]
    for i, doc in enumerate(docs):
        doc.date = dates[i % len(dates)]
        doc.title = "Same title" if i % 3 == 0 else f"Title {i % 5}"
        doc.language = "zh" if i % 4 == 0 else "en"
    session.commit()

    def ordered(wanted: list[Document]) -> list[int]:
        by_title = sorted(wanted, key=lambda d: (d.title, d.id))
        # A stable sort: newest first, undated last; ties keep the title-then-id order.
        return [d.id for d in sorted(by_title, key=lambda d: d.date or "", reverse=True)]

    cases: list[tuple[str, dict[str, str], list[Document]]] = [
        ("terrorism", {}, docs[:12]),
        ("statement", {}, docs),
        ("statement", {"date_from": "2020"}, [d for d in docs if (d.date or "") >= "2020"]),
        ("statement", {"language": "en"}, [d for d in docs if d.language == "en"]),
    ]
    for q, narrowed, want_docs in cases:
        want = ordered(want_docs)
        got: list[int] = []
        for number in range(1, 6):
            filters = catalog.DocumentFilters(q=q, page=number, **narrowed)
            page = catalog.list_documents(session, project, filters, page_size=4)
            assert page.total == len(want), (q, narrowed)
            if number <= page.pages:
                got += [d.id for d in page.documents]
        assert got == want, (q, narrowed)


def test_index_follows_every_passage_change(session: Session, coded) -> None:
    project, lead, doc = coded.project, coded.lead, coded.document
    queries = ["capacity", "banks must", "sovereign", "sanctions", "xinjiang", "恐怖", "the"]

    def check() -> None:
        session.expire_all()
        _assert_agrees(session, project.id, queries)

    check()
    # Edit a passage's text in place.
    first = session.scalars(select(Passage).where(Passage.document_id == doc.id)).first()
    assert first is not None
    first.text = "Xinjiang and 恐怖主义 now; capacity gone"
    session.commit()
    check()
    first.text = "We support capacity-building for developing countries."
    session.commit()
    check()
    # Split and merge, each undone.
    passages = catalog.passages_of(session, doc)
    p2 = passages[2]
    for layout in (
        passage_edits.split_layout(session, doc, p2, p2.text.index("Banks")),
        passage_edits.merge_layout(session, doc, passages[0]),
    ):
        preview = layout_preview.preview(session, doc, layout)
        event_id = passage_layout.apply(session, project, lead, doc, layout, preview.fingerprint)
        session.commit()
        check()
        lifecycle_history.undo(session, project, lead, event_id)
        session.commit()
        check()
    # Re-segment into sentences (with whatever cannot move removed), then undo.
    layout = resegment.layout_for(doc, "sentence", spread=True)
    preview = layout_preview.preview(session, doc, layout)
    event_id = passage_layout.apply(session, project, lead, doc, layout, preview.fingerprint)
    session.commit()
    check()
    lifecycle_history.undo(session, project, lead, event_id)
    session.commit()
    check()
    # Delete the document, undo, and delete the other one's passages directly.
    deletion.delete_document(session, project, lead, doc)
    session.commit()
    check()
    event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None
    lifecycle_history.undo(session, project, lead, event.id)
    session.commit()
    check()
    assert _index_ids(session, project.id, "capacity")
    session.execute(delete(Passage).where(Passage.document_id == coded.other.id))
    session.commit()
    check()
    assert not _index_ids(session, project.id, "sanctions")


def test_database_folding_is_core_folding(session: Session, coded) -> None:
    """The database folds every code point exactly as core.search_text.fold does."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                'SELECT i, lower(chr(i) COLLATE "C.utf8") FROM generate_series(1, 1114111) i '
                "WHERE i NOT BETWEEN 55296 AND 57343"
            )
        )
    else:
        rows = session.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 130000) "
                "SELECT i, wb_fold(char(i)) FROM n WHERE i NOT BETWEEN 55296 AND 57343"
            )
        )
    wrong = [(hex(i), got) for i, got in rows if got != fold(chr(i))]
    assert wrong == []


CORPUS_QUERIES = [
    "terrorism",
    "Terrorism",
    "TERRORISM",
    "counter-terrorism",
    "sovereignty",
    "Xinjiang",
    "ISIL",
    "UN",
    "un",
    "%",
    "恐怖",
    "主权",
    "恐怖主义",
    "安理会",
    "中国",
    "的",
    "新疆",
    "“",
]


def _corpus_sample(step: int) -> list[tuple[str, bytes]]:
    files = []
    for path in sorted((SHARED / "corpus").glob("*.jsonl")):
        lines = path.read_bytes().splitlines()
        # Every Chinese row (there are few) and every step-th of the others, deterministic.
        keep = [ln for i, ln in enumerate(lines) if i % step == 0 or b'"language": "zh"' in ln]
        files.append((path.name, b"\n".join(keep) + b"\n"))
    return files


@pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="the shared corpus is not here")
def test_corpus_search_equals_the_scan(session: Session, make_user, make_project) -> None:
    """On a deterministic sample of the real corpus, the index finds what the scan finds."""
    from workbench.documents import importing

    lead = make_user("lead")
    project = make_project("Corpus", lead=lead)
    importing.import_files(session, project, _corpus_sample(6), user=lead)
    session.commit()
    rows = session.execute(
        select(Passage.id, Passage.document_id, Passage.text).where(
            Passage.project_id == project.id
        )
    ).all()
    assert len(rows) > 15_000
    titles = {
        doc_id: title
        for doc_id, title in session.execute(
            select(Document.id, Document.title).where(Document.project_id == project.id)
        )
    }
    found = {}
    for q in CORPUS_QUERIES:
        want = {pid for pid, _doc, body in rows if matches(q, body)}
        assert _index_ids(session, project.id, q) == want, q
        want_docs = {doc for _pid, doc, body in rows if matches(q, body)}
        want_docs |= {d for d, title in titles.items() if matches(q, title)}
        page = catalog.list_documents(session, project, catalog.DocumentFilters(q=q))
        assert page.total == len(want_docs), q
        found[q] = len(want)
    # The sample holds both languages, so the comparison is not between two empty sets.
    # (The corpus's Chinese is 53 speeches; every one of them is in the sample.)
    assert found["terrorism"] > 500 and found["恐怖"] >= 5 and found["主权"] >= 5, found
    assert found["的"] > 100 and found["UN"] > found["terrorism"], found
    # Case-insensitive: the three spellings find the same passages.
    assert found["terrorism"] == found["Terrorism"] == found["TERRORISM"]


def _index_rows(session: Session) -> int:
    """Rows in the search index (SQLite: the trigram table; PostgreSQL: the folded copies)."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    table = "passage_search" if postgresql else "passage_trigram"
    return int(session.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


def _bulk_files(documents: int, passages: int) -> list[tuple[str, bytes]]:
    # Each passage carries a word of its own, so every one of them can be looked for.
    return [
        (
            f"bulk-{d:03d}.txt",
            "\n\n".join(
                f"Paragraph {p} of statement {d} names Qz{d:03d}w{p:02d}x and TERRORISM."
                for p in range(passages)
            ).encode(),
        )
        for d in range(documents)
    ]


def test_a_bulk_import_indexes_every_passage(session: Session, make_user, make_project) -> None:
    """The import's batched inserts leave no passage out of the index (more than a batch)."""
    from workbench.documents import importing

    lead = make_user("lead")
    project = make_project("Bulk", lead=lead)
    with importing.spool_uploads(_bulk_files(130, 50), max_file_bytes=1 << 20) as spool:
        result = importing.store_spool(session, project, spool, user=lead)
    session.commit()
    assert result.passages == 6_500
    assert _index_rows(session) == 6_500
    # One word all passages hold, and a word only one passage holds, for every passage.
    assert len(_index_ids(session, project.id, "terrorism")) == 6_500
    assert len(_index_ids(session, project.id, "names qz")) == 6_500
    rows = session.execute(select(Passage.id, Passage.text).where(Passage.project_id == project.id))
    by_word = {body.split(" names ")[1].split()[0].lower(): pid for pid, body in rows}
    assert len(by_word) == 6_500
    for word in [*list(by_word)[::97], min(by_word), max(by_word)]:
        assert _index_ids(session, project.id, word) == {by_word[word]}, word
    _assert_agrees(session, project.id, ["qz007w", "w49x", "x and", "statement 12 "])


def test_a_rolled_back_import_leaves_no_index_rows(
    session: Session, make_user, make_project
) -> None:
    """An import that does not commit takes its index rows with it."""
    from workbench.documents import importing

    lead = make_user("lead")
    project = make_project("Undone", lead=lead)
    before = _index_rows(session)
    with importing.spool_uploads(_bulk_files(30, 50), max_file_bytes=1 << 20) as spool:
        importing.store_spool(session, project, spool, user=lead)
    session.flush()
    assert _index_rows(session) == before + 1_500
    session.rollback()
    assert _index_rows(session) == before
    assert not _index_ids(session, project.id, "terrorism")
    assert session.scalar(select(func.count()).select_from(Passage)) == 0


def test_sqlite_index_merges_eight_segments_at_a_time(session: Session) -> None:
    """The trigram index keeps the merge setting the import was measured with (revision 0014)."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL's index has no segments")
    setting = session.execute(
        text("SELECT v FROM passage_trigram_config WHERE k = 'automerge'")
    ).scalar_one()
    assert int(setting) == 8


def test_the_delegation_list_is_every_distinct_delegation_of_the_project(
    session: Session, make_user, make_project, import_text
) -> None:
    """The list walked one delegation at a time equals a plain DISTINCT, project by project."""
    lead = make_user("lead")
    mine = make_project("Mine", lead=lead)
    other = make_project("Other", lead=lead)
    import_text(mine, [(f"m{n}.txt", f"Passage {n}.\n\nAnother {n}.".encode()) for n in range(6)])
    import_text(other, [("o.txt", b"Elsewhere.\n\nAnd again.")])
    names = ["Viet Nam", "China", "China", "", None, "Côte d'Ivoire", "Zambia", "Algeria", "china"]
    passages = session.scalars(
        select(Passage).where(Passage.project_id == mine.id).order_by(Passage.id)
    ).all()
    for passage, name in zip(passages, names, strict=False):
        passage.delegation = name
    for passage in session.scalars(select(Passage).where(Passage.project_id == other.id)):
        passage.delegation = "Only elsewhere"
    session.commit()
    plain = session.scalars(
        select(Passage.delegation)
        .where(Passage.project_id == mine.id, Passage.delegation.is_not(None))
        .distinct()
    ).all()
    expected = sorted(d for d in plain if d)
    assert catalog.delegations(session, mine) == expected
    assert expected == sorted(["Algeria", "China", "Côte d'Ivoire", "Viet Nam", "Zambia", "china"])
    assert catalog.delegations(session, other) == ["Only elsewhere"]


def test_the_list_offers_every_distinct_language_and_type_of_the_project(
    session: Session, make_user, make_project, import_text
) -> None:
    """The list's language and type choices, walked on PostgreSQL, equal a plain DISTINCT."""
    lead = make_user("lead")
    mine = make_project("Mine", lead=lead)
    other = make_project("Other", lead=lead)
    import_text(mine, [(f"m{n}.txt", f"Text {n}.".encode()) for n in range(7)])
    import_text(other, [("o.txt", b"Elsewhere.")])
    languages = ["zh", "en", "en", "", None, "fr", "ar"]
    types = ["news_report", "un_record", None, "un_record", "mission_statement", None, ""]
    documents = session.scalars(
        select(Document).where(Document.project_id == mine.id).order_by(Document.id)
    ).all()
    for document, language, doc_type in zip(documents, languages, types, strict=True):
        document.language = language
        document.doc_type = doc_type
    elsewhere = session.scalars(select(Document).where(Document.project_id == other.id)).one()
    elsewhere.language = "ru"
    session.commit()
    page = catalog.list_documents(session, mine, catalog.DocumentFilters())
    assert page.languages == ["ar", "en", "fr", "zh"]
    assert page.doc_types == ["mission_statement", "news_report", "un_record"]
    assert catalog.list_documents(session, other, catalog.DocumentFilters()).languages == ["ru"]


def test_a_search_statement_is_compiled_once_and_takes_each_query_s_values(
    session: Session, make_user, make_project, import_text
) -> None:
    """The statement cache reuses a search's SQL for the next query of its kind, not its values."""
    project = make_project("Cached", lead=make_user("lead"))
    import_text(
        project,
        [("a.txt", "Sovereignty first.\n\nCapacity-building next.\n\n主权与恐怖主义".encode())],
    )

    def found(query: str, ids: list[int]) -> tuple[list[str], CacheStats]:
        stmt = (
            select(Passage.text)
            .where(Passage.project_id == project.id, passage_text_matches(query, project.id))
            .where(id_in(Passage.id, ids))
            .order_by(Passage.id)
        )
        # A Core result, which says whether its SQL came from the cache.
        result = session.connection().execute(stmt)
        return list(result.scalars()), result.context.cache_hit

    every = list(session.scalars(select(Passage.id).where(Passage.project_id == project.id)))
    texts, _ = found("sovereignty", every)
    assert texts == ["Sovereignty first."]
    texts, stats = found("CAPACITY", every)
    assert (texts, stats) == (["Capacity-building next."], CacheStats.CACHE_HIT)
    texts, stats = found("capacity", every[:1])
    assert (texts, stats) == ([], CacheStats.CACHE_HIT)
    # Two CJK characters take the other index: another shape, then its own cached SQL.
    assert found("主权", every)[0] == ["主权与恐怖主义"]
    texts, stats = found("恐怖", every)
    assert (texts, stats) == (["主权与恐怖主义"], CacheStats.CACHE_HIT)


def test_the_document_list_follows_a_passage_moved_to_another_document(
    session: Session, make_user, make_project, import_text
) -> None:
    """PostgreSQL's index rows name their document (migration 0016) and follow a moved passage."""
    project = make_project("Moves", lead=make_user("lead"))
    import_text(
        project, [("a.txt", b"First.\n\nSovereignty matters."), ("b.txt", b"Second.\n\nOther.")]
    )
    first, second = session.scalars(
        select(Document).where(Document.project_id == project.id).order_by(Document.id)
    ).all()

    def listed(query: str) -> list[int]:
        page = catalog.list_documents(session, project, catalog.DocumentFilters(q=query))
        return [d.id for d in page.documents]

    assert listed("sovereignty") == [first.id]
    moved = session.scalars(
        select(Passage).where(Passage.document_id == first.id, Passage.ordinal == 1)
    ).one()
    moved.document_id = second.id
    moved.ordinal = 99
    session.commit()
    assert listed("sovereignty") == [second.id]
    moved.text = "Capacity matters."
    session.commit()
    assert (listed("sovereignty"), listed("capacity")) == ([], [second.id])


def test_the_word_index_holds_every_word_a_passage_gains(
    session: Session, make_user, make_project, import_text
) -> None:
    """PostgreSQL's word table (migration 0018) gains the words of new and edited passages."""
    project = make_project("Words", lead=make_user("lead"))
    import_text(project, [("a.txt", b"Zygomorphic flowers.\n\nPlain text.")])
    plain = session.scalars(select(Passage).where(Passage.text == "Plain text.")).one()
    plain.text = "A quokka, and QUOKKAS."
    session.commit()
    ids = _index_ids(session, project.id, "okka")
    assert ids == {plain.id}
    assert len(_index_ids(session, project.id, "zygomorph")) == 1
    if session.get_bind().dialect.name != "postgresql":
        return
    words = set(session.scalars(text("SELECT word FROM search_word")))
    assert {"zygomorphic", "flowers", "quokka", "quokkas", "a", "and"} <= words
    # The edited passage's words are its own runs of ASCII letters and digits.
    stored = session.scalar(
        text("SELECT words FROM passage_search WHERE passage_id = :p"), {"p": plain.id}
    )
    assert [w for w in stored if w] == ["a", "quokka", "and", "quokkas"]


def test_a_word_query_takes_the_word_index_and_anything_else_the_trigrams(
    session: Session,
) -> None:
    """Which PostgreSQL query a search compiles to; the rows they find are the tests above."""
    from sqlalchemy.dialects import postgresql

    def sql(query: str) -> str:
        stmt = select(Passage.id).where(passage_text_matches(query, 1))
        return str(stmt.compile(dialect=postgresql.dialect()))

    assert "search_word" in sql("Terrorism") and "search_word" in sql("2001abc")
    for query in ("Terrorism", "ab", "counter-terrorism"):
        assert "passage_search.project_id =" in sql(query), query
    for other in ("sign and", "counter-terrorism", "terrorismé", "x" * 61, "ab"):
        assert "search_word" not in sql(other), other


def test_the_word_limit_is_the_migration_s() -> None:
    """documents/search.py and migration 0018 agree on the longest word and the long-run mark."""
    import importlib.util

    from workbench import migrate
    from workbench.documents import search

    path = migrate.MIGRATIONS / "versions" / "0018_search_words.py"
    spec = importlib.util.spec_from_file_location("search_words_migration", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert (migration.WORD_LIMIT, migration.LONG_RUN) == (search.WORD_LIMIT, search.LONG_RUN)


def test_passages_adding_the_same_new_words_do_not_wait_for_each_other(
    session: Session, make_user, make_project, import_text
) -> None:
    """Two open transactions adding the same new words, in opposite orders, neither waits.

    The word table has no unique key (migration 0018): with one, the second transaction waited
    for the first to end, and two such transactions could deadlock."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite writes one transaction at a time")
    lead = make_user("lead")
    first = make_project("First", lead=lead)
    second = make_project("Second", lead=lead)
    import_text(first, [("a.txt", b"Opening words.")])
    import_text(second, [("b.txt", b"Opening words.")])
    docs = {d.project_id: d.id for d in session.scalars(select(Document))}
    engine = session.get_bind()

    def add(connection, project_id: int, ordinal: int, body: str) -> None:
        connection.execute(
            text(
                "INSERT INTO passage (document_id, project_id, ordinal, text, start_offset, "
                "end_offset, codable) VALUES (:d, :p, :o, :t, 0, :n, true)"
            ),
            {"d": docs[project_id], "p": project_id, "o": ordinal, "t": body, "n": len(body)},
        )

    with engine.connect() as a, engine.connect() as b:
        for connection in (a, b):
            connection.execute(text("SET lock_timeout = '3s'"))
        add(a, first.id, 50, "zzqfirstword only")
        add(b, second.id, 50, "aaqsecondword only")
        add(a, first.id, 51, "aaqsecondword too")
        add(b, second.id, 51, "zzqfirstword too")
        a.commit()
        b.commit()
    session.rollback()
    for project in (first, second):
        for word in ("zzqfirstword", "aaqsecondword"):
            assert len(_index_ids(session, project.id, word)) == 1, (project.name, word)
    # Each transaction stored the words it did not see: a word may be stored twice.
    stored = session.scalars(
        text("SELECT word FROM search_word WHERE word IN ('zzqfirstword', 'aaqsecondword')")
    ).all()
    assert set(stored) == {"zzqfirstword", "aaqsecondword"}
