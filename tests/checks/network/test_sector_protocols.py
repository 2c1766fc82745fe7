"""network.sector_protocols: the power sector's control protocols asked read-only, against
responders started on 127.0.0.1 (``tests/lab/power_responders.py``; the lab device runs
the same ones with a real pymodbus server, see the lab tests at the end)."""

from __future__ import annotations

import asyncio
import struct

import pytest

from jcstar.assessment.plan import build_plan
from jcstar.catalog.lint import lint
from jcstar.catalog.loader import load_catalog
from jcstar.checks.network.collect import echonet, industrial
from jcstar.checks.network.sector_protocols import SectorProtocolsCheck
from jcstar.checks.product import NeededPort
from tests.checks.network.sector_helpers import (
    HOST,
    attempt,
    closed_port,
    profile_of_type,
    verdict_of,
)
from tests.lab import power_responders as responders
from tests.lab.probing import probe_in

POWER_TYPES = (
    "erab-gateway",
    "erab-controller",
    "dr-ready-device",
    "der-remote-monitor",
    "der-pcs",
)


async def _serve(handler: responders.Handler) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(handler, HOST, 0)
    return server, server.sockets[0].getsockname()[1]


async def _power_device(tid_shift: int = 0) -> tuple[list[object], dict[str, tuple[int, ...]]]:
    """Every protocol answering on its own loopback port: (what to close, the check params)."""
    modbus, modbus_port = await _serve(responders.modbus())
    dnp3, dnp3_port = await _serve(responders.dnp3())
    iec104, iec104_port = await _serve(responders.iec104())
    el_tcp, el_port = await _serve(responders.echonet_tcp(tid_shift))
    el_udp = await responders.echonet_udp(HOST, el_port, tid_shift)
    params = {
        "modbus_ports": (modbus_port,),
        "dnp3_ports": (dnp3_port,),
        "iec104_ports": (iec104_port,),
        "echonet_ports": (el_port,),
    }
    return [modbus, dnp3, iec104, el_tcp, el_udp], params


def _close(things: list[object]) -> None:
    for thing in things:
        thing.close()  # type: ignore[attr-defined]


def _run_against_device(tid_shift: int = 0, needed_all: bool = False, **kwargs: object):
    async def go():
        things, params = await _power_device(tid_shift)
        needed = ()
        if needed_all:
            needed = tuple(
                NeededPort(port=port, protocol=proto, reason=f"{name} to the site controller")
                for name, (port,) in params.items()
                for proto in (("tcp", "udp") if name == "echonet_ports" else ("tcp",))
            )
        try:
            return await attempt(SectorProtocolsCheck(), params, needed, **kwargs), params
        finally:
            _close(things)

    return asyncio.run(go())


def test_each_protocol_that_answers_is_an_exposed_interface_of_s1_1_13():
    responders.SEEN.clear()
    result, _ = _run_against_device()
    assert result.status == "completed", result.reason
    by_key = {(o.details["protocol"], o.details["transport"]): o for o in result.observations}
    assert set(by_key) == {
        ("modbus", "tcp"),
        ("dnp3", "tcp"),
        ("iec-104", "tcp"),
        ("echonet-lite", "tcp"),
        ("echonet-lite", "udp"),
    }
    assert all(o.outcome == "fail" and o.topic == "sector_exposure" for o in by_key.values())
    assert "holding register 0 of unit 1 (value 1234)" in by_key["modbus", "tcp"].message
    assert "outstation 1 to master 3: LINK_STATUS" in by_key["dnp3", "tcp"].message
    assert "STARTDT con (stopped again with STOPDT)" in by_key["iec-104", "tcp"].message
    for transport in ("tcp", "udp"):
        message = by_key["echonet-lite", transport].message
        assert "maker code 0xFFFFFF" in message and "0x026B01" in message
    # the risk comes from the shared list (risky-ports.yaml), as network.services reports it
    assert "no authentication" in by_key["modbus", "tcp"].message
    verdict = verdict_of("erab-gateway", (result,), "S1.1-13")
    assert verdict.verdict == "NOT_MET"


def test_the_checks_only_ever_read():
    responders.SEEN.clear()
    _run_against_device()
    sent = {kind: [frame for k, frame in responders.SEEN if k == kind] for kind in
            ("modbus", "dnp3", "iec104", "echonet")}  # fmt: skip
    assert {frame[7] for frame in sent["modbus"]} == {3}  # read holding registers only
    assert {frame[3] & 0x0F for frame in sent["dnp3"]} == {9}  # request link status only
    assert [frame[2] for frame in sent["iec104"]] == [0x07, 0x13]  # STARTDT, then STOPDT
    assert {frame[10] for frame in sent["echonet"]} == {echonet.GET}  # never SetI/SetC


def test_ports_declared_needed_are_noted_for_review_not_failed():
    result, _ = _run_against_device(needed_all=True)
    assert result.status == "completed"
    assert {o.outcome for o in result.observations} == {"info"}
    assert all("(needed: " in o.message for o in result.observations)
    verdict = verdict_of("erab-gateway", (result,), "S1.1-13")
    assert verdict.verdict != "NOT_MET"


