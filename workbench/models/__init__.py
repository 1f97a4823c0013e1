"""Typed ORM classes, split by noun; import them from here."""

from workbench.models.accounts import ROLES, LoginFailure, Membership, Project, User
from workbench.models.audit import AuditEvent, ExportJob
from workbench.models.codes import Code, CodebookVersion
from workbench.models.coding import (
    Annotation,
    Assignment,
    ConsensusAnnotation,
    ConsensusState,
    PassageState,
    ReliabilityRound,
)
from workbench.models.corpus import DOC_TYPES, Document, Passage

__all__ = [
    "DOC_TYPES",
    "ROLES",
    "Annotation",
    "Assignment",
    "AuditEvent",
    "Code",
    "CodebookVersion",
    "ConsensusAnnotation",
    "ConsensusState",
    "Document",
    "ExportJob",
    "LoginFailure",
    "Membership",
    "Passage",
    "PassageState",
    "Project",
    "ReliabilityRound",
    "User",
]
