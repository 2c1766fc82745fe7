"""Reports the declaration tests read: the shipped examples assessed once per session, and a
label record for the PSTI route."""

from __future__ import annotations

import datetime as dt

import pytest

from jcstar.assessment.models import AssessmentReport
from jcstar.assessment.service import assess_files
from jcstar.catalog.loader import load_catalog
from jcstar.catalog.models import Catalog
from jcstar.labels.standing import HistoryEvent, LabelRecord
from tests.conftest import CONFORMANT, NONCONFORMANT


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def conformant() -> AssessmentReport:
    """The conformant example assessed for ★1 only."""
    return assess_files(CONFORMANT / "profile.yaml", CONFORMANT / "answers.yaml")


@pytest.fixture(scope="session")
def conformant_for_psti() -> AssessmentReport:
    """The conformant example assessed for ★1 and, in the same session, for PSTI (``--also``)
    with the answers to the questions PSTI adds."""
    return assess_files(
        CONFORMANT / "profile.yaml",
        CONFORMANT / "answers-also-cls1-psti.yaml",
        also=("cls-1", "psti"),
    )


@pytest.fixture(scope="session")
def nonconformant() -> AssessmentReport:
    return assess_files(NONCONFORMANT / "profile.yaml", NONCONFORMANT / "answers.yaml")


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T09:00:00+00:00")


def label_record(
    models: tuple[str, ...] = ("HG-100",),
    level: int = 1,
    issued: str = "2026-01-10",
    expires: str = "2028-01-09",
    revoked: str | None = None,
    criteria_version: str | None = "JST-CR-01-01-2024R1",
) -> LabelRecord:
    """A label's public record as the registry publishes it: issued, perhaps revoked."""
    history = [
        HistoryEvent(
            event="issued", status="valid", at=at(issued), expires_on=dt.date.fromisoformat(expires)
        )
    ]
    if revoked:
        history.append(
            HistoryEvent(
                event="revoked",
                status="revoked",
                at=at(revoked),
                expires_on=dt.date.fromisoformat(expires),
                reason="false declaration",
            )
        )
    return LabelRecord(
        registration_no="JC1-000123",
        level=level,
        vendor="Example Energy Systems K.K.",
        product="HEMS Gateway HG-100",
        model_numbers=models,
        issued_on=dt.date.fromisoformat(issued),
        expires_on=dt.date.fromisoformat(expires),
        criteria_version=criteria_version,
        history=tuple(history),
    )
