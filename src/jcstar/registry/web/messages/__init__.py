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
