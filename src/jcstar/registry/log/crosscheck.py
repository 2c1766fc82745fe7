"""Do the tables tell the log's story? Each label's row, its last history event and its stored
public document are compared with the label's state replayed from the log (``replay``).

The log that counts is the part that holds: its chain intact and covered by the latest signed
checkpoint. An entry chained on without a signature (written by someone with the database's
password but not the key) is not replayed, so a label it "changed" disagrees with the log.

The registry runs this at start-up and on ``GET /api/v1/log/verify``; what disagrees is kept
in ``Disputes`` so that the label lookup answers from the log for those labels (a registry
whose tables disagree with its log must not answer "valid" from the tables).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jcstar.labels import Keyring
from jcstar.labels.verify import TrustedKeys
from jcstar.registry.db import lock_for_write, utcnow
from jcstar.registry.labels.documents import LabelDocument
from jcstar.registry.labels.models import Label, LabelEvent
from jcstar.registry.log.chain import ChainCheck, ChainEntry, check_chain
from jcstar.registry.log.checkpoints import (
    SignedHead,
    check_latest,
    sign_at_start,
    sign_on_commit,
)
from jcstar.registry.log.note import log_origin
from jcstar.registry.log.replay import LabelState, differences, replay, status_on
from jcstar.registry.log.service import stream

logger = logging.getLogger("jcstar.registry.log")


@dataclass(frozen=True)
class Disagreement:
    registration_no: str
    #: ``label JC1-2026-000003: status: table says valid, log says revoked at seq 17``
    problem: str
    #: the label's state in the log (None: the log does not know the label)
    logged: LabelState | None


@dataclass(frozen=True)
class TruthCheck:
    chain: ChainCheck
    signed: SignedHead
    #: log entries that cannot be applied (a change to a revoked label…)
    replay_problems: tuple[str, ...]
    disagreements: tuple[Disagreement, ...]

    @property
    def ok(self) -> bool:
        return (
            self.chain.ok
            and self.signed.problem is None
            and not self.replay_problems
            and not self.disagreements
        )

    @property
    def problems(self) -> list[str]:
        found = [] if self.chain.ok else [f"chain: {self.chain.problem}"]
        if self.signed.problem:
            found.append(f"checkpoint: {self.signed.problem}")
        found += [f"log: {p}" for p in self.replay_problems]
        return found + [d.problem for d in self.disagreements]


def _read_chain(session: Session) -> tuple[ChainCheck, list[ChainEntry]]:
    read: list[ChainEntry] = []

    def keep(entries: Iterator[ChainEntry]) -> Iterator[ChainEntry]:
        for entry in entries:
            read.append(entry)
            yield entry

    check = check_chain(keep(stream(session)))
    return check, read[: check.entries]


def _held(session: Session) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """Each label as the tables hold it: ``(source, fields)`` for its row, its last history
    event and its stored document."""
    held: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    ids: dict[int, str] = {}
    rows = session.execute(
        select(Label.id, Label.registration_no, Label.status, Label.expires_on, Label.jws)
        .add_columns(Label.superseded_by)
        .order_by(Label.id)
    )
    for label_id, number, status, expires_on, jws, superseded_by in rows:
        ids[label_id] = number
        fields = {
            "status": status,
            "expires_on": expires_on.isoformat(),
            "jws": jws,
            "superseded_by": superseded_by,
        }
        held[number] = [("table", fields)]
    last_event: dict[int, tuple[str, dt.date]] = {}
    events = session.execute(
        select(LabelEvent.label_id, LabelEvent.status, LabelEvent.expires_on).order_by(
            LabelEvent.id
        )
    )
    for label_id, status, expires_on in events:
        last_event[label_id] = (status, expires_on)
    for label_id, (status, expires_on) in last_event.items():
        if label_id in ids:
            fields = {"status": status, "expires_on": expires_on.isoformat()}
            held[ids[label_id]].append(("status history", fields))
    for label_id, body in session.execute(select(LabelDocument.label_id, LabelDocument.body)):
        if label_id not in ids:
            continue
        doc = json.loads(body)
        history = doc.get("status_history") or [{}]
        held[ids[label_id]].append(
            (
                "stored document",
                {
                    "status": history[-1].get("status"),
                    "expires_on": doc.get("expires_on"),
                    "jws": doc.get("jws"),
                    "superseded_by": doc.get("superseded_by"),
                },
            )
        )
    return held


#: each disagreement of the tables with the log, by code, with its English sentence
#: (``difference``: a sentence of ``replay.REPLAY_TEXTS``)
DISAGREEMENT_TEXTS = {
    "tables_only": "label {number}: in the tables, not in the log",
    "log_only": "label {number}: in the log ({status} at seq {seq}), not in the tables",
    "differs": "label {number}: {difference}",
}


def compare(
    logged: dict[str, LabelState], held: dict[str, list[tuple[str, dict[str, Any]]]], on: dt.date
) -> list[Disagreement]:
    found: list[Disagreement] = []
    for number in sorted(held.keys() | logged.keys()):
        state = logged.get(number)
        if state is None:
            said = DISAGREEMENT_TEXTS["tables_only"].format(number=number)
            found.append(Disagreement(number, said, None))
            continue
        if number not in held:
            found.append(
                Disagreement(
                    number,
                    DISAGREEMENT_TEXTS["log_only"].format(
                        number=number, status=state.status, seq=state.seq
                    ),
                    state,
                )
            )
            continue
        for source, fields in held[number]:
            for difference in differences(state, fields, source, on.isoformat()):
                said = DISAGREEMENT_TEXTS["differs"].format(number=number, difference=difference)
                found.append(Disagreement(number, said, state))
    return found


def check(session: Session, keys: TrustedKeys, on: dt.date) -> TruthCheck:
    chain, entries = _read_chain(session)
    signed = check_latest(session, keys, len(entries))
    # what the registry signed, or (no valid checkpoint at all) what the chain holds
    trusted = entries[: signed.signed] if signed.latest is not None else entries
    replayed = replay((e.seq, e.kind, json.loads(e.payload)) for e in trusted)
    disagreements = compare(replayed.labels, _held(session), on)
    return TruthCheck(chain, signed, replayed.problems, tuple(disagreements))


class Disputes:
    """The labels whose tables disagree with the log, as last checked in this process; the
    label lookup answers those from the log."""

    def __init__(self) -> None:
        self._labels: dict[str, tuple[LabelState | None, str]] = {}
        #: goes up when the disputed labels change (a snapshot built before is out of date)
        self.version = 0

    def update(self, result: TruthCheck) -> None:
        labels: dict[str, tuple[LabelState | None, str]] = {}
        for d in result.disagreements:
            before = labels.get(d.registration_no)
            problem = d.problem if before is None else f"{before[1]}; {d.problem}"
            labels[d.registration_no] = (d.logged, problem)
        if labels != self._labels:
            self.version += 1
        self._labels = labels

    def __contains__(self, registration_no: object) -> bool:
        return registration_no in self._labels

    def get(self, registration_no: str) -> tuple[LabelState | None, str] | None:
        """A disputed label's state in the log (None: the log does not know it) and the
        disagreement named; None when the label is not disputed."""
        return self._labels.get(registration_no)

    def numbers(self) -> frozenset[str]:
        return frozenset(self._labels)

    def write(self, path: Path) -> None:
        """Hand the disputes to another process (``serve --workers``: see ``CHECKED_ENV``)."""
        labels = {
            number: [None if state is None else dataclasses.asdict(state), problem]
            for number, (state, problem) in self._labels.items()
        }
        path.write_text(json.dumps(labels, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Disputes:
        disputes = cls()
        for number, (state, problem) in json.loads(path.read_text(encoding="utf-8")).items():
            disputes._labels[number] = (None if state is None else LabelState(**state), problem)
        disputes.version = 1
        return disputes

    def answer(self, registration_no: str, body: bytes, on: dt.date) -> bytes:
        """A lookup body with the log's status and the disagreement named."""
        state, problem = self._labels[registration_no]
        doc = json.loads(body)
        doc["status"] = "unknown" if state is None else status_on(state, on.isoformat())
        doc["log_disagreement"] = problem
        return json.dumps(doc).encode()


