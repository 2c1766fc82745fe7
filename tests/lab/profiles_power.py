"""A power-sector lab device (see README.md here): ``power-gateway``, an ERAB gateway that
exposes its control protocols to anyone on the network.

* Modbus/TCP 502: the real pymodbus server of ``modbus-only`` (holding registers 1234, 42, 7).
* ECHONET Lite UDP and TCP 3610, DNP3 outstation 1 on 20000, IEC 60870-5-104 on 2404: the
  responders of ``power_responders.py`` (written from the specifications: no packaged
  implementation we can use, see there).
* OpenADR-like HTTPS: 443 without client certificates (an OpenADR 2.0b path answers 405),
  8443 with mutual TLS required (no client holds a certificate of its CA).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from tests.lab import power_responders
from tests.lab.device import HOST, Daemon, LabUnavailable, Profile, _cert, _write, register_profile
from tests.lab.profiles_services import MODBUS_REGISTERS, MODBUS_SERVER

PORTS = {"modbus": 502, "echonet-lite": 3610, "dnp3": 20000, "iec-104": 2404,
         "openadr-https": 443, "openadr-mtls": 8443}  # fmt: skip


def _build_power_gateway(root: Path) -> dict[str, Any]:
    if importlib.util.find_spec("pymodbus") is None:
        raise LabUnavailable("pymodbus not installed: pip install -e '.[test]'")
    modbus = _write(root / "modbus/server.py", MODBUS_SERVER)
    registers = ",".join(str(v) for v in MODBUS_REGISTERS)
    pem = _cert(root, 2048, "sha256", "/CN=ERAB-GW-LAB", 2, san=True)
    crt, key = root / "tls/server.crt", root / "tls/server.key"
    responders = [
        sys.executable, str(Path(power_responders.__file__)), HOST,
        "echonet:3610", "dnp3:20000", "iec104:2404",
        f"https:443:{crt}:{key}", f"mtls:8443:{crt}:{key}:{pem}",
    ]  # fmt: skip
    return {
        "daemons": [
            Daemon("modbus", [sys.executable, str(modbus), HOST, "502", registers], [502]),
            Daemon("power", responders, [3610, 20000, 2404, 443, 8443]),
        ],
        "services": dict(PORTS),
        "credentials": {},
        "accounts": {name: [] for name in PORTS},  # none of them authenticates a client
        "nft_file": None,
    }


register_profile("power-gateway", Profile(_build_power_gateway, ("ip", "openssl"), busybox=False,
                                          lighttpd_tls=False))  # fmt: skip
