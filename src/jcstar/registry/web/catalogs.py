"""Keeping the catalogs in step with the code (``make i18n``; the tests check the result).

``extract()`` reads every message the portal's modules and templates mark (``_``,
``gettext``, ``N_``), as ``pybabel extract -F babel.cfg -k N_`` does. ``missing()`` names each
message a catalog lacks or leaves untranslated, or whose placeholders differ. English is the
source language: ``python -m jcstar.registry.web.catalogs`` (run by ``make i18n`` after
``pybabel update``) fills each empty English translation with its message id, so only the
Japanese ones are left to write.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from jcstar.registry.web.i18n import LANGUAGES, LOCALE_DIR

WEB = Path(__file__).resolve().parent
KEYWORDS = {"_": None, "gettext": None, "N_": None}
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extract() -> set[str]:
    """Every message id the portal's code and templates use."""
    found = extract_from_dir(str(WEB), METHODS, OPTIONS, keywords=KEYWORDS)
    # a plural message comes as (singular, plural): the catalog keys it by the singular
    messages = (m if isinstance(m, str) else m[0] for _f, _l, m, _c, _x in found)
    return {message for message in messages if message}


def catalog(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def missing(language: str, used: set[str]) -> list[str]:
    """What is wrong with one catalog against the messages in use, one line each."""
    found = catalog(language)
    problems = []
    for message_id in sorted(used):
        entry = found.get(message_id)
        if entry is None:
            problems.append(f"{language}: no entry for {message_id!r}")
        elif not entry.string or entry.fuzzy:
            problems.append(f"{language}: no translation of {message_id!r}")
        elif set(PLACEHOLDER.findall(message_id)) != set(PLACEHOLDER.findall(str(entry.string))):
            problems.append(f"{language}: placeholders differ in {message_id!r}")
    stale = sorted(str(m.id) for m in found if m.id and m.id not in used)
    problems += [f"{language}: {message_id!r} is no longer used" for message_id in stale]
    return problems


def fill_english() -> None:
    """English is the source: each empty English translation is its message id."""
    english = catalog("en")
    for message in english:
        if message.id and not message.string:
            message.string = message.id
            message.flags.discard("fuzzy")
    path = LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("wb") as po:
        write_po(po, english, width=100, sort_output=True, no_location=True)


def main() -> int:
    fill_english()
    used = extract()
    problems = [line for language in LANGUAGES for line in missing(language, used)]
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
