"""network.services names what listens on a port by asking it in its own protocol; a DNP3
outstation answers only its own address, a Modbus/TCP server only its unit ids. The scan
asks the same addresses as network.sector_protocols (``industrial_frames.py``), so a station
at outstation 10, or a gateway that answers only unit 255 or 0, is named and flagged (S1.1-13),
and the Modbus "login" reads it; a station that answers none of them stays "unknown" with
the reason, never a guess. Each test starts its stations on 127.0.112.x and stops them."""

from __future__ import annotations

import asyncio
import struct

import pytest

from jcstar.assessment.runner import run_check
from jcstar.checks.base import CheckAttempt, CheckInput, Observation
from jcstar.checks.network.collect.device import DeviceParams, DeviceTarget
from jcstar.checks.network.collect.industrial_frames import dnp3_pairs
from jcstar.checks.network.collect.logins.modbus import ModbusSurface
from jcstar.checks.network.services import ExposedServicesCheck
from jcstar.checks.product import ProductContext
from tests.checks.network.industrial_fakes import Handler, Station, modbus_server, outstation
from tests.sim import SimDevice, http

MODBUS, DNP3, WEB = 502, 20000, 80
#: a short wait per request: a port that answers nothing is asked every protocol in turn
TIMEOUT_S = 0.4


def services_check(host: str, handlers: dict[int, Handler]) -> CheckAttempt:
    """network.services run against a simulated device serving ``handlers`` on ``host``."""
    with SimDevice(host, handlers) as device:
        ports = ",".join(str(p) for p in sorted(handlers))
        given = CheckInput(
            device=DeviceTarget(
                DeviceParams(address=device.host, ports=ports, timeout_s=TIMEOUT_S)
            ),
            product=ProductContext(),
        )
        return asyncio.run(run_check(ExposedServicesCheck(), given, None, {}))


def risky(result: CheckAttempt) -> Observation:
    assert result.status == "completed", result.stated_reason
    return next(o for o in result.observations if o.topic == "risky_interfaces")


def named(observation: Observation, port: int) -> dict[str, object]:
    """The service the scan found on ``port`` (name and detail)."""
    return next(s for s in observation.details["open"] if s["port"] == port)


# --- a station at another address is named -----------------------------------------------


@pytest.mark.parametrize(
    ("address", "masters", "shown"),
    [(10, None, "outstation 10 to master 3"), (10, {1}, "outstation 10 to master 1")],
    ids=["outstation10", "outstation10-master1"],
)
def test_a_dnp3_outstation_at_address_10_is_named_dnp3_and_flagged(address, masters, shown):
    station = Station()
    result = services_check("127.0.112.1", {DNP3: outstation(address, masters, station)})
    observation = risky(result)
    service = named(observation, DNP3)
    assert service["service"] == "dnp3"
    assert shown in str(service["detail"]) and "LINK_STATUS" in str(service["detail"])
    assert observation.outcome == "fail"
    assert "20000/tcp dnp3: DNP3 without Secure Authentication" in observation.message
    assert not observation.details["unidentified"]


@pytest.mark.parametrize("unit", [255, 0], ids=["unit255", "unit0"])
def test_a_modbus_server_answering_only_unit_255_or_0_is_named_modbus_and_flagged(unit):
    station = Station()
    result = services_check("127.0.112.2", {MODBUS: modbus_server({unit}, station)})
    observation = risky(result)
    service = named(observation, MODBUS)
    assert service["service"] == "modbus"
    assert f"holding register 0 of unit {unit}" in str(service["detail"])
    assert observation.outcome == "fail"
    assert "502/tcp modbus: Modbus/TCP has no authentication" in observation.message
    assert {frame[7] for frame in station.frames} == {3}  # reads only, never a write


# --- a station that answers none of our addresses is not identified -----------------------


