"""Schema fuzzing of the registry API (schemathesis): generated requests for every operation,
anonymous and with a vendor's and the operator's token, on both databases; no answer may be a
5xx. Bounded and deterministic: a few examples per operation, derandomized."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.registry.conftest import Party, apply, issue_label

EXAMPLES = 25


def _operations(client: TestClient) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.slow
def test_no_generated_request_is_a_server_error(
    client: TestClient,
    vendor: Party,
    operator: Party,
    report: dict[str, Any],
) -> None:
    # something to find: a label, and an application in draft
    issue_label(client, vendor, operator, report)
    apply(client, vendor, report)
    callers = {"anonymous": {}, "vendor": vendor.headers, "operator": operator.headers}
    failures: list[str] = []
    for operation in _operations(client):
        for who, headers in callers.items():
            failures.extend(_fuzz(operation, who, headers))
    assert not failures, "\n".join(failures)


def _fuzz(operation: Any, who: str, headers: dict[str, str]) -> list[str]:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        case.headers = {**(case.headers or {}), **headers}
        response = case.call()
        case.validate_response(response, checks=[not_a_server_error])

    try:
        run()
    except Exception as exc:  # collect them all, then fail with each named
        first = str(exc).strip().splitlines()[:8]
        return [f"{operation.label} as {who}: " + " | ".join(first)]
    return []
