"""Pure corpus handling: decoding, extraction, normalising and segmenting documents.

Nothing here imports Flask or the database; the services layer stores what these functions
return.
"""

from workbench.core.corpus.archive import iter_archive
from workbench.core.corpus.document import DEFAULT_MAX_MEMBER_BYTES
from workbench.core.corpus.document import DEFAULT_MAX_TOTAL_BYTES
from workbench.core.corpus.document import normalise_document
from workbench.core.corpus.document import parse_document
from workbench.core.corpus.document import parse_file
from workbench.core.corpus.encoding import decode_bytes
from workbench.core.corpus.extract import extract_text
from workbench.core.corpus.language import detect_language
from workbench.core.corpus.metadata import extract_metadata
from workbench.core.corpus.normalise import normalise
from workbench.core.corpus.segment import segment
from workbench.core.corpus.tables import read_table
from workbench.core.corpus.types import CorpusError
from workbench.core.corpus.types import DocumentMeta
from workbench.core.corpus.types import ParsedDocument
from workbench.core.corpus.types import PassageSpec
from workbench.core.corpus.types import SegmentHints
from workbench.core.corpus.types import SegmentMode
from workbench.core.corpus.types import TableRow
from workbench.core.corpus.types import TextLayout

__all__ = [
    "DEFAULT_MAX_MEMBER_BYTES",
    "DEFAULT_MAX_TOTAL_BYTES",
    "CorpusError",
    "DocumentMeta",
    "ParsedDocument",
    "PassageSpec",
    "SegmentHints",
    "SegmentMode",
    "TableRow",
    "TextLayout",
    "decode_bytes",
    "detect_language",
    "extract_metadata",
    "extract_text",
    "iter_archive",
    "normalise",
    "normalise_document",
    "parse_document",
    "parse_file",
    "read_table",
    "segment",
]
