"""Label records for the buyer's-side tests: one of each standing a procurer meets."""

from __future__ import annotations

import datetime as dt

import pytest

from jcstar.client.status import RecordsSource
from jcstar.labels.standing import HistoryEvent, LabelRecord, NoticeRef

ISSUED = dt.datetime(2025, 5, 1, 9, tzinfo=dt.UTC)
EXPIRES = dt.date(2027, 4, 30)
#: a day every label below stands as its name says
TODAY = dt.date(2026, 6, 1)


def record(
    registration_no: str,
    models: tuple[str, ...],
    vendor: str = "Acme",
    level: int = 1,
    events: tuple[tuple[str, str, dt.datetime, dt.date, str | None], ...] = (),
    **extra: object,
) -> LabelRecord:
    history = (
        HistoryEvent(event="issued", status="valid", at=ISSUED, expires_on=EXPIRES),
        *(
            HistoryEvent(event=e, status=s, at=at, expires_on=exp, reason=why)  # type: ignore[arg-type]
            for e, s, at, exp, why in events
        ),
    )
    return LabelRecord(
        registration_no=registration_no,
        level=level,
        vendor=vendor,
        product=f"{vendor} {models[0]}",
        model_numbers=models,
        issued_on=ISSUED.date(),
        expires_on=history[-1].expires_on,
        history=history,
        **extra,  # type: ignore[arg-type]
    )


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=dt.UTC)


def sample_records() -> list[LabelRecord]:
    return [
        # valid ★1
        record("JC1-0001", ("GW-100",)),
        # valid ★3 (the importance-high case)
        record("JC3-0002", ("CAM-300",), level=3),
        # expired on 2026-01-31
        record(
            "JC1-0003",
            ("OLD-1",),
            events=(("renewed", "valid", at("2025-06-01"), dt.date(2026, 1, 31), None),),
        ),
        # suspended since 2026-03-01
        record(
            "JC1-0004",
            ("SUS-1",),
            events=(
                ("suspended", "suspended", at("2026-03-01"), EXPIRES, "nonconformity S1.1-02"),
            ),
        ),
        # revoked on 2026-02-10
        record(
            "JC1-0005",
            ("REV-1",),
            events=(("revoked", "revoked", at("2026-02-10"), EXPIRES, "false declaration"),),
        ),
        # superseded by JC1-0007 (which lists a new model number only)
        record(
            "JC1-0006",
            ("SUP-1",),
            superseded_by="JC1-0007",
            events=(("superseded", "superseded", at("2026-01-15"), EXPIRES, None),),
        ),
        record("JC1-0007", ("SUP-2",)),
        # two makers' labels for one model number
        record("JC1-0008", ("BOX-1",), vendor="Acme"),
        record("JC1-0009", ("ＢＯＸ－１",), vendor="Globex"),
        # valid, with a notice and an ended support period
        record(
            "JC1-0010",
            ("PCS-9",),
            vendor="Sunpower",
            support_period_end=dt.date(2026, 3, 31),
            notices=(NoticeRef(title="CVE-2026-0001 in web UI", at=at("2026-04-02")),),
        ),
    ]


@pytest.fixture
def source() -> RecordsSource:
    return RecordsSource(sample_records(), description="test records")


#: the registry URL the CLI tests give; nothing listens there (no request is sent)
TEST_REGISTRY = "http://127.0.0.1:9/"


def serve_records(
    monkeypatch: pytest.MonkeyPatch, command: object, records: list[LabelRecord]
) -> None:
    """Make ``command`` (a CLI module) read ``records`` for ``--registry`` TEST_REGISTRY, in
    process, instead of asking a registry."""

    def open_source(registry, snapshot, sig, jwks):
        assert registry == TEST_REGISTRY
        return RecordsSource(records, description="test records")

    monkeypatch.setattr(command, "open_source", open_source)
