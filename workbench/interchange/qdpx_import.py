"""Import a REFI-QDA project (.qdpx/.qde) into a project: every selection on its exact text.

Design: sources come in verbatim (``qdpx_read``: BOM removed, line ends made LF, nothing
else), offsets are read in whatever unit the file really uses, and the document is segmented
as usual and then *fitted* around the imported selections (``corpus.refit``): passages that one
selection crosses are merged, a passage holding a selection is made codable, and a passage is
cut between two selections of one coder and code, so every selection becomes one annotation
whose span is exactly the selected text. Each such change is listed in the report; two such
selections that cannot be kept apart (they overlap) are joined and listed as not exact. Only
when the same text is already in the project (its passages in use) is a crossing selection
split at the existing passage boundaries, and that is listed too.

Our own exports carry ``workbench/extra.json``: passage boundaries, document metadata, stances,
memos, timestamps, codebook versions of annotations, coded states and the consensus layer.
"""

from __future__ import annotations

from collections.abc import Hashable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.core import limits
from workbench.core.codebook import CodebookSpec
from workbench.core.corpus import ParsedDocument
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.documents import importing
from workbench.formats.qdpx_read import RProject
from workbench.formats.qdpx_read import RSelection
from workbench.formats.qdpx_read import RSource
from workbench.formats.qdpx_read import read_data_line
from workbench.interchange.exchange_report import ExchangeReport
from workbench.interchange.project_lookup import create_coder
from workbench.interchange.project_lookup import member_by_name
from workbench.interchange.qdpx_layers import parse_time
from workbench.interchange.qdpx_layers import restore_history
from workbench.interchange.qdpx_layers import restore_layers
from workbench.interchange.qdpx_sources import grouping
from workbench.interchange.qdpx_sources import join_reasons
from workbench.interchange.qdpx_sources import parsed_source
from workbench.interchange.qdpx_translations import Placed
from workbench.interchange.qdpx_translations import restore_translations
from workbench.models import Annotation
from workbench.models import Code
from workbench.models import Document
from workbench.models import Passage
from workbench.models import Project
from workbench.models import User


@dataclass
class _Slot:
    passage: Passage
    coder: User
    code: Code
    span: coding.Span | None
    stance: int | None
    memo: str
    created: str
    modified: str
    version: int | None
    label: str
    revision: int | None = None
    shown: bool = False  # a suggestion of the code was on screen as it was applied
    accepted: bool = False  # it was applied by accepting that suggestion


def import_refi(
    session: Session,
    project: Project,
    user: User,
    filename: str,
    found: RProject,
    create_coders: bool,
    mode: str,
) -> ExchangeReport:
    """Bring a read REFI-QDA project into ``project``; report every item left out or changed."""
    report = ExchangeReport(filename, warnings=list(found.warnings), dropped=list(found.dropped))
    if found.codebook.codes:
        spec = found.codebook
        if any("no stance scale" in w for w in found.warnings):
            spec = CodebookSpec(spec.codes, codebooks.stance_scale(project))
        version = codebooks.install_spec(
            session, project, spec, user=user, note=f"Imported from {filename}"
        )
        report.codebook_version = version.number
        _keep_revisions(session, project, found.extra.get("code_revisions"))
        if restore_history(session, project, found.extra.get("codebook_versions"), report):
            report.codebook_version = codebooks.current_version(session, project)
    coders = _coders(session, project, user, found, create_coders, report)
    keys = {c.key: c for c in codebooks.live_codes(session, project)}
    joins: dict[str, dict[tuple[int, int, Hashable], str]] = {}
    extra_docs = found.extra.get("documents") or {}
    before = set(session.scalars(select(Document.id).where(Document.project_id == project.id)))
    parsed: list[ParsedDocument] = []
    for source in found.sources:
        data = extra_docs.get(source.guid) or source.data or {}
        report.readings.append(f"{source.name}: {source.scheme} ({source.evidence})")
        document, source_mode, refit = parsed_source(
            source, data, mode, grouping(source, coders, keys), report
        )
        result = importing.store_documents(
            session,
            project,
            [document],
            user=user,
            mode=str(data.get("segmentation") or source_mode),
        )
        report.documents_added += result.documents
        report.documents_known += len(result.duplicates)
        if result.documents:  # a known document keeps its passages: nothing was refitted
            report.changes += [f"{source.name}: {change}" for change in refit.changes]
            joins[source.guid] = join_reasons(refit)
        parsed.append(document)
    session.flush()
    added = (
        set(session.scalars(select(Document.id).where(Document.project_id == project.id))) - before
    )
    version_number = codebooks.current_version(session, project)
    notes = found.extra.get("annotations") or {}
    placed = Placed()
    for source, document in zip(found.sources, parsed, strict=True):
        doc_id = session.scalar(
            select(Document.id).where(
                Document.project_id == project.id,
                Document.content_hash == document.content_hash,
            )
        )
        data = extra_docs.get(source.guid) or source.data or {}
        if doc_id in added:
            _keep_created(session, doc_id, str(data.get("created_at") or source.created))
        passages = list(
            session.scalars(
                select(Passage).where(Passage.document_id == doc_id).order_by(Passage.ordinal)
            )
        )
        why = joins.get(source.guid, {}) if doc_id in added else {}
        slots = _plan(source, passages, coders, keys, notes, why, report)
        _apply(session, project, slots, version_number, report)
        restore_layers(session, project, user, source.name, data, passages, keys, report)
        if doc_id is not None:
            placed.add(source.guid, doc_id, source.name, doc_id in added)
    restore_translations(session, project, user, found.extra.get("translations"), placed, report)
    return report


