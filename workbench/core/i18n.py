"""Translated messages for code that knows nothing of the web: the catalog of the current context.

Domain code writes ``_("Row %(row)s: no text", row=n)``; the web layer (per request) and the
command line (per run) choose the catalog with ``activate``. Messages are looked up before their
values are filled in, so one catalog entry serves every row number. ``N_`` marks a message that is
translated later (a constant defined at import time, when no language is chosen yet).
"""

from __future__ import annotations

import gettext
from contextvars import ContextVar
from contextvars import Token
from typing import Any
from typing import Protocol


class Catalog(Protocol):
    """What a message catalog offers: Babel's and gettext's translation objects both qualify."""

    def gettext(self, message: str) -> str:
        """The translation of a message, or the message itself."""
        ...

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The translation of a message whose form follows a number."""
        ...


_NULL: Catalog = gettext.NullTranslations()
_current: ContextVar[Catalog] = ContextVar("workbench_catalog", default=_NULL)


def activate(catalog: Catalog | None) -> Token[Catalog]:
    """Make a catalog the current context's; returns a token to restore the previous one."""
    return _current.set(catalog if catalog is not None else _NULL)


def restore(token: Token[Catalog]) -> None:
    """Go back to the catalog that was current before ``activate``."""
    _current.reset(token)


def _(message: str, **values: Any) -> str:
    """Translate a message into the current language, then fill in its %(name)s values."""
    text = _current.get().gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    """Translate a message whose form depends on n; %(num)s is n."""
    text = _current.get().ngettext(singular, plural, n)
    return text % {"num": n, **values}


def N_(message: str) -> str:
    """Mark a message for the catalog without translating it yet (translate it with ``_``)."""
    return message