def test_stations_answering_no_address_asked_stay_unidentified_with_the_reason():
    dnp3, modbus = Station(), Station()
    handlers = {
        DNP3: outstation(40000, None, dnp3),
        MODBUS: modbus_server({42}, modbus),
        WEB: http(),  # an identified service beside them: the scan itself completes
    }
    observation = risky(services_check("127.0.112.3", handlers))
    assert named(observation, WEB)["service"] == "http"
    for port in (DNP3, MODBUS):
        service = named(observation, port)
        assert service["service"] == "unknown", service
        assert "accepts connections but answers nothing (asked: " in str(service["detail"])
    # cannot judge S1.1-13 from a port we could not identify: neither a pass nor a failure
    assert observation.outcome == "inconclusive"
    assert "could not identify 502/tcp: accepts connections but answers nothing" in (
        observation.message
    )
    assert "20000/tcp: accepts connections but answers nothing" in observation.message
    for guess in ("502/tcp modbus", "20000/tcp dnp3", "high-risk service(s) answer"):
        assert guess not in observation.message  # never named after its port number
    # asked, read-only: DNP3 link status headers to a bounded set of non-broadcast addresses
    link_requests = [f for f in dnp3.frames if f[:2] == b"\x05\x64"]
    assert link_requests and len(link_requests) <= len(dnp3_pairs())
    for frame in link_requests:
        assert frame[2] == 5 and frame[3] & 0x0F == 9
        assert struct.unpack("<H", frame[4:6])[0] < 0xFFFD
    reads = [f for f in modbus.frames if f[2:6] == b"\x00\x00\x00\x06"]
    assert {f[6] for f in reads} == {1, 255, 0}
    assert {f[7] for f in reads} == {3}


def test_a_device_whose_only_stations_answer_no_address_cannot_be_judged_saying_why():
    handlers = {DNP3: outstation(40000, None, Station()), MODBUS: modbus_server({42}, Station())}
    result = services_check("127.0.112.5", handlers)
    assert result.status == "error" and result.kind == "timed_out"
    assert "accepts connections on 502/tcp, 20000/tcp but answers nothing" in result.reason
    assert "modbus, " in result.reason and "dnp3, " in result.reason  # what it was asked


# --- the Modbus "login" reads the unit that answers ----------------------------------------


def open_modbus(handler: Handler, timeout_s: float = 1.0):
    """ModbusSurface.open_without_credentials against ``handler`` on a loopback port."""

    async def go():
        server = await asyncio.start_server(handler, "127.0.112.4", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            return await ModbusSurface().open_without_credentials("127.0.112.4", port, timeout_s)
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(go())


@pytest.mark.parametrize("unit", [255, 0, 1], ids=["unit255", "unit0", "unit1"])
def test_the_modbus_login_reads_the_one_unit_that_answers(unit):
    station = Station()
    result = open_modbus(modbus_server({unit}, station))
    assert result.outcome == "accepted", result
    assert f"read holding register 0 of unit {unit} without any authentication" in result.detail
    assert "(value 4321)" in result.detail
    assert {frame[7] for frame in station.frames} == {3}


def test_the_modbus_login_asks_again_after_a_gateway_hangs_up_on_an_unknown_unit():
    station = Station()
    result = open_modbus(modbus_server({0}, station, hang_up=True))
    assert result.outcome == "accepted", result
    assert "of unit 0 without any authentication" in result.detail
    # one read per connection: 1 hung up on, then 255 hung up on, then 0 read
    assert [frame[6] for frame in station.frames] == [1, 255, 0]


def test_the_modbus_login_reads_unit_255_after_unit_1_fails_and_stops_there():
    # a server that answers an unknown unit with an exception (pymodbus: 4, device failure)
    station = Station()
    result = open_modbus(modbus_server({255}, station, exceptions={1: 4}))
    assert result.outcome == "accepted", result
    assert "of unit 255 without any authentication (value 4321)" in result.detail
    assert [frame[6] for frame in station.frames] == [1, 255]  # unit 0 not asked


def test_a_gateway_refusing_unit_1_and_silent_on_the_others_is_refused_naming_each():
    result = open_modbus(modbus_server(set(), Station(), exceptions={1: 11}), timeout_s=0.75)
    assert result.outcome == "error"
    assert result.detail == (
        "Modbus/TCP refused the read: unit 1: exception 11 (gateway target did not respond); "
        "unit 255: no answer in 0.2 s; unit 0: no answer in 0.2 s"
    )


def test_a_modbus_server_of_another_unit_is_an_error_not_an_open_service():
    result = open_modbus(modbus_server({42}, Station()), timeout_s=0.75)
    assert result.outcome == "error"
    assert result.detail == ("timed out: no answer to a Modbus read of unit 1, 255, 0 (0.2 s each)")


def test_a_modbus_server_hanging_up_on_every_unit_is_an_error_saying_so():
    result = open_modbus(modbus_server({42}, Station(), hang_up=True))
    assert result.outcome == "error"
    assert result.detail == (
        "the device closed the connection without answering a Modbus read of unit 1, 255, 0"
    )
