"""Each label's state derived from the log alone, pure (no database, no server imports), so
the registry and a client (``jcstar log verify``) replay the same way.

Every ``label.*`` entry carries the label's state after the change (``registration_no``,
``status``, ``expires_on``, ``jws``); the last one for a label is its state. Fields the replay
does not know are ignored (entries grow: ``by``, ``superseded_by``), and so are other kinds
(``notice.published``).

Rules, in the order applied to each ``label.*`` entry:
1. A label whose state is final (``revoked``, ``superseded``) changes no more: a later entry
   is a problem (our judgement of the scheme: a revocation is not undone; a new label is
   issued instead), and is not applied.
2. An entry without a registration number or status is a problem, not applied.
3. Otherwise the entry's state replaces the label's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

FINAL = ("revoked", "superseded")
SUPERSEDED_PREFIX = "superseded by "


@dataclass(frozen=True)
class LabelState:
    registration_no: str
    status: str
    expires_on: str | None
    #: SHA-256 (hex) of the signed label the entry carries
    jws_sha256: str | None
    superseded_by: str | None
    #: the entry this state comes from
    seq: int
    kind: str


@dataclass(frozen=True)
class Replay:
    labels: dict[str, LabelState]
    #: entries that could not be applied, each ``seq N: why``
    problems: tuple[str, ...]


def jws_digest(jws: str) -> str:
    return hashlib.sha256(jws.encode()).hexdigest()


def _superseded_by(payload: dict[str, Any]) -> str | None:
    named = payload.get("superseded_by")
    if isinstance(named, str) and named:
        return named
    # entries written before ``superseded_by`` was a field name it in the reason
    reason = payload.get("reason")
    if not isinstance(reason, str) or payload.get("status") != "superseded":
        return None
    if reason.startswith(SUPERSEDED_PREFIX):
        return reason[len(SUPERSEDED_PREFIX) :].strip() or None
    return None


#: each problem of the replay and each difference from the tables, by code, with its English
#: sentence (``str.format`` fields); the portal reads the code back (``web/messages/log.py``)
REPLAY_TEXTS = {
    "no_subject": "seq {seq}: {kind} without a registration_no and status",
    "after_final": "seq {seq}: {kind} of label {number}, which was already {status} at seq {at}",
    "status": "status: {source} says {held}, log says {logged} at seq {at}",
    "expires_on": "expires_on: {source} says {held}, log says {logged} at seq {at}",
    "signed_label": "signed label: {source} holds another than the one logged at seq {at}",
    "superseded_by": "superseded_by: {source} says {held}, log says {logged} at seq {at}",
}


def replay(entries: Iterable[tuple[int, str, dict[str, Any]]]) -> Replay:
    """``entries``: ``(seq, kind, payload)`` in log order (the chain checked beforehand)."""
    labels: dict[str, LabelState] = {}
    problems: list[str] = []
    for seq, kind, payload in entries:
        if not kind.startswith("label."):
            continue
        number, status = payload.get("registration_no"), payload.get("status")
        if not isinstance(number, str) or not isinstance(status, str):
            problems.append(REPLAY_TEXTS["no_subject"].format(seq=seq, kind=kind))
            continue
        before = labels.get(number)
        if before is not None and before.status in FINAL:
            values = {"number": number, "status": before.status, "at": before.seq}
            problems.append(REPLAY_TEXTS["after_final"].format(seq=seq, kind=kind, **values))
            continue
        expires_on, jws = payload.get("expires_on"), payload.get("jws")
        labels[number] = LabelState(
            registration_no=number,
            status=status,
            expires_on=expires_on if isinstance(expires_on, str) else None,
            jws_sha256=jws_digest(jws) if isinstance(jws, str) and jws else None,
            superseded_by=_superseded_by(payload),
            seq=seq,
            kind=kind,
        )
    return Replay(labels, tuple(problems))


def status_on(state: LabelState, today_iso: str) -> str:
    """The status a reader sees: a valid label past its expiry is ``expired``."""
    if state.status == "valid" and state.expires_on is not None and state.expires_on < today_iso:
        return "expired"
    return state.status


def differences(state: LabelState, held: dict[str, Any], source: str, today_iso: str) -> list[str]:
    """How a label as ``source`` holds it (``status``; ``expires_on`` ISO text; ``jws``;
    ``superseded_by``; a key left out is not compared) differs from the log's state, each
    named: ``status: table says valid, log says revoked at seq 17``."""
    found: list[str] = []
    said = {"source": source, "at": state.seq}
    # a published status may read ``expired`` where the log (and the table) say valid
    if held.get("status") not in (state.status, status_on(state, today_iso)):
        values = {"held": held.get("status"), "logged": state.status}
        found.append(REPLAY_TEXTS["status"].format(**said, **values))
    if "expires_on" in held and str(held["expires_on"]) != state.expires_on:
        values = {"held": held["expires_on"], "logged": state.expires_on}
        found.append(REPLAY_TEXTS["expires_on"].format(**said, **values))
    if "jws" in held:
        digest = jws_digest(str(held["jws"])) if held["jws"] else None
        if digest != state.jws_sha256:
            found.append(REPLAY_TEXTS["signed_label"].format(**said))
    if "superseded_by" in held and held["superseded_by"] != state.superseded_by:
        values = {"held": held["superseded_by"], "logged": state.superseded_by}
        found.append(REPLAY_TEXTS["superseded_by"].format(**said, **values))
    return found
