"""The log verification's problems in the reader's language.

The log's modules keep each problem as an English sentence (the API's ``/log/verify``, the
CLI and the server's log say it) made from their tables (``chain.CHAIN_TEXTS``,
``note.SIGNATURE_TEXTS``, ``checkpoints.CHECKPOINT_TEXTS``, ``replay.REPLAY_TEXTS``,
``crosscheck.DISAGREEMENT_TEXTS``); the transparency page reads each back to its code and
says it with the messages below. A sentence within a sentence (an entry's problem, a label's
difference) is said the same way; one that matches no template keeps its English, marked so.
"""

from __future__ import annotations

from markupsafe import Markup

from jcstar.registry.log.chain import CHAIN_TEXTS
from jcstar.registry.log.checkpoints import CHECKPOINT_TEXTS
from jcstar.registry.log.crosscheck import DISAGREEMENT_TEXTS
from jcstar.registry.log.note import SIGNATURE_TEXTS
from jcstar.registry.log.replay import REPLAY_TEXTS
from jcstar.registry.web.i18n import N_
from jcstar.registry.web.messages import Templates, english, fill, plain
from jcstar.registry.web.render import Page

MESSAGES = {
    # chain.CHAIN_TEXTS
    "entry": N_("seq %(seq)s: %(problem)s"),
    "seq_gap": N_("expected seq %(expected)s (an entry is missing or out of order)"),
    "prev_hash": N_("prev_hash does not match the previous entry's hash"),
    "payload": N_("payload does not match payload_sha256"),
    "hash": N_("hash does not match the entry's contents"),
    # note.SIGNATURE_TEXTS
    "unknown_key": N_("checkpoint signed with key %(kid)s, which the JWKS does not hold"),
    "not_ed25519": N_("checkpoint key %(kid)s is not an Ed25519 key"),
    "bad_signature": N_(
        "checkpoint at size %(size)s: the signature is not key %(kid)s's over its contents"
    ),
    # checkpoints.CHECKPOINT_TEXTS
    "unsigned": N_("no signed checkpoint covers the log's %(entries)s entries"),
    "rewritten": N_("entry %(size)s is not the head signed at size %(size)s (history rewritten)"),
    "unsigned_tail": N_(
        "the log has %(entries)s entries but the latest signed checkpoint covers %(size)s: "
        "entries %(first)s-%(entries)s were not signed by the registry"
    ),
    # replay.REPLAY_TEXTS
    "no_subject": N_("seq %(seq)s: %(kind)s without a registration_no and status"),
    "after_final": N_(
        "seq %(seq)s: %(kind)s of label %(number)s, which was already %(status)s at seq %(at)s"
    ),
    "status": N_("status: %(source)s says %(held)s, log says %(logged)s at seq %(at)s"),
    "expires_on": N_("expires_on: %(source)s says %(held)s, log says %(logged)s at seq %(at)s"),
    "signed_label": N_("signed label: %(source)s holds another than the one logged at seq %(at)s"),
    "superseded_by": N_(
        "superseded_by: %(source)s says %(held)s, log says %(logged)s at seq %(at)s"
    ),
    # crosscheck.DISAGREEMENT_TEXTS
    "tables_only": N_("label %(number)s: in the tables, not in the log"),
    "log_only": N_("label %(number)s: in the log (%(status)s at seq %(seq)s), not in the tables"),
    "differs": N_("label %(number)s: %(difference)s"),
}
#: the page's own frame for a problem the replay found (``log: …``, as the API lists it)
REPLAY_PROBLEM = N_("log: %(problem)s")
#: every table of the log's sentences, as one (their codes are distinct)
LIBRARY = {
    **CHAIN_TEXTS,
    **SIGNATURE_TEXTS,
    **CHECKPOINT_TEXTS,
    **REPLAY_TEXTS,
    **DISAGREEMENT_TEXTS,
}
#: a sequence number, a registration number and a kind have no spaces: ``seq 3: …`` is an
#: entry's problem, never a replay problem's own words
TEMPLATES = Templates(LIBRARY, {"seq": r"\d+", "at": r"\d+", "number": r"\S+", "kind": r"\S+"})
#: values that are themselves a sentence of the log
NESTED = ("problem", "difference")


def problem(page: Page, text: str | None) -> Markup | None:
    """One problem of the log in the page's language (None stays None)."""
    if text is None:
        return None
    if page.lang == "en":
        return plain(text)
    decoded = TEMPLATES.decode(text)
    if decoded is None:
        return english(text)
    code, values = decoded
    said: dict[str, object] = dict(values)
    for name in NESTED:
        if name in said:
            said[name] = problem(page, values[name])
    return fill(page, MESSAGES[code], said)


def replay_problem(page: Page, text: str) -> Markup:
    return fill(page, REPLAY_PROBLEM, {"problem": problem(page, text)})
