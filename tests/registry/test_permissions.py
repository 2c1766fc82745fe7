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
        if state in ("submitted", "accepted", "paid"):
            submit(self.client, owner, app_id)
        if state in ("accepted", "paid"):
            self.client.post(f"/api/v1/applications/{app_id}/accept", headers=operator.headers)
        if state == "paid":  # accepted and its fee recorded paid: what review waits for
            self.client.post(
                f"/api/v1/applications/{app_id}/fee-paid",
                json={"reference": "T-1"},
                headers=operator.headers,
            )
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

    def owner_user(self) -> int:
        """A new user of the owner's organisation (made by its administrator token)."""
        self.made += 1
        body = {"email": f"u{self.made}@owner.test", "password": "x" * 12, "roles": ["applicant"]}
        response = self.client.post(
            "/api/v1/orgs/me/users", json=body, headers=self.headers("owner")
        )
        user_id: int = response.json()["id"]
        return user_id

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


def _add_user(world: World, role: str) -> tuple[str, str, dict[str, Any]]:
    body = {"email": f"{role}@people.test", "password": "x" * 12, "roles": ["administrator"]}
    return "POST", "/api/v1/orgs/me/users", {"json": body}


#: watch lists (issue 13): procurers and vendors follow labels; labs and the operator do not
FOLLOWERS = {ANON: 401, LAB: 403, LAB_X: 403, OPS: 403, PROC: 200, OWNER: 200, OTHER: 200}


