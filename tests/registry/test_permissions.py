"""Every endpoint × every role → the status the contract promises (docs/registry-api.md).

Denied calls must change nothing, so each endpoint's row is played on one fresh application
with the permitted roles last."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.registry.conftest import MakeParty, Party, apply, approve, made_by, submit

ROLES = ("anonymous", "other_vendor", "lab_not_named", "procurer", "lab_named", "owner", "operator")


@dataclass
class World:
    client: TestClient
    parties: dict[str, Party | None]
    report: dict[str, Any]
    made: int = 0

    def headers(self, role: str) -> dict[str, str]:
        party = self.parties[role]
        return party.headers if party else {}

    def application(self, state: str = "draft") -> int:
        owner, operator = self.parties["owner"], self.parties["operator"]
        assert owner and operator
        # model numbers of its own: a model number carries one label at a time
        self.made += 1
        models = [f"HG-{self.made}"]
        app_id: int = apply(self.client, owner, self.report, lab="Lab Named", model_numbers=models)[
            "id"
        ]
        if state in ("submitted", "accepted"):
            submit(self.client, owner, app_id)
        if state == "accepted":
            self.client.post(f"/api/v1/applications/{app_id}/accept", headers=operator.headers)
        return app_id

    def document(self) -> int:
        """A document on the application made last (``application()`` runs first)."""
        owner = self.parties["owner"]
        assert owner
        listed = self.client.get("/api/v1/applications", headers=owner.headers).json()["items"]
        response = self.client.post(
            f"/api/v1/applications/{listed[-1]['id']}/documents",
            data={"kind": "declaration"},
            files={"file": ("d.pdf", b"%PDF-1.7\n", "application/pdf")},
            headers=owner.headers,
        )
        doc_id: int = response.json()["id"]
        return doc_id

    def label(self, suspended: bool = False) -> str:
        operator = self.parties["operator"]
        assert operator
        no: str = approve(self.client, operator, self.application("submitted"))["registration_no"]
        if suspended:
            self.client.post(
                f"/api/v1/labels/{no}/suspend", json={"reason": "check"}, headers=operator.headers
            )
        return no


@pytest.fixture
def world(client: TestClient, make_party: MakeParty, report: dict[str, Any]) -> World:
    parties: dict[str, Party | None] = {
        "anonymous": None,
        "owner": make_party("Owner Vendor", "vendor"),
        "other_vendor": make_party("Other Vendor", "vendor"),
        "lab_named": make_party("Lab Named", "lab"),
        "lab_not_named": make_party("Lab Elsewhere", "lab"),
        "operator": make_party("Operator", "operator"),
        "procurer": make_party("Procurer", "procurer"),
    }
    return World(client, parties, made_by(report, "Owner Vendor"))


Request = Callable[[World, str], tuple[str, str, dict[str, Any]]]
ANON, OWNER, OTHER, LAB, LAB_X, OPS, PROC = (
    ROLES[0],
    "owner",
    "other_vendor",
    "lab_named",
    "lab_not_named",
    "operator",
    "procurer",
)
OPERATOR_ONLY = {ANON: 401, OWNER: 403, OTHER: 403, LAB: 403, LAB_X: 403, PROC: 403, OPS: 200}
PUBLIC = dict.fromkeys(ROLES, 200)
SIGNED_IN = {**dict.fromkeys(ROLES, 200), ANON: 401}


def _app_action(action: str, state: str, body: dict[str, Any] | None = None) -> Request:
    def make(world: World, _role: str) -> tuple[str, str, dict[str, Any]]:
        app_id = world.application(state)
        return "POST", f"/api/v1/applications/{app_id}/{action}", {"json": body}

    return make


def _label_action(action: str, body: dict[str, Any] | None, suspended: bool = False) -> Request:
    def make(world: World, _role: str) -> tuple[str, str, dict[str, Any]]:
        return "POST", f"/api/v1/labels/{world.label(suspended)}/{action}", {"json": body}

    return make


def _upload(world: World, role: str) -> tuple[str, str, dict[str, Any]]:
    kind = "evaluation_report" if role == LAB else "checklist"
    files = {"file": ("doc.pdf", b"%PDF-1.7\n...", "application/pdf")}
    return (
        "POST",
        f"/api/v1/applications/{world.application()}/documents",
        {
            "data": {"kind": kind},
            "files": files,
        },
    )


def _get(path: Callable[[World], str]) -> Request:
    return lambda world, _role: ("GET", path(world), {})


MATRIX: dict[str, tuple[Request, dict[str, int]]] = {
    "create application": (
        lambda w, _r: ("POST", "/api/v1/applications", {"json": {"report": w.report}}),
        # only the maker: another vendor applying with the owner's report is refused
        {ANON: 401, LAB: 403, LAB_X: 403, OPS: 403, PROC: 403, OTHER: 403, OWNER: 201},
    ),
    "read application": (
        _get(lambda w: f"/api/v1/applications/{w.application()}"),
        {ANON: 401, OTHER: 404, LAB_X: 404, PROC: 403, LAB: 200, OWNER: 200, OPS: 200},
    ),
    "list applications": (
        _get(lambda w: "/api/v1/applications"),
        {**SIGNED_IN, PROC: 403},
    ),
    "update application": (
        lambda w, _r: ("PATCH", f"/api/v1/applications/{w.application()}", {"json": {}}),
        {ANON: 401, OTHER: 404, LAB: 403, LAB_X: 403, OPS: 403, PROC: 403, OWNER: 200},
    ),
    "upload document": (
        _upload,
        {ANON: 401, OTHER: 404, LAB_X: 404, OPS: 403, PROC: 403, LAB: 201, OWNER: 201},
    ),
    "read report": (
        _get(lambda w: f"/api/v1/applications/{w.application()}/report"),
        {ANON: 401, OTHER: 404, LAB_X: 404, PROC: 403, LAB: 200, OWNER: 200, OPS: 200},
    ),
    "download document": (
        _get(lambda w: f"/api/v1/applications/{w.application()}/documents/{w.document()}"),
        {ANON: 401, OTHER: 404, LAB_X: 404, PROC: 403, LAB: 200, OWNER: 200, OPS: 200},
    ),
    "submit": (
        _app_action("submit", "draft"),
        {ANON: 401, OTHER: 404, LAB_X: 403, LAB: 403, OPS: 403, PROC: 403, OWNER: 200},
    ),
    "accept": (_app_action("accept", "submitted"), OPERATOR_ONLY),
    "start review": (_app_action("start-review", "accepted"), OPERATOR_ONLY),
    "return": (_app_action("return", "submitted", {"reason": "fix"}), OPERATOR_ONLY),
    "reject": (_app_action("reject", "submitted", {"reason": "no"}), OPERATOR_ONLY),
    "approve": (_app_action("approve", "submitted"), OPERATOR_ONLY),
    "suspend": (_label_action("suspend", {"reason": "r"}), OPERATOR_ONLY),
    "revoke": (_label_action("revoke", {"reason": "r"}), OPERATOR_ONLY),
    "reinstate": (_label_action("reinstate", {"reason": "r"}, suspended=True), OPERATOR_ONLY),
    "renew": (_label_action("renew", None), OPERATOR_ONLY),
    "post notice": (
        _label_action("notices", {"title": "t", "body": "b"}),
        {ANON: 401, OTHER: 403, LAB: 403, LAB_X: 403, PROC: 403, OWNER: 201, OPS: 201},
    ),
    "read label": (_get(lambda w: f"/api/v1/labels/{w.label()}"), PUBLIC),
    "search labels": (_get(lambda w: "/api/v1/labels?q=HEMS"), PUBLIC),
    "product page": (_get(lambda w: f"/p/{w.label()}"), PUBLIC),
    "search page": (_get(lambda w: "/?q=HEMS"), PUBLIC),
    "export csv": (_get(lambda w: "/api/v1/export/labels.csv"), PUBLIC),
    "export json": (_get(lambda w: "/api/v1/export/labels.json"), PUBLIC),
    "log": (_get(lambda w: "/api/v1/log"), PUBLIC),
    "log verify": (_get(lambda w: "/api/v1/log/verify"), PUBLIC),
    "jwks": (_get(lambda w: "/.well-known/jwks.json"), PUBLIC),
    "me": (_get(lambda w: "/api/v1/me"), SIGNED_IN),
}


@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_permission_matrix(world: World, endpoint: str) -> None:
    make_request, expected = MATRIX[endpoint]
    assert set(expected) == set(ROLES), f"{endpoint}: the matrix must name every role"
    got: dict[str, int] = {}
    for role in ROLES:
        method, path, kwargs = make_request(world, role)
        response = world.client.request(method, path, headers=world.headers(role), **kwargs)
        got[role] = response.status_code
        if response.status_code >= 400:
            assert isinstance(response.json()["detail"], str), response.text
    assert got == expected


def test_denied_calls_change_nothing(world: World) -> None:
    app_id = world.application("submitted")
    before = world.client.get(f"/api/v1/applications/{app_id}", headers=world.headers(OWNER)).json()
    for role in (ANON, OWNER, OTHER, LAB, LAB_X, PROC):
        world.client.post(f"/api/v1/applications/{app_id}/approve", headers=world.headers(role))
    after = world.client.get(f"/api/v1/applications/{app_id}", headers=world.headers(OWNER)).json()
    assert after == before
    assert world.client.get("/api/v1/labels").json()["total"] == 0


def test_lab_sees_only_applications_naming_it(world: World) -> None:
    named = world.application()
    owner = world.parties[OWNER]
    assert owner
    unnamed = apply(world.client, owner, world.report)["id"]
    listed = world.client.get("/api/v1/applications", headers=world.headers(LAB)).json()["items"]
    assert [item["id"] for item in listed] == [named]
    assert unnamed != named
    elsewhere = world.client.get("/api/v1/applications", headers=world.headers(LAB_X)).json()
    assert elsewhere["items"] == []


def test_lab_may_attach_only_evaluation_reports(world: World) -> None:
    app_id = world.application()
    response = world.client.post(
        f"/api/v1/applications/{app_id}/documents",
        data={"kind": "checklist"},
        files={"file": ("c.pdf", b"%PDF-1.7\n", "application/pdf")},
        headers=world.headers(LAB),
    )
    assert response.status_code == 403
