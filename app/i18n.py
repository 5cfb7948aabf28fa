"""Translations: Babel catalogs under app/locale, the language of the current request.

The language of a request is chosen by `app.web.locale.LocaleMiddleware` and kept in a
context variable, so templates and Python code translate with the same `gettext`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from babel import Locale, negotiate_locale
from babel.support import NullTranslations, Translations

from app.paths import LOCALE_DIR

LANGUAGES: tuple[str, ...] = ("en", "ru")
DOMAIN = "messages"
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}

_language: ContextVar[str] = ContextVar("language", default="en")


@cache
def translations(language: str) -> NullTranslations:
    """The compiled catalog of `language` (built by `make`; see docs/operations.md)."""
    return Translations.load(str(LOCALE_DIR), [language], DOMAIN)


def set_language(language: str) -> None:
    _language.set(language if language in LANGUAGES else LANGUAGES[0])


def get_language() -> str:
    return _language.get()


@contextmanager
def language(code: str) -> Iterator[None]:
    """Translate in `code` inside the block (e.g. an e-mail in the recipient's language)."""
    token = _language.set(code if code in LANGUAGES else LANGUAGES[0])
    try:
        yield
    finally:
        _language.reset(token)


def gettext(message: str) -> str:
    return translations(get_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(get_language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` translated in `context`, for a word whose translation depends on it
    (e.g. "People" over a list of candidates, not of staff)."""
    return str(translations(get_language()).pgettext(context, message))


_ = gettext


def pick_language(value: str | None) -> str | None:
    """`value` when it names a supported language (e.g. 'ru', 'RU', 'ru-RU'), else None."""
    if not value:
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def negotiate(accept_language: str | None) -> str | None:
    """The best supported language for an Accept-Language header, or None."""
    if not accept_language:
        return None
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            weighted.append((-quality, position, tag.replace("-", "_")))
    preferred = [tag for _, _, tag in sorted(weighted)]
    found = negotiate_locale(preferred, list(LANGUAGES), sep="_")
    return pick_language(found) if found else None


def locale_for(language: str) -> Locale:
    return Locale.parse(language)