def _procurers(kind: str) -> Request:
    """Remove one of the procurer's own watches (``kind="watches"``) or channels: only it may;
    to another follower it is unknown (404)."""

    def make(world: World, _role: str) -> tuple[str, str, dict[str, Any]]:
        world.made += 1
        if kind == "watches":
            body: dict[str, Any] = {"numbers": [f"W-{world.made}"]}
            world.client.post("/api/v1/watches", json=body, headers=world.headers(PROC))
            listed = world.client.get(
                "/api/v1/watches", params={"number": f"W-{world.made}"}, headers=world.headers(PROC)
            )
            return "DELETE", f"/api/v1/watches/{listed.json()['items'][0]['id']}", {}
        body = {"email": f"n{world.made}@procurer.test"}
        made = world.client.post(
            "/api/v1/notification-channels", json=body, headers=world.headers(PROC)
        )
        return "DELETE", f"/api/v1/notification-channels/{made.json()['id']}", {}

    return make


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
    "fee paid": (_app_action("fee-paid", "accepted", {"reference": "T-1"}), OPERATOR_ONLY),
    "start review": (_app_action("start-review", "paid"), OPERATOR_ONLY),
    "return": (_app_action("return", "submitted", {"reason": "fix"}), OPERATOR_ONLY),
    "reject": (_app_action("reject", "submitted", {"reason": "no"}), OPERATOR_ONLY),
    "approve": (_app_action("approve", "paid"), OPERATOR_ONLY),
    # the world's applications are ★1, to which no lab is assigned (422 for the operator); the
    # ★3 assignment itself: test_lab_step.py
    "assign lab": (
        _app_action("lab", "submitted", {"lab": "Lab Elsewhere"}),
        {**OPERATOR_ONLY, OPS: 422},
    ),
    "suspend": (_label_action("suspend", {"reason": "r"}), OPERATOR_ONLY),
    "revoke": (_label_action("revoke", {"reason": "r"}), OPERATOR_ONLY),
    "reinstate": (_label_action("reinstate", {"reason": "r"}, suspended=True), OPERATOR_ONLY),
    # gone: the operator is told to use a renewal application (409), nothing changes
    "renew": (_label_action("renew", None), {**OPERATOR_ONLY, OPS: 409}),
    "post notice": (
        _label_action("notices", {"title": "t", "body": "b"}),
        {ANON: 401, OTHER: 403, LAB: 403, LAB_X: 403, PROC: 403, OWNER: 201, OPS: 201},
    ),
    "read label": (_get(lambda w: f"/api/v1/labels/{w.label()}"), PUBLIC),
    "search labels": (_get(lambda w: "/api/v1/labels?q=HEMS"), PUBLIC),
    "product page": (_get(lambda w: f"/p/{w.label()}"), PUBLIC),
    # the link in a label's compact seal: on to the product page (followed)
    "seal link": (
        _get(
            lambda w: (
                "/L/" + w.client.get(f"/api/v1/labels/{w.label()}").json()["qr"].split("/L/")[1]
            )
        ),
        PUBLIC,
    ),
    "search page": (_get(lambda w: "/?q=HEMS"), PUBLIC),
    # the portal's public pages (web/): the same for everyone, signed in or not
    "home page": (_get(lambda w: "/"), PUBLIC),
    "verify page": (_get(lambda w: "/verify"), PUBLIC),
    "log page": (_get(lambda w: "/log"), PUBLIC),
    "log verification page": (_get(lambda w: "/log/verify"), PUBLIC),
    "sign-in page": (_get(lambda w: "/signin"), PUBLIC),
    # (the portal's forms answer with pages, not JSON: their token and origin checks are in
    # tests/registry/web/test_pages.py)
    "export csv": (_get(lambda w: "/api/v1/export/labels.csv"), PUBLIC),
    "export json": (_get(lambda w: "/api/v1/export/labels.json"), PUBLIC),
    "log": (_get(lambda w: "/api/v1/log"), PUBLIC),
    "log verify": (_get(lambda w: "/api/v1/log/verify"), PUBLIC),
    "log checkpoints": (_get(lambda w: "/api/v1/log/checkpoints"), PUBLIC),
    # a label issued first: its log entry is what the checkpoint signs
    "log latest checkpoint": (
        _get(lambda w: (w.label(), "/api/v1/log/checkpoints/latest")[1]),
        PUBLIC,
    ),
    "jwks": (_get(lambda w: "/.well-known/jwks.json"), PUBLIC),
    "claim check": (_get(lambda w: "/api/v1/public/accepted?model=HG-1"), PUBLIC),
    # status for machines (issue 13): public facts, no sign-in
    "bulk status": (
        lambda w, _r: ("POST", "/api/v1/public/status", {"json": {"models": ["HG-1"]}}),
        PUBLIC,
    ),
    "label status on a day": (
        _get(lambda w: f"/api/v1/public/status/{w.label()}?at=2026-01-01"),
        PUBLIC,
    ),
    "snapshot": (_get(lambda w: "/api/v1/public/snapshot"), PUBLIC),
    "snapshot signature": (_get(lambda w: "/api/v1/public/snapshot.sig"), PUBLIC),
    "me": (_get(lambda w: "/api/v1/me"), SIGNED_IN),
    # four-eyes decisions (none pending here: four-eyes is off; see test_four_eyes.py)
    "pending decisions": (_get(lambda w: "/api/v1/decisions"), OPERATOR_ONLY),
    "withdraw decision": (
        lambda w, _r: ("DELETE", "/api/v1/decisions/999999", {}),
        {**OPERATOR_ONLY, OPS: 404},
    ),
    # an organisation's administrator (every party here holds every role of its kind)
    "list users": (_get(lambda w: "/api/v1/orgs/me/users"), SIGNED_IN),
    "add user": (_add_user, {**dict.fromkeys(ROLES, 201), ANON: 401}),
    "set user roles": (
        lambda w, _r: (
            "PUT",
            f"/api/v1/orgs/me/users/{w.owner_user()}/roles",
            {"json": {"roles": ["applicant"]}},
        ),
        # another organisation's user is as unknown as a missing one
        {**dict.fromkeys(ROLES, 404), ANON: 401, OWNER: 200},
    ),
    "remove user": (
        lambda w, _r: ("DELETE", f"/api/v1/orgs/me/users/{w.owner_user()}", {}),
        {**dict.fromkeys(ROLES, 404), ANON: 401, OWNER: 204},
    ),
    "list criteria versions": (_get(lambda w: "/api/v1/criteria"), PUBLIC),
    "publish criteria version": (
        lambda w, _r: (
            "POST",
            "/api/v1/criteria",
            {
                "json": {
                    "level": 1,
                    "id": "JST-CR-01-01-2026R2",
                    "title": "revised",
                    "published_on": "2026-11",
                    "effective_on": "2026-12-01",
                }
            },
        ),
        {**OPERATOR_ONLY, OPS: 201},
    ),
    "rotate signing key": (lambda w, _r: ("POST", "/api/v1/keys/rotate", {}), OPERATOR_ONLY),
    "add watches": (
        lambda w, _r: ("POST", "/api/v1/watches", {"json": {"numbers": ["HG-1", "ＨＧ－２"]}}),
        {**FOLLOWERS, PROC: 201, OWNER: 201, OTHER: 201},
    ),
    "list watches": (_get(lambda w: "/api/v1/watches"), FOLLOWERS),
    "remove watch": (_procurers("watches"), {**FOLLOWERS, PROC: 204, OWNER: 404, OTHER: 404}),
    "add channel": (
        lambda w, r: ("POST", "/api/v1/notification-channels", {"json": {"email": f"{r}@n.test"}}),
        {**FOLLOWERS, PROC: 201, OWNER: 201, OTHER: 201},
    ),
    "list channels": (_get(lambda w: "/api/v1/notification-channels"), FOLLOWERS),
    "remove channel": (_procurers("channels"), {**FOLLOWERS, PROC: 204, OWNER: 404, OTHER: 404}),
    "list deliveries": (_get(lambda w: "/api/v1/deliveries?state=failed"), FOLLOWERS),
    # no failed delivery here (a real one: test_outbox.py): unknown to every follower
    "retry delivery": (
        lambda w, _r: ("POST", "/api/v1/deliveries/00000000-0000-0000-0000-000000000000/retry", {}),
        {**FOLLOWERS, PROC: 404, OWNER: 404, OTHER: 404},
    ),
}