def _coders(
    session: Session,
    project: Project,
    actor: User,
    found: RProject,
    create_coders: bool,
    report: ExchangeReport,
) -> dict[str | None, User]:
    used = {c.user for s in found.sources for sel in s.selections for c in sel.codings}
    known = found.extra.get("users") or {}
    out: dict[str | None, User] = {}
    missing: list[str] = []
    for guid_ in sorted(used, key=lambda g: g or ""):
        if guid_ is None or guid_ not in found.users:
            report.warnings.append(
                f"Codings by an unknown user {guid_} were attributed to you"
                if guid_ is not None
                else "Codings without a creatingUser were attributed to you"
            )
            out[guid_] = actor
            continue
        name, ident = found.users[guid_]
        ours = known.get(guid_) or {}
        ident = str(ours.get("username") or ident)
        match = _find_member(session, project, (ident, name))
        if match is None and create_coders:
            match = create_coder(session, project, ident or name)
            match.display_name = (str(ours.get("display_name") or name or ident))[:200]
            report.created_coders.append(f"{match.display_name} ({match.username})")
        if match is None:
            missing.append(f"{name or ident} (id {ident or '-'})")
            continue
        out[guid_] = match
    if missing:
        raise ValidationError(
            _(
                "Nothing was imported: the file has codings by users who are not "
                "members of this project. Add them to the project, or choose 'create "
                "missing coders'."
            ),
            missing,
        )
    return out


def _keep_created(session: Session, doc_id: int | None, when: str) -> None:
    """Give a newly added document the creation time the file gives it."""
    created = parse_time(when)
    document = session.get(Document, doc_id) if doc_id is not None else None
    if document is not None and created is not None:
        document.created_at = created


def _find_member(session: Session, project: Project, refs: Sequence[str]) -> User | None:
    # Only members: an account elsewhere on the instance is never written to, and a file's user
    # who is no member reads exactly like one who does not exist.
    for ref in refs:
        if ref and ref.strip():
            match = member_by_name(session, project, ref.strip())
            if match is not None:
                return match
    return None


def _pieces(sel: RSelection, passages: list[Passage]) -> list[tuple[Passage, coding.Span | None]]:
    """The parts of a selection that fall in codable passages, as (passage, span or None)."""
    out = []
    for p in passages:
        start, end = max(sel.start, p.start_offset), min(sel.end, p.end_offset)
        if start >= end or not p.codable:
            continue
        a, b = start - p.start_offset, end - p.start_offset
        out.append((p, None if (a, b) == (0, len(p.text)) else coding.Span(a, b)))
    return out


