"""The interface language of a request: the user's saved choice, then the browser's, then English.

Flask-Babel gives templates ``_`` and ``ngettext``; domain code translates with
``workbench.core.i18n``, whose catalog is this request's (looked up on first use only, so static
files and requests that translate nothing never look for the user).
"""

from __future__ import annotations

from datetime import date
from datetime import datetime
from typing import Any

from babel import Locale
from babel import UnknownLocaleError
from flask import Blueprint
from flask import Flask
from flask import Response as FlaskResponse
from flask import current_app
from flask import g
from flask import has_app_context
from flask import has_request_context
from flask import redirect
from flask import request
from flask import session
from flask_babel import Babel
from flask_babel import format_date
from flask_babel import format_datetime
from flask_babel import format_decimal
from flask_babel import get_locale
from flask_babel import get_translations
from flask_login import current_user
from werkzeug.wrappers import Response

from workbench import i18n
from workbench.accounts import users as accounts
from workbench.core import i18n as messages
from workbench.core.errors import ValidationError
from workbench.web.access import me
from workbench.web.auth import safe_next
from workbench.web.unit import writing

babel = Babel()
SESSION_KEY = "wb_locale"
_CATALOGS = "wb_catalogs"  # the application's catalogs by language, in app.extensions


def select_locale() -> str:
    """The request's language: saved preference, then the session's, then Accept-Language."""
    if not has_request_context():
        return i18n.command_line_language()
    if current_user.is_authenticated and current_user.locale in i18n.LANGUAGES:
        return str(current_user.locale)
    chosen = session.get(SESSION_KEY)
    if chosen in i18n.LANGUAGES:
        return str(chosen)
    return i18n.negotiate(list(request.accept_languages)) or i18n.DEFAULT


def _translations() -> Any:
    """The request's translations, looked up on the first message and kept for the others.

    Flask-Babel finds them afresh for every message (its context, the locale, the cache key);
    a coding action's row translates a dozen messages. The application keeps each language's
    catalog once found, so a request finds its own by the language's name alone."""
    if not has_app_context():
        return get_translations()
    found = g.get("wb_translations")
    if found is None:
        catalogs = current_app.extensions.setdefault(_CATALOGS, {})
        language = current_language()
        found = catalogs.get(language)
        if found is None:
            found = catalogs[language] = get_translations()
        g.wb_translations = found
    return found


class _RequestCatalog:
    """The current request's catalog, resolved the first time a message is translated."""

    def gettext(self, message: str) -> str:
        return str(_translations().gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(_translations().ngettext(singular, plural, n))


_REQUEST_CATALOG = _RequestCatalog()


def current_language() -> str:
    """The interface language of this request (a key of ``i18n.LANGUAGES``)."""
    if not has_request_context():
        return str(get_locale() or i18n.DEFAULT)
    found = g.get("wb_language")
    if found is None:
        # The selector's answer is already one of LANGUAGES, named as Babel names it; asking
        # Flask-Babel would parse it into a Locale first (a look at the locale data files).
        found = g.wb_language = select_locale()
    return str(found)


def _when(value: datetime | None, fmt: str = "medium") -> str:
    """A date and time in the interface language (times are kept and shown in UTC)."""
    if value is None:
        return "—"
    return str(format_datetime(value, fmt, rebase=False))


def _day(value: date | datetime | None) -> str:
    """A date in the interface language."""
    if value is None:
        return "—"
    return str(format_date(value, "medium"))


def _number(value: Any) -> str:
    """A count or measure with the interface language's separators."""
    if value is None:
        return "—"
    return str(format_decimal(value))


def _language_name(tag: str | None) -> str:
    """A language tag (en, zh, zh-Hant, ...) named in the interface language; the tag if unknown."""
    if not tag:
        return "—"
    try:
        names = Locale.parse(current_language()).languages
        base = Locale.parse(tag.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return tag
    return str(names.get(str(base), names.get(base.language, tag)))


def _activate() -> None:
    # A request's language is its own, even where requests share an application context.
    g.pop("wb_translations", None)
    g.pop("wb_language", None)
    g.wb_catalog_token = messages.activate(_REQUEST_CATALOG)


def _deactivate(_exc: BaseException | None) -> None:
    token = g.pop("wb_catalog_token", None)
    if token is not None:
        messages.restore(token)


def _vary(response: FlaskResponse) -> FlaskResponse:
    # A page's language may come from Accept-Language: a shared cache must not hand the Chinese
    # page to a reader who asked for English.
    if request.endpoint != "static":
        response.vary.add("Accept-Language")
    return response


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with the workbench's catalogs, the language filters and globals."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(i18n.LOCALE_DIR))
    babel.init_app(app, locale_selector=select_locale, default_timezone="UTC")
    # Templates translate through the request's kept translations (see _translations).
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        _REQUEST_CATALOG.gettext, _REQUEST_CATALOG.ngettext, newstyle=True
    )
    app.before_request(_activate)
    app.teardown_request(_deactivate)
    app.after_request(_vary)
    app.jinja_env.filters["when"] = _when
    app.jinja_env.filters["day"] = _day
    app.jinja_env.filters["number"] = _number
    app.jinja_env.filters["language_name"] = _language_name
    app.jinja_env.globals["languages"] = i18n.LANGUAGES
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["html_lang"] = lambda: i18n.HTML_LANG.get(current_language(), "en")


bp = Blueprint("language", __name__)


@bp.post("/language")
def choose() -> Response:
    """Switch the interface language: saved on the account, or for this browser session."""
    chosen = request.form.get("language", "")
    if chosen not in i18n.LANGUAGES:
        raise ValidationError(messages._("There is no interface in that language."))
    session[SESSION_KEY] = chosen
    if current_user.is_authenticated:
        with writing():
            accounts.set_locale(me(), chosen, i18n.LANGUAGES)
    return redirect(safe_next(request.form.get("next")))
