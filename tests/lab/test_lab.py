"""The device lab is what it claims to be: checked with standard tools run inside each device's
network namespace (openssl s_client, curl, dbclient, ssh-keyscan, mosquitto_sub, ss and
python's socket module), never with the jcstar probes that the lab exists to test.

The session fixtures come from tests/lab/fixtures.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.lab import device as labdevice
from tests.lab.device import LabDevice, LabUnavailable
from tests.lab.fixtures import require_lab

pytestmark = [pytest.mark.network, pytest.mark.external]

# The fixtures also work when tests/conftest.py does not import them (yet).
pytest_plugins = ("tests.lab.fixtures",)

PY = sys.executable
ROOT = Path(__file__).resolve().parents[2]

# connect COUNT times from inside the namespace: ["SSH-2.0-...", "open", "refused", ...]
CONNECT = r"""
import json, socket, sys
port, count, wait, source = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
until = sys.argv[5].encode()
out = []
for _ in range(count):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=3, source_address=(source, 0))
    except ConnectionRefusedError:
        out.append("refused")
        continue
    except OSError as exc:
        out.append(type(exc).__name__)
        continue
    s.settimeout(wait)
    data = b""
    try:
        while not data or until not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except TimeoutError:
        pass
    finally:
        s.close()
    out.append(data.decode("latin-1") or "open")
print(json.dumps(out))
"""

# log in over telnet with a raw socket and run `id` (busybox telnetd + busybox login)
TELNET_LOGIN = r"""
import socket, sys, time
user, password = sys.argv[1], sys.argv[2]
s = socket.create_connection(("127.0.0.1", 23), timeout=5)
def until(tokens, limit=8.0):
    buf, end = b"", time.monotonic() + limit
    while time.monotonic() < end and not any(t in buf for t in tokens):
        s.settimeout(max(0.05, end - time.monotonic()))
        try:
            data = s.recv(4096)
        except TimeoutError:
            break
        if not data:
            break
        buf += data
    return buf
out = until([b"login: "])
s.sendall(user.encode() + b"\r\n")
out += until([b"assword: "])
s.sendall(password.encode() + b"\r\n")
out += until([b"# ", b"$ ", b"incorrect"])
if b"incorrect" not in out:
    s.sendall(b"id\r\n")
    out += until([b"uid="]) + until([b"# ", b"$ "], 2.0)
