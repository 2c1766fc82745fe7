"""network.sector_protocols asks more than one address: a DNP3 outstation answers only its own
address (and often only its configured master), a Modbus/TCP server only its unit id. Each
test starts its stations on 127.0.0.1 and stops them; the report must show the station found
at its real address, or say it cannot judge (with its kind), never "no DNP3" / "no Modbus"."""

from __future__ import annotations

import asyncio
import struct

import pytest

from jcstar.checks.network.sector_protocols import SectorProtocolsCheck, SectorProtocolsParams
from jcstar.checks.params import ParamsError
from tests.checks.network.industrial_fakes import (
    Handler,
    Station,
    hangs_up,
    modbus_server,
    never_answers,
    outstation,
)
from tests.checks.network.sector_helpers import HOST, attempt, closed_port, verdict_of


def _run(
    handler: Handler, protocol: str, extra: dict[str, object] | None = None, timeout_s: float = 1.0
):
    """The attempt of the check against ``handler`` serving ``protocol`` on a loopback port
    (every other protocol asked at a closed port)."""

    async def go():
        server = await asyncio.start_server(handler, HOST, 0)
        port = server.sockets[0].getsockname()[1]
        params: dict[str, object] = {
            "modbus_ports": (closed_port(),),
            "dnp3_ports": (closed_port(),),
            "iec104_ports": (closed_port(),),
            "echonet_ports": (closed_port(),),
            f"{protocol}_ports": (port,),
            **(extra or {}),
        }
        try:
            return await attempt(SectorProtocolsCheck(), params, device_timeout_s=timeout_s)
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(go())


def _found(result, protocol: str):
    assert result.status == "completed", result.stated_reason
    return [o for o in result.observations if o.details.get("protocol") == protocol]


# --- DNP3 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "masters", "shown"),
    [
        (10, {1}, "outstation 10 to master 1"),  # a stack's usual default pair
        (1024, None, "outstation 1024 to master 3"),
        (65519, {100}, "outstation 65519 to master 100"),
        (4, {3}, "outstation 4 to master 3"),
    ],
    ids=["addr10-master1", "addr1024", "addr65519-master100", "addr4-master3"],
)
def test_a_dnp3_outstation_not_at_address_1_is_found_and_fails_s1_1_13(address, masters, shown):
    station = Station()
    result = _run(outstation(address, masters, station), "dnp3")
    (obs,) = _found(result, "dnp3")
    assert obs.outcome == "fail"
    assert shown in obs.message and "LINK_STATUS" in obs.message
    assert verdict_of("der-pcs", (result,), "S1.1-13").verdict == "NOT_MET"


def test_an_outstation_answering_only_its_self_address_is_found():
    station = Station()
    result = _run(outstation(3000, {3}, station, self_address=True), "dnp3")
    (obs,) = _found(result, "dnp3")
    assert obs.outcome == "fail" and "outstation 3000 to master 3" in obs.message


def test_the_address_a_sector_profile_names_is_asked():
    station = Station()
    named = {"dnp3_outstations": (3000,), "dnp3_masters": (7,)}
    result = _run(outstation(3000, {7}, station), "dnp3", named)
    (obs,) = _found(result, "dnp3")
    assert "outstation 3000 to master 7" in obs.message
    # only the named pair was asked
    assert [struct.unpack("<HH", f[4:8]) for f in station.frames] == [(3000, 7)]


def test_dnp3_is_asked_only_link_status_at_a_bounded_set_of_addresses():
    station = Station()
    result = _run(outstation(40000, None, station), "dnp3", timeout_s=0.5)
    assert result.status == "error"  # not at any address we know: cannot judge
    assert station.frames, "the outstation was asked"
    assert len(station.frames) <= 16 * 4
    for frame in station.frames:
        assert frame[2] == 5 and frame[3] & 0x0F == 9  # header only, REQUEST_LINK_STATUS
        destination = struct.unpack("<H", frame[4:6])[0]
        assert destination < 0xFFFD  # never a broadcast