def report(result: TruthCheck) -> None:
    """Log the result loudly: one error line per problem."""
    if result.ok:
        logger.info(
            "log check: %d entries, chain and signed head hold, tables agree", result.chain.entries
        )
        return
    for problem in result.problems:
        logger.error("LOG CHECK FAILED: %s", problem)


def at_start(
    sessions: sessionmaker[Session], keyring: Keyring, origin: str, disputes: Disputes
) -> TruthCheck:
    """The registry's start-up check. It serves on whatever it finds (degraded, not refused:
    a registry that stopped could not tell anyone a label was revoked either), logging each
    problem as an error and answering disputed labels from the log."""
    with sessions() as session:
        result = check(session, TrustedKeys.from_jwks(keyring.jwks()), utcnow().date())
        report(result)
        disputes.update(result)
        holds = result.chain.ok and not result.replay_problems and not result.disagreements
        lock_for_write(session)
        sign_at_start(session, keyring, origin, log_holds=holds)
        session.commit()
    return result


#: ``jcstar serve --workers N`` checks the registry once, in the parent, and names here the
#: file its workers read the disputes from (the check is the registry's: N+1 runs of it cost
#: minutes of CPU at a million labels and told nothing new)
CHECKED_ENV = "JCSTAR_LOG_CHECKED"


def start_log_checks(sessions: sessionmaker[Session], keyring: Keyring, base_url: str) -> Disputes:
    """Wire the log's guards into a registry's sessions: each append signed on commit, and
    the start-up check run now (or, in a worker of ``serve --workers``, its parent's result
    read). The disputes it found go to the label lookup."""
    origin = log_origin(base_url)
    sign_on_commit(sessions, keyring, origin)
    if checked := os.environ.get(CHECKED_ENV):
        disputes = Disputes.read(Path(checked))
        logger.info("log check: the server's start-up check, %d disputed", len(disputes.numbers()))
        return disputes
    disputes = Disputes()
    at_start(sessions, keyring, origin, disputes)
    return disputes