def test_a_node_answering_with_another_tid_is_not_believed():
    result, _ = _run_against_device(tid_shift=1)
    echonet_seen = [o for o in result.observations if o.details.get("protocol") == "echonet-lite"]
    assert echonet_seen == []  # neither its UDP nor its TCP answer counts
    assert {o.outcome for o in result.observations} == {"fail"}  # the others still answer


def test_only_the_ports_the_user_named_are_asked():
    async def go():
        things, params = await _power_device()
        try:
            named = str(params["modbus_ports"][0])
            return await attempt(SectorProtocolsCheck(), params, ports=named)
        finally:
            _close(things)

    responders.SEEN.clear()
    result = asyncio.run(go())
    tcp = {o.details["protocol"] for o in result.observations if o.details["transport"] == "tcp"}
    assert tcp == {"modbus"}
    assert not [k for k, _ in responders.SEEN if k in ("dnp3", "iec104")]


def test_nothing_listening_is_no_finding_and_not_conclusive():
    params = {
        "modbus_ports": (closed_port(),),
        "dnp3_ports": (closed_port(),),
        "iec104_ports": (closed_port(),),
        "echonet_ports": (closed_port(),),
    }
    result = asyncio.run(attempt(SectorProtocolsCheck(), params))
    (obs,) = result.observations
    assert obs.outcome == "pass" and not obs.conclusive
    assert "no power-sector control protocol answers" in obs.message


def test_a_port_that_never_answers_cannot_be_judged_never_a_pass():
    async def go():
        server, port = await _serve(responders.silent)
        params = {
            "modbus_ports": (port,),
            "dnp3_ports": (closed_port(),),
            "iec104_ports": (closed_port(),),
            "echonet_ports": (closed_port(),),
        }
        try:
            return await attempt(SectorProtocolsCheck(), params, device_timeout_s=0.5)
        finally:
            server.close()

    result = asyncio.run(go())
    assert result.status == "error" and result.kind == "timed_out"
    assert "did not answer a Modbus read of unit 1, 255, 0 in 0.5 s" in result.reason
    assert verdict_of("der-pcs", (result,), "S1.1-13").verdict == "INCONCLUSIVE"


def test_running_out_of_time_is_an_error_never_a_pass():
    async def go():
        server, port = await _serve(responders.silent)
        params = {"modbus_ports": (port,), "echonet_ports": (closed_port(),)}
        try:
            return await attempt(SectorProtocolsCheck(), params, device_timeout_s=5.0, budget_s=0.3)
        finally:
            server.close()

    result = asyncio.run(go())
    assert result.status == "error" and "0.3 s" in result.reason
    assert verdict_of("der-pcs", (result,), "S1.1-13").verdict == "INCONCLUSIVE"


# --- the plan: named by the product type's sector profile ----------------------------------


def _checks_of(product_type: str, requirement: str) -> tuple[str, ...]:
    plan = build_plan(load_catalog(), profile_of_type(product_type))
    return next(p.checks for p in plan.requirements if p.requirement == requirement)


@pytest.mark.parametrize("product_type", POWER_TYPES)
def test_every_power_product_type_runs_the_sector_check_for_s1_1_13(product_type):
    assert "network.sector_protocols" in _checks_of(product_type, "S1.1-13")


def test_other_product_types_run_neither_power_check():
    plan = build_plan(load_catalog(), profile_of_type("ERAB gateway"))  # free text, not an id
    assert not {"network.sector_protocols", "network.openadr_client_cert"} & set(plan.check_ids)


def test_only_the_erab_types_ask_about_openadr():
    assert "network.openadr_client_cert" in _checks_of("erab-gateway", "S1.1-01")
    assert "network.openadr_client_cert" not in _checks_of("der-pcs", "S1.1-01")


# --- frames --------------------------------------------------------------------------------


def test_the_echonet_get_is_the_spec_frame():
    frame = echonet.get_request(0x1234)
    assert frame == bytes.fromhex("1081123405ff010ef00162028a00d600")


def _node_answer(tid: int, esv: int = echonet.GET_RES) -> bytes:
    return (
        b"\x10\x81" + struct.pack(">H", tid) + bytes.fromhex("0ef001" "05ff01")
        + bytes([esv, 2, 0x8A, 3]) + bytes.fromhex("ffffff") + bytes([0xD6, 4])
        + bytes.fromhex("01026b01")
    )  # fmt: skip


def test_an_echonet_answer_counts_only_with_our_tid_from_the_node_profile():
    assert echonet.answer_to(_node_answer(7), 7) is not None
    assert echonet.answer_to(_node_answer(8), 7) is None  # another TID
    assert echonet.answer_to(_node_answer(7, esv=0x73), 7) is None  # an INF, not an answer
    assert echonet.answer_to(_node_answer(7)[:-1], 7) is None  # cut short
    other_source = _node_answer(7).replace(bytes.fromhex("0ef001"), bytes.fromhex("026b01"), 1)
    assert echonet.answer_to(other_source, 7) is None
    described = echonet.describe(echonet.answer_to(_node_answer(7), 7))
    assert "maker code 0xFFFFFF" in described and "1 device object(s): 0x026B01" in described


