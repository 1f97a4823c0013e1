"""Layers of codings and who may see them: the coders, the consensus, one coder's own.

Who sees which layer (the same rule as the coding view's blindness): a lead sees every layer;
in a blind project a coder sees only their own codings — not other coders', not the all-coders
layer and not the consensus, since the consensus was built from the others' codings; in a
project that is not blind everyone sees every layer. The layer's rows, the codable codes and the
documents' labels are what every analysis and export table starts from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import Integer
from sqlalchemy import Select
from sqlalchemy import cast
from sqlalchemy import null
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.accounts import users as accounts
from workbench.codebooks import codes as codebooks
from workbench.core.errors import Forbidden
from workbench.core.errors import NotFound
from workbench.core.i18n import _
from workbench.formats.scope import ExportScope
from workbench.formats.scope import Layer
from workbench.models import Annotation
from workbench.models import ConsensusAnnotation
from workbench.models import Document
from workbench.models import Membership
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Project
from workbench.models import User

NONE_LABEL = "(none)"


@dataclass(frozen=True)
class CodableCode:
    """A codable code as analyses show it."""

    id: int
    key: str
    name: str
    path: str
    colour: str
    takes_stance: bool
    depth: int


def codable_codes(
    session: Session, project: Project, code_ids: Sequence[int] = ()
) -> list[CodableCode]:
    """The project's codable codes in codebook (tree) order, optionally only some of them."""
    live = codebooks.live_codes(session, project)
    paths = codebooks.code_paths(live)
    wanted = set(code_ids)
    return [
        CodableCode(c.id, c.key, c.name, paths[c.id], c.colour, c.takes_stance, depth)
        for c, depth in codebooks.tree_order(live)
        if c.is_codable and (not wanted or c.id in wanted)
    ]


def coders_in_project(session: Session, project: Project) -> list[User]:
    """Members with the coder role plus anyone who has codings or passage states in the
    project (a coder later made lead, say), by username."""
    members = select(Membership.user_id).where(
        Membership.project_id == project.id, Membership.role == "coder"
    )
    coding = select(Annotation.coder_id).where(Annotation.project_id == project.id).distinct()
    # "Nothing applies" and passage memos are work too: without this, whoever has only those
    # left the Coded table, and the export's round trip, empty-handed.
    states = select(PassageState.coder_id).where(PassageState.project_id == project.id).distinct()
    return list(
        session.scalars(
            select(User)
            .where(or_(User.id.in_(members), User.id.in_(coding), User.id.in_(states)))
            .order_by(User.username)
        )
    )


def sees_all(project: Project, role: str) -> bool:
    """Leads, and everyone in a project that is not blind, may see every layer."""
    return role == "lead" or not project.blind


def layer_label(session: Session, project: Project, user: User, role: str, layer: str) -> str:
    """How the page names the layer it shows (every figure states its layer)."""
    labels = dict(visible_layers(session, project, user, role))
    return labels.get(layer, layer)


def visible_layers(
    session: Session, project: Project, user: User, role: str
) -> list[tuple[str, str]]:
    """The layers this user may analyse, as (value, label), the default first."""
    if not sees_all(project, role):
        # The coder's own layer needs no name: it is always the reader's.
        return [(f"coder:{user.username}", _("My codings"))]
    layers = [("coders", _("All coders")), ("consensus", _("Consensus (adjudicated)"))]
    layers += [(f"coder:{u.username}", u.display_name) for u in coders_in_project(session, project)]
    return layers


def resolve_layer(
    session: Session, project: Project, user: User, role: str, text: str | None
) -> Layer:
    """Parse and authorise a layer choice; the default is the first visible layer."""
    allowed = [value for value, _ in visible_layers(session, project, user, role)]
    chosen = text or allowed[0]
    if chosen not in allowed:
        if not sees_all(project, role):
            raise Forbidden(
                _(
                    "This project is blind: you can analyse only your own codings, "
                    "not other coders' or the consensus."
                )
            )
        raise NotFound(_("No layer “%(layer)s” in this project.", layer=chosen))
    return Layer.parse(chosen)


def layer_coder_ids(session: Session, project: Project, scope: ExportScope) -> list[int] | None:
    """The coder ids whose annotations form the layer (None for the consensus layer)."""
    layer = scope.layer
    if layer.kind == "consensus":
        return None
    if layer.kind == "coder":
        user = accounts.find_user(session, layer.coder or "")
        if user is None:
            raise NotFound(_("No coder called “%(coder)s”.", coder=layer.coder))
        return [user.id]
    ids = [u.id for u in coders_in_project(session, project)]
    return [i for i in ids if i in scope.coder_ids] if scope.coder_ids else ids


def passage_conditions(project: Project, scope: ExportScope) -> list[ColumnElement[bool]]:
    """WHERE conditions on Passage and Document (the query must join Document)."""
    conds: list[ColumnElement[bool]] = [Passage.project_id == project.id]
    if scope.document_ids:
        conds.append(Passage.document_id.in_(scope.document_ids))
    if scope.date_from:
        conds.append(Document.date >= scope.date_from)
    if scope.date_to:
        conds.append(Document.date <= scope.date_upper())
    return conds


def layer_rows(session: Session, project: Project, scope: ExportScope) -> Select[Any]:
    """(passage_id, code_id, stance, coder_id) of the layer in scope (consensus: coder_id None)."""
    coder_ids = layer_coder_ids(session, project, scope)
    if coder_ids is None:
        stmt = select(
            ConsensusAnnotation.passage_id.label("passage_id"),
            ConsensusAnnotation.code_id.label("code_id"),
            ConsensusAnnotation.stance.label("stance"),
            cast(null(), Integer).label("coder_id"),
        ).where(ConsensusAnnotation.project_id == project.id)
        code_col = ConsensusAnnotation.code_id
        passage_col = ConsensusAnnotation.passage_id
    else:
        stmt = select(
            Annotation.passage_id.label("passage_id"),
            Annotation.code_id.label("code_id"),
            Annotation.stance.label("stance"),
            Annotation.coder_id.label("coder_id"),
        ).where(Annotation.project_id == project.id, Annotation.coder_id.in_(coder_ids))
        code_col = Annotation.code_id
        passage_col = Annotation.passage_id
    stmt = stmt.join(Passage, Passage.id == passage_col).join(
        Document, Document.id == Passage.document_id
    )
    stmt = stmt.where(*passage_conditions(project, scope))
    if scope.code_ids:
        stmt = stmt.where(code_col.in_(scope.code_ids))
    return stmt


def document_labels(session: Session, project: Project) -> dict[int, tuple[str, str]]:
    """Per document: its title (with the id where two share a title) and its month."""
    rows = session.execute(
        select(Document.id, Document.title, Document.date).where(Document.project_id == project.id)
    ).all()
    seen = Counter(title for _, title, _ in rows)
    return {
        i: (title if seen[title] == 1 else f"{title} (#{i})", (date or "")[:7] or NONE_LABEL)
        for i, title, date in rows
    }
