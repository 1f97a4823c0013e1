"""Pure corpus handling: decoding, extraction, normalising and segmenting documents.

Nothing here imports Flask or the database; the services layer stores what these functions
return.
"""

from workbench.corpus.archive import iter_archive
from workbench.corpus.document import (
    DEFAULT_MAX_MEMBER_BYTES,
    DEFAULT_MAX_TOTAL_BYTES,
    normalise_document,
    parse_document,
    parse_file,
)
from workbench.corpus.encoding import decode_bytes
from workbench.corpus.extract import extract_text
from workbench.corpus.language import detect_language
from workbench.corpus.metadata import extract_metadata
from workbench.corpus.normalise import normalise
from workbench.corpus.segment import segment
from workbench.corpus.tables import read_table
from workbench.corpus.types import (
    CorpusError,
    DocumentMeta,
    ParsedDocument,
    PassageSpec,
    SegmentHints,
    SegmentMode,
    TableRow,
    TextLayout,
)

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
