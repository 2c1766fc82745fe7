"""The OpenAPI document tells the truth: every answer the live registry gives — to the
workflow a vendor and the operator go through, and to every operation probed anonymously,
with a bad token, as each kind of organisation, with an oversized, mistyped or non-JSON body
and with an unknown id — has its status documented for that operation and a body that
validates against the schema documented for that status."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from jcstar.registry.app import create_app
from jcstar.registry.applications.documents import DOCUMENT_KINDS
from jcstar.registry.applications.models import STATES
from jcstar.registry.labels.models import STORED_STATUSES
from jcstar.registry.settings import Settings
from tests.registry.conftest import MakeParty, apply, issue_label

#: small, so that a body one byte over it is cheap to send to every operation
BODY_LIMIT = 256 * 1024
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@dataclasses.dataclass
class Seen:
    method: str
    path: str
    status: int
    problem: str | None


class Contract:
    """Sends requests and checks each answer against the document."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.document: dict[str, Any] = client.get("/openapi.json").json()
        self.templates = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path)
            for path in self.document["paths"]
        ]
        self.seen: list[Seen] = []

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        for pattern, template in self.templates:
            if pattern.match(path):
                found = self.document["paths"][template].get(method.lower())
                if found is not None:
                    return template, found
        return None

    def check(self, response: httpx.Response) -> None:
        """An httpx response hook: every answer the client gets is checked."""
        response.read()
        method, path = response.request.method, response.request.url.path
        self.seen.append(
            Seen(method, path, response.status_code, self._problem(method, path, response))
        )

    def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, path, **kwargs)

    def _problem(self, method: str, path: str, response: httpx.Response) -> str | None:
        found = self.operation(method, path)
        if found is None:
            return "no such operation in the document"
        _template, operation = found
        documented = operation["responses"].get(str(response.status_code))
        if documented is None:
            return f"status {response.status_code} is not documented ({response.text[:120]})"
        content = documented.get("content", {}).get("application/json")
        if content is None or "schema" not in content:
            return None
        if not response.headers.get("content-type", "").startswith("application/json"):
            return f"documented as JSON, answered {response.headers.get('content-type')}"
        schema = {**content["schema"], "components": self.document["components"]}
        errors = sorted(Draft202012Validator(schema).iter_errors(response.json()), key=str)
        if errors:
            return f"body does not match the schema: {errors[0].message[:200]}"
        return None


@pytest.fixture
def contract(settings: Settings) -> Iterator[Contract]:
    small = dataclasses.replace(settings, max_body_bytes=BODY_LIMIT)
    with TestClient(create_app(small), base_url="https://registry.test") as client:
        contract = Contract(client)
        client.event_hooks["response"].append(contract.check)
        yield contract


def _concrete(template: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: ids.get(m.group(1), "1"), template)


@pytest.mark.slow
def test_every_answer_is_documented_and_matches_its_schema(
    contract: Contract, make_party: MakeParty, report: dict[str, Any]
) -> None:
    client = contract.client
    vendor = make_party("Contract Vendor K.K.", "vendor")
    other = make_party("Other Vendor K.K.", "vendor")
    operator = make_party("Contract Operator", "operator")
    # the workflow (its answers are checked as they come, like every other)
    label = issue_label(client, vendor, operator, report)
    draft = apply(client, vendor, report, model_numbers=["CT-2"])
    upload = client.post(
        f"/api/v1/applications/{draft['id']}/documents",
        data={"kind": "declaration"},
        files={"file": ("d.pdf", b"%PDF-1.7\n", "application/pdf")},
        headers=vendor.headers,
    )
    assert upload.status_code == 201, upload.text
    known = {
        "app_id": str(draft["id"]),
        "doc_id": str(upload.json()["id"]),
        "registration_no": label["registration_no"],
    }
    unknown = {"app_id": "999999", "doc_id": "999999", "registration_no": "JC9-1999-999999"}
    callers: dict[str, dict[str, str]] = {
        "anonymous": {},
        "a bad token": {"Authorization": "Bearer not-a-token"},
        "the vendor": vendor.headers,
        "another vendor": other.headers,
        "the operator": operator.headers,
    }
    for template, methods in contract.document["paths"].items():
        for method in methods:
            verb = method.upper()
            path = _concrete(template, known)
            for headers in callers.values():
                body = {"json": {}} if verb in UNSAFE else {}
                contract.send(verb, path, headers=headers, **body)
            contract.send(verb, path, headers=operator.headers, content=b"x" * (BODY_LIMIT + 1))
            contract.send(verb, _concrete(template, unknown), headers=operator.headers)
            if verb in UNSAFE:
                text = {"Content-Type": "text/plain", **operator.headers}
                contract.send(verb, path, headers=text, content=b"hello")
                nan = {"Content-Type": "application/json", **vendor.headers}
                contract.send(verb, path, headers=nan, content=b'{"reason": NaN}')
    problems = [
        f"{s.method} {s.path} → {s.status}: {s.problem}" for s in contract.seen if s.problem
    ]
    assert not problems, "\n".join(problems)
    statuses = {s.status for s in contract.seen}
    # the probes reached every guard the document promises
    assert {200, 201, 401, 403, 404, 409, 413, 415, 422} <= statuses


def test_error_bodies_and_sign_in_are_described(contract: Contract) -> None:
    document = contract.document
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerToken"]["scheme"] == "bearer"
    assert schemes["sessionCookie"] == {
        **schemes["sessionCookie"],
        "in": "cookie",
        "name": "jcstar_session",
    }
    submit = document["paths"]["/api/v1/applications/{app_id}/submit"]["post"]
    assert {"bearerToken": []} in submit["security"]
    assert {"401", "403", "404", "409", "413", "415", "422"} <= set(submit["responses"])
    public = document["paths"]["/api/v1/labels/{registration_no}"]["get"]
    assert "security" not in public and "401" not in public["responses"]


def _parameter(document: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    operation = document["paths"][path]["get"]
    found = next(p for p in operation["parameters"] if p["name"] == name)
    schema: dict[str, Any] = found["schema"]
    return next((s for s in schema.get("anyOf", [schema]) if "enum" in s), schema)


def test_enumerated_parameters_are_enums(contract: Contract) -> None:
    document = contract.document
    state = _parameter(document, "/api/v1/applications", "state")
    assert set(state["enum"]) == set(STATES)
    status = _parameter(document, "/api/v1/labels", "status")
    assert set(status["enum"]) >= {*STORED_STATUSES, "expired"}
    upload = document["paths"]["/api/v1/applications/{app_id}/documents"]["post"]
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    form = document["components"]["schemas"][form["$ref"].rsplit("/", 1)[-1]]
    assert set(form["properties"]["kind"]["enum"]) == set(DOCUMENT_KINDS)
