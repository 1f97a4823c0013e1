"""Dictionary hits in the analysis: per code, the passages its keywords occur in, crossed with
the passages that carry the code in the chosen layer.

A passage is a hit for a code when one of the code's English or Chinese keywords occurs in its
text (``core.suggest.dictionary``: Latin-script keywords at the start of a word and without
regard to case, Chinese anywhere). Only codable passages in scope count. "Coded" means the
passage carries the code in the layer (in the all-coders layer: by at least one coder), as in
the frequencies.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.analysis.layers import CodableCode
from workbench.analysis.layers import codable_codes
from workbench.analysis.layers import layer_rows
from workbench.analysis.layers import passage_conditions
from workbench.codebooks.code_index import code_index
from workbench.core.suggest.dictionary import hit_codes
from workbench.formats.scope import ExportScope
from workbench.models import Document
from workbench.models import Passage
from workbench.models import Project


@dataclass(frozen=True)
class KeywordCount:
    """One code's keyword hits crossed with its codings (a 2 × 2 table over passages)."""

    code: CodableCode
    keywords: tuple[str, ...]
    passages: int  # codable passages in scope
    hit_coded: int  # a keyword occurs and the passage carries the code
    hit_not_coded: int  # a keyword occurs, the code is not applied
    coded_no_hit: int  # the code is applied where no keyword occurs

    @property
    def hits(self) -> int:
        """Passages in which a keyword of the code occurs."""
        return self.hit_coded + self.hit_not_coded

    @property
    def neither(self) -> int:
        """Passages with no keyword hit and without the code."""
        return self.passages - self.hits - self.coded_no_hit

    @property
    def coded_share_of_hits(self) -> float | None:
        """Of the passages with a hit, the share carrying the code (None without hits)."""
        return self.hit_coded / self.hits if self.hits else None


def code_keywords(session: Session, project: Project) -> dict[int, tuple[str, ...]]:
    """code id -> its English and Chinese keywords, for the live codes that have any."""
    index = code_index(session, project.id)
    return {
        c.id: (*c.keywords_en, *c.keywords_zh)
        for c in index.live
        if c.is_codable and (c.keywords_en or c.keywords_zh)
    }


def keyword_counts(session: Session, project: Project, scope: ExportScope) -> list[KeywordCount]:
    """Per code with keywords, in codebook order: hits crossed with codings in the layer."""
    words = code_keywords(session, project)
    codes = [c for c in codable_codes(session, project, scope.code_ids) if c.id in words]
    if not codes:
        return []
    texts = session.execute(
        select(Passage.id, Passage.text)
        .join(Document, Document.id == Passage.document_id)
        .where(*passage_conditions(project, scope), Passage.codable.is_(True))
    ).all()
    wanted = {str(c.id): words[c.id] for c in codes}
    found = hit_codes([str(t) for _, t in texts], wanted)
    hits: dict[int, set[int]] = defaultdict(set)
    for (pid, _), codes_hit in zip(texts, found, strict=True):
        for code in codes_hit:
            hits[int(code)].add(int(pid))
    codable = {int(pid) for pid, _ in texts}
    sub = layer_rows(session, project, scope).subquery()
    coded: dict[int, set[int]] = defaultdict(set)
    for pid, cid in session.execute(select(sub.c.passage_id, sub.c.code_id).distinct()):
        if pid in codable:
            coded[int(cid)].add(int(pid))
    out = []
    for c in codes:
        hit, applied = hits[c.id], coded[c.id]
        out.append(
            KeywordCount(
                code=c,
                keywords=words[c.id],
                passages=len(codable),
                hit_coded=len(hit & applied),
                hit_not_coded=len(hit - applied),
                coded_no_hit=len(applied - hit),
            )
        )
    return out
