"""Lab devices with one kind of service each (see README.md here), for service
identification: services that wait for the client to speak, TFTP's reply from a new port,
and SSH hardened to public keys only.

* ``mqtt-only``: mosquitto on 1883, anonymous clients allowed, nothing else.
* ``modbus-only``: a pymodbus Modbus/TCP server on 502 (holding registers 0.. = 1234, 42,
  7, ...; device identification vendor ``Lab``, model ``PLC-LAB``), nothing else.
* ``tftp``: tftpd-hpa on UDP 69 (the namespace's 0.0.0.0, i.e. its lo) serving
  ``config.txt`` (a device configuration with an admin password) from its own directory; no
  TCP service at all.
* ``ssh-pubkey``: dropbear on 22 with password logins off (``-s``), root login off, user
  ``admin`` with one authorised Ed25519 key (the private key is ``dev.credentials["ssh-key"]``).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

from tests.lab.device import (
    HOST,
    PACKAGE_OF,
    Daemon,
    LabUnavailable,
    Profile,
    _chrooted,
    _dropbear_rootfs,
    _password,
    _sh,
    _tool,
    _unpack_busybox,
    _write,
    register_profile,
)

PACKAGE_OF.setdefault("in.tftpd", "tftpd-hpa")

#: the registers the Modbus device serves from address 0 (pymodbus 3.16 blocks start at 1)
MODBUS_REGISTERS = [1234, 42, 7]


def _build_mqtt_only(root: Path) -> dict[str, Any]:
    conf = _write(root / "mosquitto/mosquitto.conf",
                  f"user root\npersistence false\nlog_dest stderr\n"
                  f"listener 1883 {HOST}\nallow_anonymous true\n")  # fmt: skip
    return {
        "daemons": [Daemon("mosquitto", [_tool("mosquitto"), "-c", str(conf)], [1883])],
        "services": {"mqtt": 1883},
        "credentials": {},
        "accounts": {"mqtt": []},  # anonymous
        "nft_file": None,
    }


MODBUS_SERVER = '''\
"""A Modbus/TCP device for the jcstar lab: pymodbus, no authentication (as the protocol)."""
import asyncio
import sys

from pymodbus.datastore import (
    ModbusDeviceContext, ModbusSequentialDataBlock, ModbusServerContext,
)
from pymodbus.pdu.device import ModbusDeviceIdentification
from pymodbus.server import StartAsyncTcpServer

host, port = sys.argv[1], int(sys.argv[2])
registers = [int(v) for v in sys.argv[3].split(",")]
block = ModbusSequentialDataBlock(1, registers + [0] * (100 - len(registers)))
device = ModbusDeviceContext(hr=block, ir=ModbusSequentialDataBlock(1, [0] * 100))
context = ModbusServerContext(devices=device, single=True)
identity = ModbusDeviceIdentification(
    info_name={"VendorName": "Lab", "ProductCode": "PLC-LAB", "ModelName": "PLC-LAB"}
)
asyncio.run(StartAsyncTcpServer(context=context, identity=identity, address=(host, port)))
'''


def _build_modbus_only(root: Path) -> dict[str, Any]:
    if importlib.util.find_spec("pymodbus") is None:
        raise LabUnavailable("pymodbus not installed: pip install -e '.[test]'")
    script = _write(root / "modbus/server.py", MODBUS_SERVER)
    registers = ",".join(str(v) for v in MODBUS_REGISTERS)
    # the interpreter running the tests has pymodbus (the project's test extras)
    argv = [sys.executable, str(script), HOST, "502", registers]
    return {
        "daemons": [Daemon("modbus", argv, [502])],
        "services": {"modbus": 502},
        "credentials": {},
        "accounts": {"modbus": []},  # the protocol has no authentication
        "nft_file": None,
    }


TFTP_CONFIG = "# IPCAM-LAB configuration\nadmin_user=admin\nadmin_password={password}\n"


def _build_tftp(root: Path) -> dict[str, Any]:
    served = root / "tftp"
    served.mkdir(parents=True, exist_ok=True)
    _write(served / "config.txt", TFTP_CONFIG.format(password=_password()))
    # -L foreground, -s chroot into the served directory, -u root (as mosquitto: the lab's
    # files are root's). tftpd-hpa resolves --address with AI_ADDRCONFIG, which finds no IPv4
    # address in a namespace that has only lo, and exits (66): so it binds the namespace's
    # 0.0.0.0:69, which in a namespace with only lo is its 127.0.0.1 and nothing else.
    argv = [_tool("in.tftpd"), "-L", "-4", "-s", "-u", "root", "--address", ":69", str(served)]
    return {
        # UDP: no TCP port to wait for; the test waits for the first answer
        "daemons": [Daemon("tftpd", argv, [])],
        "services": {"tftp": 69},
        "credentials": {},
        "accounts": {"tftp": []},
        "nft_file": None,
    }


def _build_ssh_pubkey(root: Path) -> dict[str, Any]:
    sfs = root / "rootfs-dropbear"
    keys = _dropbear_rootfs(sfs, _unpack_busybox(root), "SENSOR-LAB",
                            [("admin", 1000, "*")],  # no password at all
                            [("dropbear_ed25519_host_key", ["-t", "ed25519"]),
                             ("dropbear_rsa_host_key", ["-t", "rsa", "-s", "3072"])])  # fmt: skip
    client_key = root / "client/id_ed25519"
    client_key.parent.mkdir(parents=True, exist_ok=True)
    _sh([_tool("dropbearkey"), "-t", "ed25519", "-f", str(client_key)])
    public = next(
        line
        for line in _sh([_tool("dropbearkey"), "-y", "-f", str(client_key)]).stdout.splitlines()
        if line.startswith("ssh-ed25519 ")
    )
    ssh_dir = sfs / "home/admin/.ssh"
    ssh_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write(ssh_dir / "authorized_keys", public + "\n", 0o600)
    for path in (ssh_dir, ssh_dir / "authorized_keys"):
        os.chown(path, 1000, 1000)
    # -s no password logins, -w no root login, -j/-k no port forwarding
    dropbear = _chrooted("dropbear", sfs, "SENSOR-LAB",
                         ["/usr/sbin/dropbear", "-F", "-E", "-P", "/var/run/dropbear.pid",
                          "-p", f"{HOST}:22", "-s", "-w", "-j", "-k", *keys], [22])  # fmt: skip
    return {
        "daemons": [dropbear],
        "services": {"ssh": 22},
        "credentials": {"ssh-key": ("admin", str(client_key))},
        "accounts": {"ssh": [("admin", "(public key only)")]},
        "nft_file": None,
    }


register_profile("mqtt-only", Profile(_build_mqtt_only, ("ip", "mosquitto"), busybox=False,
                                      lighttpd_tls=False))  # fmt: skip
register_profile("modbus-only", Profile(_build_modbus_only, ("ip",), busybox=False,
                                        lighttpd_tls=False))  # fmt: skip
register_profile("tftp", Profile(_build_tftp, ("ip", "in.tftpd"), busybox=False,
                                 lighttpd_tls=False))  # fmt: skip
register_profile("ssh-pubkey", Profile(_build_ssh_pubkey, (
    "ip", "unshare", "chroot", "dpkg-deb", "ldd", "dropbear", "dropbearkey"),
    lighttpd_tls=False))  # fmt: skip