def _plan(
    source: RSource,
    passages: list[Passage],
    coders: dict[str | None, User],
    keys: dict[str, Code],
    notes: dict[str, Any],
    why: dict[tuple[int, int, Hashable], str],
    report: ExchangeReport,
) -> list[_Slot]:
    slots: dict[tuple[int, int, int], _Slot] = {}
    for sel in source.selections:
        label = f"{source.name}: selection {sel.offsets[0]}-{sel.offsets[1]} (line {sel.line})"
        if not sel.codings:
            continue
        if sel.start >= sel.end:
            report.dropped.append(_("%(label)s not imported: it selects no text", label=label))
            continue
        pieces = _pieces(sel, passages)
        covered = sum((s.end - s.start) if s else len(p.text) for p, s in pieces)
        if covered != sel.end - sel.start:
            report.dropped.append(
                _(
                    "%(label)s not imported: part of its text lies outside the codable "
                    "passages of the copy of this document already in the project",
                    label=label,
                )
            )
            continue
        if len(pieces) > 1:
            report.split_selections += 1
            report.changes.append(
                _(
                    "%(label)s: split into %(n_pieces)s codings at the passage boundaries "
                    "of the copy already in the project",
                    label=label,
                    n_pieces=len(pieces),
                )
            )
        ours = notes.get(sel.guid) or {}
        readable, block = read_data_line(sel.description)
        block = block or {}
        stance = ours.get("stance", block.get("stance"))
        memo = ours.get("memo", block.get("memo", readable))
        for c in sel.codings:
            code, coder = keys.get(c.key), coders.get(c.user)
            if code is None or coder is None or not code.is_codable:
                report.dropped.append(
                    _(
                        "%(label)s: coding with code %(key)s not imported: not codable",
                        label=label,
                        key=c.key,
                    )
                )
                continue
            for passage, span in pieces:
                slot = (passage.id, coder.id, code.id)
                if slot in slots:
                    # Only when no cut could keep them apart: the coding is then not exact.
                    report.merged_selections += 1
                    reason = why.get(
                        (sel.start, sel.end, (coder.id, code.id)),
                        "the copy of this document already in the project has them in one passage",
                    )
                    report.dropped.append(
                        _(
                            "%(label)s not exact: joined with another selection of "
                            "%(display_name)s with '%(name)s' in passage %(value)s (one coding per "
                            "passage, coder and code) because %(reason)s",
                            label=label,
                            display_name=coder.display_name,
                            name=code.name,
                            value=passage.ordinal + 1,
                            reason=reason,
                        )
                    )
                    slots[slot].span = _hull(slots[slot].span, span, passage)
                    continue
                slots[slot] = _Slot(
                    passage,
                    coder,
                    code,
                    span,
                    stance if isinstance(stance, int) else None,
                    memo if isinstance(memo, str) else "",
                    str(ours.get("created_at") or c.created or sel.created),
                    str(ours.get("updated_at") or sel.modified or c.created or sel.created),
                    ours.get("codebook_version")
                    if isinstance(ours.get("codebook_version"), int)
                    else None,
                    label,
                    _whole(ours.get("code_revision")),
                    ours.get("suggestion_shown") is True,
                    ours.get("suggestion_accepted") is True,
                )
    return list(slots.values())


def _whole(value: Any) -> int | None:
    """A positive whole number from extra.json, or None (a bool is no number here)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _keep_revisions(session: Session, project: Project, revisions: Any) -> None:
    """Codes new to the project take the definition revision the file gives them."""
    if not isinstance(revisions, dict):
        return
    for key, revision in revisions.items():
        number = _whole(revision)
        if isinstance(key, str) and number is not None and number <= limits.INT_MAX:
            session.execute(
                update(Code)
                .where(Code.project_id == project.id, Code.key == key, Code.revision == 1)
                .values(revision=number)
            )


def _hull(
    first: coding.Span | None, second: coding.Span | None, passage: Passage
) -> coding.Span | None:
    if first is None or second is None:
        return None
    start, end = min(first.start, second.start), max(first.end, second.end)
    return None if (start, end) == (0, len(passage.text)) else coding.Span(start, end)


def _apply(
    session: Session,
    project: Project,
    slots: list[_Slot],
    version: int,
    report: ExchangeReport,
) -> None:
    allowed = {s.value for s in codebooks.stance_scale(project)}
    for slot in slots:
        kwargs: dict[str, Any] = {"span": slot.span}
        if slot.code.takes_stance and slot.stance in allowed:
            kwargs["stance"] = slot.stance
        elif slot.stance is not None:
            report.dropped.append(
                _(
                    "%(label)s: stance %(stance)s not imported: not on this project's scale",
                    label=slot.label,
                    stance=slot.stance,
                )
            )
        if slot.memo:
            kwargs["memo"] = slot.memo
        annotation_id = coding.apply_code(
            session,
            project,
            slot.coder,
            slot.passage.id,
            slot.code.id,
            codebook_version=slot.version if slot.version is not None else version,
            memo_limit=max(20_000, len(slot.memo)),
            **kwargs,
        )
        annotation = session.get(Annotation, annotation_id)
        created, modified = parse_time(slot.created), parse_time(slot.modified)
        if annotation is not None and slot.revision is not None:
            annotation.code_revision = slot.revision
        if annotation is not None:
            annotation.suggestion_shown = slot.shown or slot.accepted
            annotation.suggestion_accepted = slot.accepted
        if annotation is not None and created is not None:
            annotation.created_at = created
            annotation.updated_at = modified or created
        report.codings += 1
