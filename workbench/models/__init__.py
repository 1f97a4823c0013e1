"""Typed ORM classes, split by noun; import them from here."""

from workbench.models.accounts import ROLES
from workbench.models.accounts import LoginFailure
from workbench.models.accounts import Membership
from workbench.models.accounts import Project
from workbench.models.accounts import User
from workbench.models.audit import AuditEvent
from workbench.models.audit import ExportFileChunk
from workbench.models.audit import ExportJob
from workbench.models.audit import PendingImport
from workbench.models.codes import Code
from workbench.models.codes import CodebookVersion
from workbench.models.coding import Annotation
from workbench.models.coding import Assignment
from workbench.models.coding import ConsensusAnnotation
from workbench.models.coding import ConsensusState
from workbench.models.coding import GoldAttempt
from workbench.models.coding import PassageState
from workbench.models.coding import ReliabilityRound
from workbench.models.corpus import DOC_TYPES
from workbench.models.corpus import Document
from workbench.models.corpus import Passage
from workbench.models.suggestions import SuggestionCode
from workbench.models.suggestions import SuggestionModel
from workbench.models.translations import LINK_KINDS
from workbench.models.translations import QUOTE_KINDS
from workbench.models.translations import AlignmentPair
from workbench.models.translations import DocumentLink
from workbench.models.translations import Quotation

__all__ = [
    "DOC_TYPES",
    "LINK_KINDS",
    "QUOTE_KINDS",
    "ROLES",
    "AlignmentPair",
    "Annotation",
    "Assignment",
    "AuditEvent",
    "Code",
    "CodebookVersion",
    "ConsensusAnnotation",
    "ConsensusState",
    "Document",
    "DocumentLink",
    "ExportFileChunk",
    "ExportJob",
    "GoldAttempt",
    "LoginFailure",
    "Membership",
    "Passage",
    "PassageState",
    "PendingImport",
    "Project",
    "Quotation",
    "ReliabilityRound",
    "SuggestionCode",
    "SuggestionModel",
    "User",
]
