"""The portal's two languages: gettext catalogs (Babel ``.po`` files) and the reader's choice.

The catalogs are the ``.po`` files themselves, compiled in memory when the registry starts
(about 5 ms for both): no ``.mo`` build step to forget, and what is reviewed in a diff is what
runs. ``make i18n`` re-extracts the messages and updates both files; a test fails on any
message without a translation in either language.

A reader's language, first match wins: ``?lang=`` (which also sets the ``jcstar_lang``
cookie, ``SameSite=Lax``, for a year), that cookie, the browser's ``Accept-Language``, else
Japanese (the scheme's own language).
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("ja", "en")
DEFAULT = "ja"
COOKIE = "jcstar_lang"
#: a year: the choice is remembered, not a session's
COOKIE_MAX_AGE = 365 * 24 * 3600


def N_(message: str) -> str:
    """Mark a message for extraction where it is defined; it is translated where shown."""
    return message


@cache
def translations(language: str) -> gettext.GNUTranslations:
    """The catalog of ``language`` (one of ``LANGUAGES``), compiled from its ``.po`` file."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def from_accept_language(header: str | None) -> str | None:
    """The first of our languages the browser asks for, by its q-values (RFC 9110 §12.5.4)."""
    if not header:
        return None
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            wanted.append((-quality, position, primary))
    return min(wanted)[2] if wanted else None


def choose(query: Mapping[str, str], cookies: Mapping[str, str], accept: str | None) -> str:
    """The reader's language: ``?lang=``, the cookie, ``Accept-Language``, else Japanese."""
    for given in (query.get("lang"), cookies.get(COOKIE)):
        if given in LANGUAGES:
            return given
    return from_accept_language(accept) or DEFAULT


def switched(query: Mapping[str, str]) -> str | None:
    """The language the reader switched to on this request (``?lang=``), to remember."""
    given = query.get("lang")
    return given if given in LANGUAGES else None