def test_an_outstation_that_answers_none_of_our_addresses_is_inconclusive_not_absent():
    station = Station()
    result = _run(outstation(40000, None, station), "dnp3", timeout_s=0.5)
    assert result.status == "error" and result.kind == "timed_out"
    assert "DNP3" in result.reason and "did not answer" in result.reason
    assert "no power-sector control protocol answers" not in result.reason
    assert verdict_of("der-pcs", (result,), "S1.1-13").verdict == "INCONCLUSIVE"


def test_a_station_that_hangs_up_without_a_word_is_refused_and_inconclusive():
    result = _run(hangs_up, "dnp3")
    assert result.status == "error" and result.kind == "refused"
    assert "closed the connection without answering" in result.reason
    assert verdict_of("der-pcs", (result,), "S1.1-13").verdict == "INCONCLUSIVE"


def test_a_silent_port_beside_an_exposed_one_still_fails_and_shows_the_silent_one():
    async def go():
        modbus = await asyncio.start_server(modbus_server({1}, Station()), HOST, 0)
        silent = await asyncio.start_server(never_answers, HOST, 0)
        params = {
            "modbus_ports": (modbus.sockets[0].getsockname()[1],),
            "dnp3_ports": (silent.sockets[0].getsockname()[1],),
            "iec104_ports": (closed_port(),),
            "echonet_ports": (closed_port(),),
        }
        try:
            return await attempt(SectorProtocolsCheck(), params, device_timeout_s=0.5)
        finally:
            for server in (modbus, silent):
                server.close()
                await server.wait_closed()

    result = asyncio.run(go())
    outcomes = {o.details["protocol"]: o for o in result.observations}
    assert outcomes["modbus"].outcome == "fail"
    assert outcomes["dnp3"].outcome == "inconclusive"
    assert outcomes["dnp3"].details["kind"] == "timed_out"
    assert verdict_of("der-pcs", (result,), "S1.1-13").verdict == "NOT_MET"


# --- Modbus/TCP unit ids ------------------------------------------------------------------------


@pytest.mark.parametrize("unit", [255, 0, 1], ids=["unit255", "unit0", "unit1"])
def test_a_modbus_server_answering_one_unit_id_is_found(unit):
    station = Station()
    result = _run(modbus_server({unit}, station), "modbus")
    (obs,) = _found(result, "modbus")
    assert obs.outcome == "fail"
    assert f"holding register 0 of unit {unit} (value 4321)" in obs.message
    assert {frame[7] for frame in station.frames} == {3}  # reads only, never a write


def test_a_modbus_unit_named_by_the_sector_profile_is_asked():
    station = Station()
    result = _run(modbus_server({17}, station), "modbus", {"modbus_units": (17,)})
    (obs,) = _found(result, "modbus")
    assert "of unit 17" in obs.message


def test_a_modbus_server_of_another_unit_is_inconclusive_with_its_kind():
    station = Station()
    result = _run(modbus_server({42}, station), "modbus", timeout_s=0.5)
    assert result.status == "error" and result.kind == "timed_out"
    assert "Modbus read of unit 1, 255, 0" in result.reason


def test_a_modbus_gateway_hanging_up_on_an_unknown_unit_is_refused_not_absent():
    result = _run(modbus_server({42}, Station(), hang_up=True), "modbus")
    assert result.status == "error" and result.kind == "refused"


# --- parameters ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"dnp3_outstations": [0xFFFF]}, "dnp3_outstations"),  # broadcast: never asked
        ({"dnp3_outstations": list(range(17))}, "dnp3_outstations"),  # more than 16
        ({"dnp3_masters": []}, "dnp3_masters"),
        ({"modbus_units": [256]}, "modbus_units"),
    ],
    ids=["broadcast", "too-many", "no-master", "unit-256"],
)
def test_address_parameters_out_of_bounds_are_refused_naming_them(values, named):
    with pytest.raises(ParamsError, match=named):
        SectorProtocolsParams.parse(values)
