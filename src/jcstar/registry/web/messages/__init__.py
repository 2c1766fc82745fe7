"""Library sentences in the reader's language.

The assessment library and the registry's services explain themselves in English sentences,
which the API, the CLI and the report files keep word for word. Each sentence now also has a
stable code and values where it is made (``decision.PROBLEM_TEXTS``, ``evaluate.REASON_TEXTS``,
``plan.PLAN_REASON_TEXTS``, ``RegistryError.code``); the modules here say those codes with
messages of the portal's catalog, one table per domain. A sentence without a code (made
elsewhere, or by an older jcstar) is shown as it is, marked ``lang="en"`` for screen readers.

Every function returns ``Markup``: the values are escaped, and what is quoted as given (a
check's message, the catalog's note, a sentence without a code) is marked English inside the
translated frame.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from markupsafe import Markup, escape

from jcstar.registry.web.render import Page

_ENGLISH = Markup('<span lang="en">%s</span>')


def english(text: object) -> Markup:
    """``text`` as given, marked English (a sentence this portal has no code for)."""
    return _ENGLISH % str(text)


def plain(text: object) -> Markup:
    return escape(str(text))


def fill(page: Page, message: str, values: Mapping[str, object]) -> Markup:
    """The catalog's ``message`` in the page's language with ``values`` (each escaped, or
    ``Markup`` kept as it is) in its ``%(name)s`` places."""
    return Markup(escape(page.gettext(message))) % dict(values)


def quoted(values: Mapping[str, str], names: frozenset[str]) -> dict[str, object]:
    """``values`` with those named in ``names`` (text quoted as given, in English) marked so."""
    return {name: english(v) if name in names and v else v for name, v in values.items()}


_NAMED = re.compile(r"\{(\w+)\}")


class Templates:
    """Sentences made from ``str.format`` templates (code -> template), read back to their
    code and values: for sentences a library keeps as text (a report's reasons, the log's
    problems), whose code travels nowhere. ``fields`` narrows what a value may hold where a
    sentence would otherwise match two templates."""

    def __init__(self, templates: Mapping[str, str], fields: Mapping[str, str]) -> None:
        # the template with the most fixed text is tried first (a generic ``{a}: {b}`` last)
        ordered = sorted(templates.items(), key=lambda item: -len(_NAMED.sub("", item[1])))
        self._patterns = tuple((code, self._pattern(t, fields)) for code, t in ordered)

    @staticmethod
    def _pattern(template: str, fields: Mapping[str, str]) -> re.Pattern[str]:
        parts, at, seen = [], 0, set()
        for found in _NAMED.finditer(template):
            parts.append(re.escape(template[at : found.start()]))
            name = found.group(1)
            # a value named twice is the same value both times
            parts.append(
                f"(?P={name})" if name in seen else f"(?P<{name}>{fields.get(name, '.*?')})"
            )
            seen.add(name)
            at = found.end()
        parts.append(re.escape(template[at:]))
        return re.compile("".join(parts), re.DOTALL)

    def decode(self, text: str) -> tuple[str, dict[str, str]] | None:
        """The code and values ``text`` was made from, or None."""
        for code, pattern in self._patterns:
            # a sentence stripped after its last value was filled (an empty note)
            found = pattern.fullmatch(text) or pattern.fullmatch(text + " ")
            if found:
                return code, found.groupdict()
        return None