print(out.decode("latin-1"))
"""

# a session that stays logged in (for the teardown test): telnet login, then wait
TELNET_HOLD = TELNET_LOGIN.replace(
    'print(out.decode("latin-1"))', "print(out[-40:]); time.sleep(60)"
)


def connect(
    dev: LabDevice,
    port: int,
    count: int = 1,
    wait: float = 2.0,
    source: str = "127.0.0.1",
    until: str = "",
) -> list[str]:
    """Open ``count`` TCP connections one after the other; read what the server sends first
    (up to the text ``until``, each read waiting at most ``wait`` seconds), "open" when it
    sends nothing, "refused" when the connection is refused."""
    args = [str(port), str(count), str(wait), source, until]
    r = dev.run([PY, "-c", CONNECT, *args], timeout=10 + (3 + wait) * count)
    assert r.returncode == 0, r.stderr
    return list(json.loads(r.stdout))


def listening(dev: LabDevice) -> dict[int, str]:
    """port -> local address of every listening TCP socket in the namespace."""
    r = dev.run(["ss", "-ltnH"], timeout=10)
    assert r.returncode == 0, r.stderr
    found = {}
    for line in r.stdout.splitlines():
        addr, port = line.split()[3].rsplit(":", 1)
        found[int(port)] = addr
    return found


def telnet_login(dev: LabDevice, user: str, password: str) -> str:
    r = dev.run([PY, "-c", TELNET_LOGIN, user, password], timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout


def ssh_id(
    dev: LabDevice, user: str, password: str, command: str = "id"
) -> subprocess.CompletedProcess[str]:
    """dbclient (dropbear's client) takes the password from DROPBEAR_PASSWORD; -y -y accepts
    the unknown host key without writing ~/.ssh/known_hosts."""
    env = {**os.environ, "DROPBEAR_PASSWORD": password}
    return dev.run(["dbclient", "-y", "-y", f"{user}@127.0.0.1", command], timeout=30, env=env)


def tls(dev: LabDevice, port: int, *flags: str) -> subprocess.CompletedProcess[str]:
    cmd = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", *flags]
    return dev.run(cmd, timeout=20)


def http_code(dev: LabDevice, url: str, *args: str) -> str:
    r = dev.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "10", *args, url])
    return r.stdout.strip()


def mqtt_version(dev: LabDevice, port: int, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), *args,
           "-t", "$SYS/broker/version", "-C", "1", "-W", "5"]  # fmt: skip
    return dev.run(cmd, timeout=20)


def cert_text(path: Path) -> str:
    return subprocess.run(
        ["openssl", "x509", "-noout", "-text", "-in", str(path)],
        capture_output=True, text=True, timeout=10, check=True,
    ).stdout  # fmt: skip


def served_cert(output: str) -> str:
    m = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", output, re.S)
    assert m, output
    return m.group(0)


@pytest.fixture
def hardened(hardened_device: LabDevice) -> LabDevice:
    """The hardened device with its per-source rate-limit meters emptied."""
    hardened_device.reset_rate_limits()
    return hardened_device


# ------------------------------------------------------------------------------------------
# vulnerable profile


def test_vulnerable_listens_on_standard_ports_only_in_its_namespace(
    vulnerable_device: LabDevice,
) -> None:
    dev = vulnerable_device
    assert dev.services == {"telnet": 23, "ssh": 22, "http": 80, "https": 443, "mqtt": 1883}
    assert listening(dev) == {port: "127.0.0.1" for port in dev.services.values()}
    assert dev.host == "127.0.0.1"
    assert dev.netns in dev.run(["ip", "netns", "identify"], timeout=10).stdout
    links = dev.run(["ip", "-o", "link"], timeout=10).stdout.strip().splitlines()
    assert len(links) == 1 and ": lo:" in links[0], links  # loopback only: no way out


def test_vulnerable_telnet_answers_with_a_login_prompt(vulnerable_device: LabDevice) -> None:
    (banner,) = connect(vulnerable_device, 23, until="login:")
    assert "IPCAM-LAB login:" in banner
    assert "\xff\xfd" in banner  # telnet option negotiation (IAC DO ...)


@pytest.mark.parametrize(
    ("user", "password", "uid"), [("root", "xc3511", "uid=0(root)"), ("admin", "admin", "uid=1000")]
)
def test_vulnerable_telnet_default_credentials_work(
    vulnerable_device: LabDevice, user: str, password: str, uid: str
) -> None:
    assert (user, password) in vulnerable_device.accounts["telnet"]
    assert uid in telnet_login(vulnerable_device, user, password)


def test_vulnerable_telnet_rejects_a_wrong_password(vulnerable_device: LabDevice) -> None:
    out = telnet_login(vulnerable_device, "root", "root")
    assert "Login incorrect" in out and "uid=" not in out


def test_vulnerable_root_hash_is_md5crypt(vulnerable_device: LabDevice) -> None:
    assert vulnerable_device.root
    shadow = (vulnerable_device.root / "rootfs-telnetd/etc/shadow").read_text()
    assert re.search(r"^root:\$1\$[^:$]+\$[^:]+:", shadow, re.M), shadow


@pytest.mark.parametrize(("user", "password"), [("admin", "admin"), ("support", "support")])
def test_vulnerable_ssh_weak_passwords_work(
    vulnerable_device: LabDevice, user: str, password: str
) -> None:
    r = ssh_id(vulnerable_device, user, password)
    assert r.returncode == 0, r.stderr
    assert f"({user})" in r.stdout


def test_vulnerable_ssh_sessions_are_confined_to_the_device_rootfs(
    vulnerable_device: LabDevice,
) -> None:
    r = ssh_id(
        vulnerable_device,
        "admin",
        "admin",
        "hostname; ls /dev; ls /; test -e /work && echo HOST; true",
    )
    assert r.returncode == 0, r.stderr
    lines = r.stdout.split()
    assert lines[0] == "IPCAM-LAB"
    assert "HOST" not in lines and "work" not in lines and "proc" not in lines
    assert {"null", "urandom", "pts", "ptmx"} <= set(lines)
    assert not any(name.startswith(("sd", "vd", "nvme", "mem", "kmsg")) for name in lines)


def test_vulnerable_ssh_rejects_a_wrong_password(vulnerable_device: LabDevice) -> None:
    r = ssh_id(vulnerable_device, "admin", "not-the-password")
    assert r.returncode != 0 and "uid=" not in r.stdout


def test_vulnerable_ssh_host_key_is_rsa_1024(vulnerable_device: LabDevice) -> None:
    r = vulnerable_device.run(
        ["sh", "-c", "ssh-keyscan -t rsa,ecdsa,ed25519 127.0.0.1 2>/dev/null | ssh-keygen -lf -"]
    )
    assert r.stdout.split()[0] == "1024" and r.stdout.strip().endswith("(RSA)"), r.stdout
    assert len(r.stdout.strip().splitlines()) == 1  # the only host key


def test_vulnerable_ssh_has_no_rate_limit(vulnerable_device: LabDevice) -> None:
    answers = connect(vulnerable_device, 22, 10)
    assert all(a.startswith("SSH-2.0-dropbear") for a in answers), answers


def test_vulnerable_http_basic_auth_in_plaintext(vulnerable_device: LabDevice) -> None:
    dev = vulnerable_device
    assert dev.credentials["http"] == ("admin", "admin")
    assert http_code(dev, "http://127.0.0.1/") == "401"
    assert http_code(dev, "http://127.0.0.1/", "-u", "wrong:guess") == "401"
    assert http_code(dev, "http://127.0.0.1/", "-u", "admin:admin") == "200"


def test_vulnerable_tls_1_0_with_rsa_1024_sha1_self_signed(vulnerable_device: LabDevice) -> None:
    dev = vulnerable_device
    r = tls(dev, 443, "-tls1", "-cipher", "DEFAULT:@SECLEVEL=0")
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"Protocol\s*:\s*TLSv1\s*$", r.stdout, re.M), r.stdout
    assert "Server public key is 1024 bit" in r.stdout
    assert dev.ca_file
    assert served_cert(r.stdout) in dev.ca_file.read_text()
    text = cert_text(dev.ca_file)
    assert "sha1WithRSAEncryption" in text and "(1024 bit)" in text
    assert "Verify return code: 18 (self-signed certificate)" in r.stdout
    assert http_code(dev, "https://127.0.0.1/", "-k", "-u", "admin:admin") == "200"


def test_vulnerable_mqtt_accepts_anonymous_clients(vulnerable_device: LabDevice) -> None:
    r = mqtt_version(vulnerable_device, 1883)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("mosquitto version")


def test_credentials_are_for_listed_services(
    vulnerable_device: LabDevice, hardened_device: LabDevice
) -> None:
    for dev in (vulnerable_device, hardened_device):
        assert set(dev.credentials) <= set(dev.services)
        for service, (user, password) in dev.credentials.items():
            assert (user, password) in dev.accounts[service]


# ------------------------------------------------------------------------------------------
# hardened profile


def test_hardened_listens_only_on_ssh_https_mqtts(hardened: LabDevice) -> None:
    assert hardened.services == {"ssh": 22, "https": 443, "mqtts": 8883}
    assert listening(hardened) == {22: "127.0.0.1", 443: "127.0.0.1", 8883: "127.0.0.1"}
    for port in (23, 80, 1883, 8080, 2323):
        assert connect(hardened, port) == ["refused"], port


def test_hardened_passwords_are_random(hardened: LabDevice) -> None:
    passwords = [pw for _, pw in hardened.credentials.values()]
    assert len(set(passwords)) == len(passwords)
    assert all(len(pw) == 20 and pw.isalnum() for pw in passwords)
    assert all(user == "admin" for user, _ in hardened.credentials.values())


@pytest.mark.parametrize("flag", ["-tls1", "-tls1_1"])
def test_hardened_refuses_tls_1_0_and_1_1(hardened: LabDevice, flag: str) -> None:
    r = tls(hardened, 443, flag, "-cipher", "DEFAULT:@SECLEVEL=0")
    assert r.returncode != 0
    assert "alert protocol version" in r.stdout + r.stderr  # refused by the server


def test_hardened_tls_1_2_with_rsa_2048_sha256(hardened: LabDevice) -> None:
    assert hardened.ca_file
    r = tls(hardened, 443, "-tls1_2", "-CAfile", str(hardened.ca_file), "-verify_ip", "127.0.0.1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"Protocol\s*:\s*TLSv1\.2\s*$", r.stdout, re.M)
    assert "Server public key is 2048 bit" in r.stdout
    assert "Verify return code: 0 (ok)" in r.stdout
    text = cert_text(hardened.ca_file)
    assert "sha256WithRSAEncryption" in text and "(2048 bit)" in text
    r13 = tls(hardened, 443, "-tls1_3")
    assert "New, TLSv1.3, Cipher is TLS_" in r13.stdout, r13.stdout


def test_hardened_https_basic_auth_and_security_txt(hardened: LabDevice) -> None:
    user, password = hardened.credentials["https"]
    ca = ["--cacert", str(hardened.ca_file)]
    assert http_code(hardened, "https://127.0.0.1/", *ca) == "401"
    assert http_code(hardened, "https://127.0.0.1/", *ca, "-u", "admin:admin") == "401"
    assert http_code(hardened, "https://127.0.0.1/", *ca, "-u", f"{user}:{password}") == "200"
    assert http_code(hardened, "https://127.0.0.1/.well-known/security.txt", *ca) == "200"
    assert http_code(hardened, "http://127.0.0.1/") == "000"  # nothing on port 80


def test_hardened_mqtt_refuses_anonymous_and_accepts_the_password(hardened: LabDevice) -> None:
    ca = ["--cafile", str(hardened.ca_file)]
    anonymous = mqtt_version(hardened, 8883, *ca)
    assert anonymous.returncode != 0
    assert "not authorised" in anonymous.stderr
    user, password = hardened.credentials["mqtts"]
    ok = mqtt_version(hardened, 8883, *ca, "-u", user, "-P", password)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("mosquitto version")
    assert mqtt_version(hardened, 1883).returncode != 0  # no plaintext listener


def test_hardened_ssh_password_works_and_guesses_do_not(hardened: LabDevice) -> None:
    user, password = hardened.credentials["ssh"]
    ok = ssh_id(hardened, user, password)
    assert ok.returncode == 0, ok.stderr
    assert "uid=1000(admin)" in ok.stdout
    for guess_user, guess in (("admin", "admin"), ("root", password)):
        bad = ssh_id(hardened, guess_user, guess)
        assert bad.returncode != 0 and "uid=" not in bad.stdout


def test_hardened_ssh_host_keys_are_strong(hardened: LabDevice) -> None:
    r = hardened.run(
        ["sh", "-c", "ssh-keyscan -t rsa,ecdsa,ed25519 127.0.0.1 2>/dev/null | ssh-keygen -lf -"]
    )
    kinds = {line.split()[-1]: int(line.split()[0]) for line in r.stdout.strip().splitlines()}
    assert kinds == {"(ED25519)": 256, "(RSA)": 3072}, r.stdout


def test_hardened_ssh_rate_limit_refuses_the_10th_rapid_connection(hardened: LabDevice) -> None:
    answers = connect(hardened, 22, 10)
    assert answers[0].startswith("SSH-2.0-dropbear"), answers
    assert answers[-1] == "refused", answers
    assert answers.count("refused") >= 4, answers
    # the limit is per source address: another client is still served
    assert connect(hardened, 22, source="127.0.0.2")[0].startswith("SSH-2.0-")
    assert connect(hardened, 22) == ["refused"]
    hardened.reset_rate_limits()  # what a power cycle does too
    assert connect(hardened, 22)[0].startswith("SSH-2.0-")


def test_hardened_https_rate_limit(hardened: LabDevice) -> None:
    answers = connect(hardened, 443, 30, wait=0.05)
    assert answers[0] == "open" and answers[-1] == "refused", answers


# ------------------------------------------------------------------------------------------
# power cycle, teardown, watchdog (these run last: they restart the session devices)


@pytest.mark.lab  # the device fixture is looked up by name, which the hook cannot see
@pytest.mark.parametrize("profile", ["vulnerable", "hardened"])
def test_power_cycle_restarts_daemons_with_the_same_settings(
    request: pytest.FixtureRequest, profile: str
) -> None:
    dev: LabDevice = request.getfixturevalue(f"{profile}_device")
    dev.reset_rate_limits()
    before = dev.pids
    ports = listening(dev)
    r = dev.run(["sh", "-c", dev.power_cycle_command], timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    after = dev.pids
    assert set(after) == set(before)
    assert all(after[name] != before[name] for name in before), (before, after)
    assert not any(labdevice._alive(pid) for pid in before.values())
    assert listening(dev) == ports
    assert json.loads(r.stdout) == after
    if profile == "vulnerable":
        assert "uid=0(root)" in telnet_login(dev, "root", "xc3511")
        assert http_code(dev, "http://127.0.0.1/", "-u", "admin:admin") == "200"
        assert mqtt_version(dev, 1883).returncode == 0
    else:
        user, password = dev.credentials["https"]
        ca = ["--cacert", str(dev.ca_file)]
        assert http_code(dev, "https://127.0.0.1/", *ca, "-u", f"{user}:{password}") == "200"
        user, password = dev.credentials["mqtts"]
        ok = mqtt_version(dev, 8883, "--cafile", str(dev.ca_file), "-u", user, "-P", password)
        assert ok.returncode == 0, ok.stderr
        assert ssh_id(dev, *dev.credentials["ssh"]).returncode == 0


def netns_list() -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10)
    return [line.split()[0] for line in out.stdout.splitlines() if line.strip()]


def _host_files() -> dict[str, str]:
    return {
        name: hashlib.sha256(Path(name).read_bytes()).hexdigest()
        for name in ("/etc/passwd", "/etc/shadow", "/etc/group", "/etc/hostname")
        if Path(name).exists()
    }


def test_teardown_leaves_no_namespace_process_or_file(tmp_path: Path) -> None:
    require_lab("vulnerable")
    host_files = _host_files()
    with LabDevice("vulnerable", tmp_path) as dev:
        first = dict(dev.pids)
        dev.power_cycle()  # the restarted daemons are orphans of the power-cycle command
        netns, root, pids = dev.netns, dev.root, dict(dev.pids)
        assert root and root.is_relative_to(tmp_path)
        assert netns in netns_list()
        # a logged-in telnet session: its shell is a descendant of telnetd, and the client is
        # a process inside the namespace that the lab did not start itself
        client = subprocess.Popen(
            ["ip", "netns", "exec", netns, PY, "-c", TELNET_HOLD, "root", "xc3511"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        assert client.stdout
        assert b"#" in client.stdout.readline()
        assert _host_files() == host_files  # the device's accounts live in its own rootfs
    try:
        assert client.wait(timeout=5) != 0  # killed by the teardown
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
    report = dev.teardown_report
    assert set(pids.values()) <= set(report["killed"])
    assert len(report["killed"]) > len(pids)  # telnetd's login shell went too
    assert report["leftovers"] == [client.pid]
    assert netns not in netns_list()
    every = {*first.values(), *pids.values(), *report["killed"]}
    assert not [pid for pid in every if Path(f"/proc/{pid}").exists()]  # not even zombies
    assert not root.exists()
    assert _host_files() == host_files
    assert not Path("/run/dropbear.pid").exists()
    assert dev.timings["stop_s"] < 10


def test_watchdog_tears_down_when_the_owner_is_killed() -> None:
    require_lab("hardened")
    code = (
        "import json, time\n"
        "from tests.lab.device import LabDevice\n"
        "d = LabDevice('hardened')\n"
        "d.start()\n"
        "print(json.dumps({'netns': d.netns, 'root': str(d.root), 'pids': d.pids}), flush=True)\n"
        "time.sleep(60)\n"
    )
    owner = subprocess.Popen([PY, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout
        info = json.loads(owner.stdout.readline())
    finally:
        owner.send_signal(signal.SIGKILL)  # no teardown of its own
        owner.wait(timeout=10)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and Path(info["root"]).exists():
        time.sleep(0.2)
    assert not Path(info["root"]).exists()
    assert labdevice.netns_inode(info["netns"]) is None
    assert not any(labdevice._alive(pid) for pid in info["pids"].values())
    for pid in info["pids"].values():  # orphans re-parented to this (sub-reaper) process
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_missing_tool_gives_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    real = labdevice._which
    monkeypatch.setattr(labdevice, "_which", lambda t: None if t == "nft" else real(t))
    with pytest.raises(LabUnavailable, match=r"apt-get install nftables|needs root"):
        LabDevice("hardened").start()
    monkeypatch.setenv("JCSTAR_BUSYBOX_DEB", "/nonexistent/busybox-static.deb")
    with pytest.raises(LabUnavailable, match=r"apt-get download busybox-static|needs root"):
        LabDevice("vulnerable").start()