def test_a_dnp3_reply_counts_only_with_its_crc_and_addressed_to_us():
    request = industrial.dnp3_link_status_request()
    assert request[:8] == bytes.fromhex("056405c901000300")
    reply = responders.dnp3_answer(request)
    assert industrial.dnp3_link_reply(reply) == "LINK_STATUS"
    assert industrial.dnp3_link_reply(reply[:8] + b"\x00\x00") is None  # bad CRC
    assert industrial.dnp3_link_reply(reply, master=4) is None  # for another master
    assert industrial.dnp3_link_reply(request, master=1) is None  # a primary frame


def test_iec104_frames_are_read_whole():
    con = b"\x68\x04\x0b\x00\x00\x00"
    i_frame = b"\x68\x0e\x00\x00\x00\x00" + bytes(10)
    assert industrial.iec104_u_frames(i_frame + con) == [0x0B]
    assert industrial.iec104_u_frames(con[:4]) == []  # the rest has not arrived yet
    assert industrial.iec104_u_frames(b"HTTP/1.1 400") is None


# --- the lab device: jcstar probe inside its namespace -------------------------------------

POWER_PROFILE = """\
vendor: Lab
product: ERAB gateway
model_numbers: [ERAB-GW-LAB]
product_type: {product_type}
firmware_version: "1.0"
"""
NEEDED = """\
needed_ports:
  - {port: 502, reason: "Modbus/TCP to the PCS on the site network"}
  - {port: 20000, reason: "DNP3 to the utility's SCADA"}
  - {port: 2404, reason: "IEC 104 to the aggregator's control centre"}
  - {port: 3610, protocol: tcp, reason: "ECHONET Lite to the home's appliances"}
  - {port: 3610, protocol: udp, reason: "ECHONET Lite to the home's appliances"}
"""


def _sector_evidence(verdict: dict) -> list[dict]:
    return [e for e in verdict["evidence"] if e.get("check") == "network.sector_protocols"]


def test_probe_of_the_lab_power_gateway_reports_each_protocol(lab_device, tmp_path):
    device = lab_device("power-gateway")
    _, verdicts = probe_in(device, tmp_path, POWER_PROFILE.format(product_type="erab-gateway"))
    found = _sector_evidence(verdicts["S1.1-13"])
    assert verdicts["S1.1-13"]["verdict"] == "NOT_MET"
    assert {e["outcome"] for e in found} == {"fail"}
    summaries = " | ".join(e["summary"] for e in found)
    for shown in ("502/tcp Modbus/TCP", "20000/tcp DNP3", "2404/tcp IEC 60870-5-104",
                  "3610/tcp ECHONET Lite", "3610/udp ECHONET Lite"):  # fmt: skip
        assert shown in summaries


def test_probe_with_the_ports_declared_needed_finds_no_sector_failure(lab_device, tmp_path):
    device = lab_device("power-gateway")
    text = POWER_PROFILE.format(product_type="erab-gateway") + NEEDED
    _, verdicts = probe_in(device, tmp_path, text)
    found = _sector_evidence(verdicts["S1.1-13"])
    assert len(found) == 5 and {e["outcome"] for e in found} == {"info"}


def test_probe_of_another_product_type_runs_no_sector_check(lab_device, tmp_path):
    device = lab_device("power-gateway")
    _, verdicts = probe_in(device, tmp_path, POWER_PROFILE.format(product_type="home router"))
    checks = {e.get("check") for v in verdicts.values() for e in v["evidence"]}
    assert not {"network.sector_protocols", "network.openadr_client_cert"} & checks


# --- the catalog lint keeps sector checks sector-only --------------------------------------


def _with_binding(sector_only: bool):
    catalog = load_catalog()
    schemes = []
    for scheme in catalog.schemes:
        reqs = []
        for req in scheme.requirements:
            checks = tuple(
                b.model_copy(update={"sector_only": sector_only})
                if b.check == "network.sector_protocols"
                else b
                for b in req.checks
            )
            reqs.append(req.model_copy(update={"checks": checks}))
        schemes.append(scheme.model_copy(update={"requirements": tuple(reqs)}))
    return catalog.model_copy(update={"schemes": tuple(schemes)})


def test_the_shipped_sector_profile_lints_clean():
    assert not [p for p in lint(load_catalog()) if "sector" in str(p)]


def test_a_sector_check_bound_for_every_product_is_a_lint_error():
    problems = [str(p) for p in lint(_with_binding(sector_only=False))]
    assert any(
        "network.sector_protocols is bound to no requirement with sector_only" in p
        for p in problems
    )
    assert any("every product runs it" in p for p in problems)


def test_a_sector_only_binding_no_sector_adds_is_a_lint_error():
    catalog = load_catalog()
    no_sectors = catalog.model_copy(update={"sectors": ()})
    problems = [str(p) for p in lint(no_sectors)]
    assert "schemes: network.sector_protocols: sector_only, but no sector adds it" in problems
