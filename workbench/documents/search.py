"""Text search over passages and titles through the search index, the same on both databases.

Every place that searches passage text (the document list, the coding view's filter, coded
segment retrieval) uses ``passage_text_matches``: a condition that compiles to the index query
of the database it runs on. What a match is lives in ``core/search_text.py`` (a
case-insensitive substring); the indexes and their triggers are migrations 0008, 0012, 0016 and
0018.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.elements import Grouping
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.sql.visitors import _TraverseInternalsType
from sqlalchemy.types import UserDefinedType

from workbench.core.search_text import FOLDS_INTO_ASCII
from workbench.core.search_text import PG_CJK_CLASS
from workbench.core.search_text import PG_NOT_CJK_CLASS
from workbench.core.search_text import SearchPlan
from workbench.core.search_text import fts5_all_of
from workbench.core.search_text import fts5_string
from workbench.core.search_text import is_cjk
from workbench.core.search_text import like_pattern
from workbench.core.search_text import plan
from workbench.models import Passage

# The collation whose lower() is core.search_text.fold (Unicode simple case mapping, glibc).
PG_FOLD_COLLATION = "C.utf8"

_trigram = sa.table("passage_trigram", sa.column("rowid"), sa.column("body"))
_TRIGRAM_TABLE: ColumnClause[Any] = sa.literal_column("passage_trigram")
_search = sa.table(
    "passage_search",
    sa.column("passage_id"),
    sa.column("project_id"),
    sa.column("document_id"),
    sa.column("folded"),
    sa.column("words", ARRAY(sa.Text)),
)
_word = sa.table("search_word", sa.column("word"))
# Migration 0018's two constants: the longest run stored as a word, and what a longer run is
# stored as (a test searches inside one).
WORD_LIMIT = 60
LONG_RUN = "0" * (WORD_LIMIT + 1)
_WORD_QUERY = re.compile(f"[a-z0-9]{{3,{WORD_LIMIT}}}")
_chars = sa.table("passage_chars", sa.column("rowid"))
# detail=none allows no column filter: the query names the table.
_CHARS_TABLE: ColumnClause[Any] = sa.literal_column("passage_chars")
# Written exactly as the index expression of ix_passage_text_cjk (migration 0012), so the
# planner uses it.
_PG_CJK_ARRAY = sa.literal_column(
    f"CASE WHEN passage.text ~ '{PG_CJK_CLASS}' THEN "
    f"regexp_split_to_array(regexp_replace(passage.text, '{PG_NOT_CJK_CLASS}', '', 'g'), '') "
    "ELSE '{}'::text[] END",
    ARRAY(sa.Text),
)


# What the statement cache compares and where it finds the parameters of the two elements below.
_TEXT_MATCH_PARTS: _TraverseInternalsType = [
    ("sqlite", InternalTraversal.dp_clauseelement),
    ("postgresql", InternalTraversal.dp_clauseelement),
]
_ID_IN_PARTS: _TraverseInternalsType = [
    ("column", InternalTraversal.dp_clauseelement),
    ("as_json", InternalTraversal.dp_clauseelement),
    ("as_array", InternalTraversal.dp_clauseelement),
    ("look_up", InternalTraversal.dp_boolean),
]


class TextMatch(ColumnElement[bool]):
    """True where a column's text contains the query, case-insensitively (see core).

    Both databases' conditions are built when the element is made and kept as its children, so
    SQLAlchemy's statement cache sees their shape and takes the query's values from their
    parameters: a search statement is compiled once per shape, not on every request (compiling
    the document list's statements was ~4 ms of a search).

    Compiled in parentheses: the condition may be an OR, and the statement around it, which
    sees only this element, would otherwise bind its own AND tighter (another project's rows
    then matched).
    """

    type = sa.Boolean()
    # A predicate in its own right: SQLite must not get "= 1" appended in a WHERE clause.
    _is_implicitly_boolean = True
    inherit_cache = True
    _traverse_internals = _TEXT_MATCH_PARTS

    def __init__(
        self, column: Any, query: str, *, passage: bool, project_id: int | None = None
    ) -> None:
        found = plan(query)
        # Passage text has the index; any other column (a title) is scanned.
        self.sqlite = Grouping(_sqlite(column, found, passage=passage))
        self.postgresql = Grouping(_postgresql(column, found, passage=passage, project=project_id))


def passage_text_matches(query: str, project_id: int) -> ColumnElement[bool]:
    """A condition on the project's ``Passage`` rows: the passage text contains the query.

    The statement must still keep to the project's passages: the project narrows what the
    index gathers (PostgreSQL), not the rows of the statement around it."""
    return TextMatch(Passage.text, query, passage=True, project_id=project_id)


def text_matches(column: Any, query: str) -> ColumnElement[bool]:
    """A condition on any text column (a title), without the index: a folded scan."""
    return TextMatch(column, query, passage=False)


def documents_holding(dialect: str, project_id: int, query: str) -> list[sa.Select[Any]]:
    """Selects whose union is the ids of the project's documents with a passage holding the query.

    Each select may repeat an id."""
    found = plan(query)
    if dialect == "postgresql" and found.kind != "chars":
        # The index's own rows name each passage's project and document (migration 0016): no
        # look-up of every matching passage (~7 ms of 6,900 for "terrorism" in the UN corpus).
        return _pg_index_rows(found, _search.c.document_id, _search.c.project_id == project_id)
    return [
        sa.select(Passage.document_id).where(
            Passage.project_id == project_id, passage_text_matches(query, project_id)
        )
    ]


def _sqlite(column: Any, p: SearchPlan, *, passage: bool) -> ColumnElement[bool]:
    if passage and p.kind == "trigram":
        # The query as one phrase of its trigrams over the folded text: exactly a substring.
        ids = sa.select(_trigram.c.rowid).where(_TRIGRAM_TABLE.op("MATCH")(fts5_string(p.folded)))
        return Passage.id.in_(ids)
    if passage and p.kind == "chars":
        ids = sa.select(_chars.c.rowid).where(_CHARS_TABLE.op("MATCH")(fts5_all_of(p.chars)))
        # The index says the characters are there; the text says whether they stand together.
        return sa.and_(Passage.id.in_(ids), sa.func.instr(Passage.text, p.folded) > 0)
    if p.folded and all(is_cjk(c) for c in p.folded):
        # CJK characters have no case and nothing folds into them: the raw text decides.
        return sa.func.instr(column, p.folded) > 0
    exact = sa.func.instr(sa.func.wb_fold(column), p.folded) > 0
    if not p.folded.isascii():
        return exact
    # Folding each row through the registered Python function costs ~1 us a row (a title
    # search reads 7,000 titles, a short query 126,000 passages). For an ASCII query, LIKE
    # (ASCII case-insensitive, in C) is the same test, except in a text holding one of the two
    # characters that fold into ASCII: only those rows are folded.
    like = column.like(like_pattern(p.folded), escape="\\")
    # Both characters are outside ASCII, and a text of ASCII alone has as many characters as
    # bytes: that count is cheaper than searching the text for each character (the title half
    # of a document list search, 7,086 titles: 2.0 ms -> 1.5 ms).
    beyond_ascii = sa.func.length(column) != sa.func.length(sa.cast(column, sa.LargeBinary))
    rare = sa.or_(*(sa.func.instr(column, c) > 0 for c in FOLDS_INTO_ASCII))
    return sa.or_(like, sa.and_(beyond_ascii, rare, exact))


def _pg_index_rows(p: SearchPlan, column: Any, *where: Any) -> list[sa.Select[Any]]:
    """Selects of a passage_search column whose union is the rows whose text holds the query."""
    holds = _search.c.folded.like(like_pattern(p.folded), escape="\\")
    rows = sa.select(column).where(*where)
    if not _WORD_QUERY.fullmatch(p.folded):
        return [rows.where(holds)]
    # Letters and digits alone (ASCII) occur only inside a run of ASCII letters and digits,
    # so a passage holds the query exactly when one of its words does (migration 0018). The
    # words come from the small word table's trigram index, the passages from the GIN index of
    # their words; no passage text is read (for "terrorism" in the UN corpus that was ~7,200
    # texts and ~22 ms). Only the rare passages with a run too long to be a word are read, as
    # a second select: a test of the words beside the first would read every row's array.
    words = sa.select(_word.c.word).where(_word.c.word.like(like_pattern(p.folded), escape="\\"))
    long_run = sa.literal([LONG_RUN], ARRAY(sa.Text))
    return [
        rows.where(_search.c.words.op("&&")(sa.func.array(words.scalar_subquery()))),
        rows.where(_search.c.words.op("@>")(long_run), holds),
    ]


def _postgresql(
    column: Any, p: SearchPlan, *, passage: bool, project: int | None = None
) -> ColumnElement[bool]:
    if passage and p.kind == "chars":
        wanted = sa.literal(p.chars, ARRAY(sa.Text))
        return sa.and_(_PG_CJK_ARRAY.op("@>")(wanted), sa.func.strpos(Passage.text, p.folded) > 0)
    if passage:
        # pg_trgm finds candidates (three characters or more); LIKE on the stored folded text
        # decides. Shorter queries scan the same table.
        # Gathered from the project's rows only: a short or common query would otherwise
        # gather the matches of every project of the installation first.
        where = [] if project is None else [_search.c.project_id == project]
        ids = sa.union_all(*_pg_index_rows(p, _search.c.passage_id, *where))
        # "= ANY(ARRAY(...))", not "IN (...)": the matches are gathered first and each is
        # looked up by its key. Given IN, the planner joined them to a scan of every passage
        # (32 of the 83 ms for "terrorism" in the UN corpus).
        return Passage.id == sa.any_(sa.func.array(ids.scalar_subquery()))
    if p.folded and all(is_cjk(c) for c in p.folded):
        return sa.func.strpos(column, p.folded) > 0
    folded = sa.func.lower(column.collate(PG_FOLD_COLLATION))
    return folded.like(like_pattern(p.folded), escape="\\")


class _IntegerArrayText(UserDefinedType[str]):
    """A PostgreSQL integer[] parameter given as its text form ('{1,2,3}'), typed in the SQL.

    Typed where it is bound (``$1::INTEGER[]``), the server reads it once while planning; a
    CAST of a text parameter was evaluated again for every row (70 ms for 3,000 ids)."""

    cache_ok = True
    render_bind_cast = True

    def get_col_spec(self, **kw: Any) -> str:
        return "INTEGER[]"


class IdIn(ColumnElement[bool]):
    """True where an integer column holds one of a list of ids, sent as one parameter.

    The ids are held as parameters (a JSON text for SQLite, an array for PostgreSQL), so the
    statement is compiled once and cached like any other."""

    type = sa.Boolean()
    _is_implicitly_boolean = True
    inherit_cache = True
    _traverse_internals = _ID_IN_PARTS

    def __init__(self, column: Any, ids: Sequence[int], *, look_up: bool = True) -> None:
        values = [int(i) for i in ids]
        self.column = column
        self.as_json = sa.literal(json.dumps(values))
        # Sent as an array literal in text: psycopg adapts a list of 3,000 ints in Python
        # (~3 ms of a search's document list); the server parses the text in microseconds.
        listed = "{" + ",".join(map(str, values)) + "}"
        self.as_array = sa.literal(listed, _IntegerArrayText())
        self.look_up = look_up


def id_in(column: Any, ids: Sequence[int], *, look_up: bool = True) -> ColumnElement[bool]:
    """A condition: the column's value is one of these ids (any number of them).

    ``look_up=False``: SQLite is not to read the rows by these ids but to test the rows another
    index gives (one that also serves the ORDER BY); PostgreSQL chooses by the ids' number.
    """
    return IdIn(column, ids, look_up=look_up)


@compiles(IdIn, "sqlite")
def _compile_id_in_sqlite(element: IdIn, compiler: SQLCompiler, **kw: Any) -> str:
    # One JSON parameter rather than a parameter per id (SQLite allows 32,766 of those).
    values: sa.Select[Any] = sa.select(sa.column("value")).select_from(
        sa.func.json_each(element.as_json)
    )
    column = compiler.process(element.column, **kw)
    # SQLite's planner cannot see how many ids the JSON holds; a unary + on the column keeps
    # it from using an index for this test.
    prefix = "" if element.look_up else "+"
    return f"{prefix}{column} IN ({compiler.process(values, **kw)})"


@compiles(IdIn, "postgresql")
def _compile_id_in_postgresql(element: IdIn, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column == sa.func.any(element.as_array), **kw)


@compiles(TextMatch, "sqlite")
def _compile_sqlite(element: TextMatch, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.sqlite, **kw)


@compiles(TextMatch, "postgresql")
def _compile_postgresql(element: TextMatch, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.postgresql, **kw)
