"""A REFI-QDA source as a document to store: its text segmented and fitted around its selections.

Passages come from our own export's stored boundaries when usable, else from segmentation;
then ``corpus.refit`` fits them so that each selection lies inside one passage and two
selections of one coder and code never share one where a cut can keep them apart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from typing import Any

from workbench.core.corpus import DocumentMeta
from workbench.core.corpus import ParsedDocument
from workbench.core.corpus import PassageSpec
from workbench.core.corpus import detect_language
from workbench.core.corpus import segment
from workbench.core.corpus.records import looks_like_records
from workbench.core.corpus.refit import Refit
from workbench.core.corpus.refit import fit_passages
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.formats.qdpx_read import RCoding
from workbench.formats.qdpx_read import RSource
from workbench.interchange.exchange_report import ExchangeReport
from workbench.models import Code
from workbench.models import User


def _key(c: RCoding, coders: dict[str | None, User], keys: dict[str, Code]) -> Hashable | None:
    """Codings with equal keys would share one annotation in a passage: same coder, same code."""
    coder, code = coders.get(c.user), keys.get(c.key)
    return None if coder is None or code is None or not code.is_codable else (coder.id, code.id)


def grouping(
    source: RSource, coders: dict[str | None, User], keys: dict[str, Code]
) -> list[tuple[int, int, Hashable | None]]:
    """Every coded selection once a coding, keyed by the annotation it would become."""
    return [
        (sel.start, sel.end, _key(c, coders, keys))
        for sel in source.selections
        for c in sel.codings
    ]


def parsed_source(
    source: RSource,
    data: dict[str, Any],
    mode: str,
    wanted: list[tuple[int, int, Hashable | None]],
    report: ExchangeReport,
) -> tuple[ParsedDocument, str, Refit]:
    """The document a source becomes, the segmentation used, and the refit that shaped it."""
    text = source.text
    passages = _passages_from_block(data, text)
    used = str(data.get("segmentation") or mode)
    if passages is None:
        if data.get("passages") is not None:
            report.warnings.append(
                _(
                    "%(name)s: stored passage boundaries were unusable; re-segmented",
                    name=source.name,
                )
            )
        # A record-a-line text, or one without blank lines, has one paragraph (or record) a line.
        by_line = "\n\n" not in text.strip() or looks_like_records(text)
        used = "lines" if mode == "paragraph" and by_line else mode
        passages = segment(text, mode="lines" if used == "lines" else mode)  # type: ignore[arg-type]
    if not passages:
        raise ValidationError(
            _("Nothing was imported: the source '%(name)s' has no text.", name=source.name)
        )
    refit = fit_passages(text, passages, wanted)
    meta = DocumentMeta(
        title=str(data.get("title") or source.name)[:500],
        date=data.get("date"),
        doc_type=data.get("doc_type"),
        meeting_symbol=data.get("meeting_symbol"),
        language=data.get("language") or detect_language(text),
        source=data.get("source"),
    )
    extra = data.get("extra") if isinstance(data.get("extra"), dict) else {}
    document = ParsedDocument(
        filename=str(data.get("filename") or source.name)[:500],
        raw_text=source.raw_text,
        text=text,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        meta=meta,
        passages=refit.passages,
        extra=dict(extra or {}),
    )
    return document, used, refit


def join_reasons(refit: Refit) -> dict[tuple[int, int, Hashable], str]:
    """Why each selection in an unavoidable join could not be kept apart, by (start, end, key)."""
    # Either selection of a join may be met second when the codings are applied.
    why = {(*j.earlier, j.key): j.reason for j in refit.joins}
    why.update({(*j.later, j.key): j.reason for j in refit.joins})
    return why


def _passages_from_block(data: dict[str, Any], text: str) -> list[PassageSpec] | None:
    rows = data.get("passages")
    if not isinstance(rows, list) or not rows:
        return None
    out = []
    last = 0
    try:
        for ordinal, row in enumerate(rows):
            start, end, speaker, delegation, language, original, turn, codable = row
            if not (
                isinstance(start, int)
                and isinstance(end, int)
                and last <= start <= end <= len(text)
            ):
                return None
            out.append(
                PassageSpec(
                    ordinal,
                    text[start:end],
                    start,
                    end,
                    speaker,
                    delegation,
                    language,
                    original,
                    bool(codable),
                    turn,
                )
            )
            last = end
    except (TypeError, ValueError):
        return None
    return out
