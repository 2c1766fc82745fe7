"""A procurement line's warnings and notes in the reader's language.

``procurement.evaluate`` keeps them as English sentences (reports, the CLI, the JSON) and, in
process, as codes with values (``LineResult.warnings_why``, ``notes_why``). A warning is said
as the line's reasons are (``web/procurer/reasons.py``); a note with the messages below. A
line whose codes do not pair with its sentences keeps the English, marked so.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from jcstar.procurement.evaluate import LineResult, Why
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.messages import english, fill, plain
from jcstar.registry.web.procurer.reasons import MESSAGES as REASONS
from jcstar.registry.web.render import Page

#: the codes of a line's notes
NOTES = {
    "followed": N_("%(via)s is superseded by %(by)s: judged on %(by)s"),
    "substitutes": N_("%(rule)s: the label substitutes for checking %(scheme)s %(requirements)s"),
}


def _said(page: Page, texts: Sequence[str], coded: Sequence[Why]) -> list[Markup]:
    if page.lang == "en":
        return [plain(text) for text in texts]
    messages = {**REASONS, **NOTES}
    if len(coded) != len(texts) or any(why.code not in messages for why in coded):
        return [english(text) for text in texts]
    return [fill(page, messages[why.code], why.values) for why in coded]


def warnings(page: Page, line: LineResult) -> list[Markup]:
    return _said(page, line.warnings, line.warnings_why)


def notes(page: Page, line: LineResult) -> list[Markup]:
    return _said(page, line.notes, line.notes_why)