@pytest.mark.parametrize("endpoint", list(MATRIX))
@pytest.mark.slow  # ~100 endpoints × every role: make test runs it, make test-fast leaves it out
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


# -- people inside organisations: each write endpoint × a token holding one role ------------

#: tokens holding one role (or none) inside the world's organisations
MEMBERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ops_reviewer": (OPS, ("reviewer",)),
    "ops_approver": (OPS, ("approver",)),
    "ops_administrator": (OPS, ("administrator",)),
    "ops_no_role": (OPS, ()),
    "owner_applicant": (OWNER, ("applicant",)),
    "owner_administrator": (OWNER, ("administrator",)),
    "lab_evaluator": (LAB, ("evaluator",)),
    "lab_administrator": (LAB, ("administrator",)),
}

#: endpoint (a row of MATRIX, played the same way) → the members whose role may call it; they
#: get what the full organisation gets there, every other member 403
MAY: dict[str, tuple[str, ...]] = {
    "create application": ("owner_applicant",),
    "update application": ("owner_applicant",),
    "submit": ("owner_applicant",),
    "accept": ("ops_reviewer",),
    "start review": ("ops_reviewer",),
    "return": ("ops_reviewer",),
    "reject": ("ops_reviewer",),
    "fee paid": ("ops_reviewer",),
    "assign lab": ("ops_reviewer",),
    "approve": ("ops_approver",),
    "suspend": ("ops_approver",),
    "revoke": ("ops_approver",),
    "reinstate": ("ops_approver",),
    "post notice": ("owner_applicant", "ops_reviewer", "ops_approver"),
    "pending decisions": tuple(m for m in MEMBERS if m.startswith("ops_")),  # a read
    "withdraw decision": ("ops_approver",),
    "list users": ("ops_administrator", "owner_administrator", "lab_administrator"),
    "add user": ("ops_administrator", "owner_administrator", "lab_administrator"),
    "rotate signing key": ("ops_administrator",),
    # reads need no role: each member sees what its organisation sees
    "read application": tuple(MEMBERS),
    "add watches": ("owner_applicant", "owner_administrator"),
    "add channel": ("owner_applicant", "owner_administrator"),
}


@pytest.fixture
def people_world(world: World, make_member: Callable[..., Party]) -> World:
    for member, (org, roles) in MEMBERS.items():
        party = world.parties[org]
        assert party
        world.parties[member] = make_member(party, *roles)
    return world


def _member_upload(world: World, member: str) -> tuple[str, str, dict[str, Any]]:
    kind = "evaluation_report" if member.startswith("lab") else "checklist"
    files = {"file": ("doc.pdf", b"%PDF-1.7\n...", "application/pdf")}
    path = f"/api/v1/applications/{world.application()}/documents"
    return "POST", path, {"data": {"kind": kind}, "files": files}


@pytest.mark.parametrize("endpoint", [*(e for e in MAY if e in MATRIX), "upload document (roles)"])
@pytest.mark.slow
def test_roles_inside_organisations(people_world: World, endpoint: str) -> None:
    if endpoint == "upload document (roles)":
        make_request: Request = _member_upload
        allowed = {"owner_applicant": 201, "lab_evaluator": 201}
    else:
        make_request, whole = MATRIX[endpoint]
        allowed = {m: whole[MEMBERS[m][0]] for m in MAY[endpoint]}
    expected = {member: allowed.get(member, 403) for member in MEMBERS}
    got = {}
    for member in MEMBERS:
        method, path, kwargs = make_request(people_world, member)
        response = people_world.client.request(
            method, path, headers=people_world.headers(member), **kwargs
        )
        got[member] = response.status_code
        if response.status_code == 403:  # the wrong kind of organisation, or the wrong role
            detail = response.json()["detail"]
            assert "role" in detail or "organisations may" in detail, response.text
    assert got == expected


def test_a_reviewer_or_a_token_without_roles_approves_nothing(people_world: World) -> None:
    client, app_id = people_world.client, people_world.application("submitted")
    owner = people_world.headers(OWNER)
    before = client.get(f"/api/v1/applications/{app_id}", headers=owner).json()
    log_before = client.get("/api/v1/log").json()
    for member in ("ops_reviewer", "ops_administrator", "ops_no_role"):
        path = f"/api/v1/applications/{app_id}/approve"
        assert client.post(path, headers=people_world.headers(member)).status_code == 403
    assert client.get(f"/api/v1/applications/{app_id}", headers=owner).json() == before
    assert client.get("/api/v1/log").json() == log_before
    assert client.get("/api/v1/labels").json()["total"] == 0
