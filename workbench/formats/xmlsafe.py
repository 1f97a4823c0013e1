"""Hardened XML parsing of untrusted uploads, XML-safe text, and the shipped REFI-QDA schemas."""

from __future__ import annotations

import codecs
import functools
import re
import threading
from importlib import resources

from lxml import etree

from workbench.core.i18n import _

# Characters XML 1.0 forbids (C0 controls except tab/LF/CR, lone surrogates, U+FFFE/U+FFFF).
XML_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"
# A schema object keeps its error log on itself, so concurrent validations must not interleave.
_SCHEMA_LOCK = threading.Lock()


class ExchangeError(ValueError):
    """An uploaded exchange file cannot be read; the message names the file and the place."""


def clean_xml_text(text: str) -> str:
    """Replace characters XML cannot carry with a visible U+FFFD instead of failing."""
    return XML_ILLEGAL_RE.sub(REPLACEMENT, text)


def _parser() -> etree.XMLParser:
    # Entities are never expanded, no DTD is fetched and nothing is read from the network:
    # together with the DOCTYPE check below this closes XXE and entity-expansion bombs.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_untrusted_xml(data: bytes, filename: str) -> etree._Element:
    """Parse bytes from a user upload safely; raise ExchangeError naming file and line."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if not data.strip():
        raise ExchangeError(_("%(filename)s: the file is empty", filename=filename))
    doctype_error = ExchangeError(
        _(
            "%(filename)s: DOCTYPE and entity declarations are not allowed in "
            "exchange files (they can be used to read local files); export the "
            "file again without them",
            filename=filename,
        )
    )
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        # An unexpanded entity often fails the parse first; name the real cause then.
        if _mentions_doctype(data):
            raise doctype_error from exc
        line = f" at line {exc.lineno}" if exc.lineno else ""
        raise ExchangeError(
            _(
                "%(filename)s: not well-formed XML%(line)s: %(msg)s",
                filename=filename,
                line=line,
                msg=exc.msg,
            )
        ) from exc
    except ValueError as exc:  # e.g. an encoding declaration lxml cannot honour
        raise ExchangeError(
            _("%(filename)s: cannot be read as XML: %(exc)s", filename=filename, exc=exc)
        ) from exc
    if root is None:
        raise ExchangeError(_("%(filename)s: not an XML document", filename=filename))
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise doctype_error
    return root


def _mentions_doctype(data: bytes) -> bool:
    return any(
        marker.encode(encoding) in data
        for marker in ("<!DOCTYPE", "<!ENTITY")
        for encoding in ("ascii", "utf-16-le", "utf-16-be")
    )


def local_name(element: etree._Element) -> str:
    """Return an element's tag without its namespace."""
    return str(etree.QName(element).localname)


def namespace(element: etree._Element) -> str:
    """Return an element's namespace URI, or "" when it has none."""
    return etree.QName(element).namespace or ""


@functools.cache
def load_schema(name: str) -> etree.XMLSchema:
    """Load a schema shipped in workbench/data/refi (e.g. "Codebook.xsd") without network."""
    text = resources.files("workbench").joinpath("data", "refi", name).read_bytes()
    return etree.XMLSchema(etree.fromstring(text, _parser()))


def schema_errors(schema: etree.XMLSchema, root: etree._Element) -> list[str]:
    """Validate root and return readable "line N: message" strings (empty when valid)."""
    with _SCHEMA_LOCK:
        if schema.validate(root):
            return []
        return [f"line {e.line}: {e.message}" for e in schema.error_log]
