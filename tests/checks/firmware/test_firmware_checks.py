"""The firmware checks on root filesystems built by tests/firmware_rootfs.py.

Each check is run the way an assessment runs it (``run_check`` on a ``CheckInput`` whose
firmware image is a rootfs directory, which the unpacker takes as it is), and its pure
analysis functions are exercised on small trees made for one case.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import subprocess
import warnings
from pathlib import Path
from typing import Any

import bcrypt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from univers.versions import GenericVersion

from jcstar.assessment.evaluate import evaluate
from jcstar.assessment.models import ProductFacts, ProductProfile
from jcstar.assessment.plan import build_plan, only_checks
from jcstar.assessment.runner import budget, check_input, run_check, run_plan
from jcstar.catalog.loader import CatalogIndex, load_catalog
from jcstar.checks.base import CannotJudge, Check, CheckAttempt, CheckInput
from jcstar.checks.firmware import boot_services as services_module
from jcstar.checks.firmware import secrets as secrets_module
from jcstar.checks.firmware.accounts import (
    Account,
    FirmwareAccountsCheck,
    accounts_observation,
    image_accounts,
    scan_accounts,
    shared_hashes,
)
from jcstar.checks.firmware.boot_services import (
    FirmwareBootServicesCheck,
    boot_observation,
    scan_boot,
)
from jcstar.checks.firmware.collect.image import FirmwareTarget
from jcstar.checks.firmware.collect.params import FirmwareParams
from jcstar.checks.firmware.collect.reading import IncompleteImage
from jcstar.checks.firmware.collect.sbom import build_sbom, sbom_json
from jcstar.checks.firmware.collect.signature import (
    UpdateInputError,
    load_public_key,
    verify_signature,
)
from jcstar.checks.firmware.components import (
    FirmwareComponentsCheck,
    binary_components,
    package_components,
)
from jcstar.checks.firmware.secrets import (
    FirmwareSecretsCheck,
    scan_secrets,
    secrets_observation,
)
from jcstar.checks.firmware.update import FirmwareUpdateCheck, scan_verifiers
from jcstar.checks.product import NeededPort, ProductContext
from jcstar.checks.vulnfeed import (
    Component,
    FeedError,
    OsvEvent,
    OsvRecord,
    in_range,
    load_feed,
    match_components,
)
from jcstar.targets.firmware import UnpackedImage
from tests.conftest import FIXTURES, require_tool
from tests.firmware_rootfs import (
    API_TOKEN,
    CLEARTEXT_PASSWORD,
    DEFAULT_ROOT_PASSWORD,
    make_rootfs,
    self_signed,
    tree,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from passlib.hash import apr_md5_crypt, des_crypt, md5_crypt, sha256_crypt, sha512_crypt

FEED = FIXTURES / "firmware" / "osv-feed.json"
VEX = FEED.with_name("csaf-vex.json")


@pytest.fixture(scope="module")
def vulnerable(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_rootfs(tmp_path_factory.mktemp("fw") / "vulnerable", vulnerable=True)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_rootfs(tmp_path_factory.mktemp("fw") / "clean", vulnerable=False)


def given(image: Path, needed: list[dict[str, object]] | None = None, **params: str) -> CheckInput:
    ports = tuple(NeededPort.model_validate(port) for port in needed or [])
    return CheckInput(
        firmware=FirmwareTarget(FirmwareParams(image=str(image), **params)),
        product=ProductContext(needed_ports=ports),
    )


def attempt(check: Check, inputs: CheckInput) -> CheckAttempt:
    return asyncio.run(run_check(check, inputs, None))


def only(result: CheckAttempt, topic: str) -> tuple[str, str, bool]:
    assert result.status == "completed", result.reason
    (obs,) = [o for o in result.observations if o.topic == topic]
    return obs.outcome, obs.message, obs.conclusive


# --- S1.1-02: accounts ------------------------------------------------------------------


def test_default_root_password_and_empty_password_fail(vulnerable: Path) -> None:
    result = attempt(FirmwareAccountsCheck(), given(vulnerable))
    outcome, message, _ = only(result, "default_accounts")
    assert outcome == "fail"
    assert f"root has the known default password '{DEFAULT_ROOT_PASSWORD}' (md5_crypt)" in message
    assert "/etc/shadow: guest has an empty password" in message
    assert "admin" not in message  # a hash that is on no list is not a default
    findings = result.observations[0].details["findings"]
    assert {f["account"]: f["scheme"] for f in findings} == {"root": "md5_crypt", "guest": "empty"}
    assert result.check_version == FirmwareAccountsCheck.version == "1.1"


def test_findings_in_an_image_with_several_filesystems_name_the_filesystem(
    tmp_path: Path,
) -> None:
    tree(tmp_path, {"kernel.bin": b"\0" * 64})
    tree(tmp_path / "part1" / "squashfs-root", {"etc/shadow": "root::1::::::\n", "bin/sh": ""})
    tree(tmp_path / "part1" / "squashfs-root", {"etc/passwd": "root:x:0:0::/:/bin/false\n"})
    tree(tmp_path / "part2" / "jffs2-root", {"etc/passwd": "root:*:0:0::/:/bin/sh\n", "usr/x": ""})
    outcome, message, _ = only(
        attempt(FirmwareAccountsCheck(), given(tmp_path)), "default_accounts"
    )
    assert outcome == "fail"
    assert (
        message == "part1/squashfs-root:/etc/shadow: root has an empty password (shell /bin/false)"
    )


def test_locked_accounts_only_pass(clean: Path) -> None:
    outcome, message, conclusive = only(
        attempt(FirmwareAccountsCheck(), given(clean)), "default_accounts"
    )
    # a pass, but the web UI's default may be where no file format of ours reaches
    assert (outcome, conclusive) == ("pass", False)
    assert "is locked or has no password set" in message


@pytest.mark.parametrize(
    ("scheme", "stored"),
    [
        ("des_crypt", des_crypt.using(salt="ab").hash("admin")),
        ("md5_crypt", md5_crypt.using(salt="s4lt").hash("admin")),
        ("sha256_crypt", sha256_crypt.using(rounds=5000).hash("admin")),
        ("sha512_crypt", sha512_crypt.using(rounds=5000).hash("admin")),
        ("bcrypt", bcrypt.hashpw(b"admin", bcrypt.gensalt(4)).decode()),
    ],
    # named by scheme: the salted hashes differ per run (parallel workers must agree on ids)
    ids=["des_crypt", "md5_crypt", "sha256_crypt", "sha512_crypt", "bcrypt"],
)
def test_every_crypt_scheme_is_verified(tmp_path: Path, scheme: str, stored: str) -> None:
    root = tree(
        tmp_path,
        {
            "etc/passwd": "admin:x:1000:1000::/home/admin:/bin/sh\n",
            "etc/shadow": f"admin:{stored}:1::::::\n",
        },
    )
    (finding,) = scan_accounts(root).findings
    assert (finding.account, finding.scheme, finding.password) == ("admin", scheme, "admin")


def test_web_login_files_with_default_passwords_fail(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "etc/httpd.conf": "A:*\n/cgi-bin:admin:admin\n"
            f"/:user:{md5_crypt.using(salt='ab').hash('user')}\n/adm:root:$p$root\n"
            "/priv:owner:Long-unique-secret-9\n.html:text/html\n",
            "www/.htpasswd": f"support:{apr_md5_crypt.using(salt='xy').hash('support')}\n",
        },
    )
    scan = scan_accounts(root)
    found = {(f.path, f.account, f.scheme, f.password) for f in scan.findings}
    assert found == {
        ("/etc/httpd.conf", "admin", "plaintext", "admin"),
        ("/etc/httpd.conf", "user", "md5_crypt", "user"),
        ("/www/.htpasswd", "support", "apr_md5_crypt", "support"),
    }
    assert scan.other_hashes == ("owner",)  # stored, not on the list: still shared


def test_locked_unknown_and_costly_hashes_are_not_failures(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "etc/passwd": "a:x:1:1::/:/bin/sh\nb:x:2:2::/:/bin/sh\nc:x:3:3::/:/bin/sh\n"
            "d:x:4:4::/:/bin/sh\ne:*:5:5::/:/bin/sh\nnoshadow:x:6:6::/:/bin/sh\n",
            "etc/shadow": "a:!:1::::::\nb:!$1$ab$xxxxxxxxxxxxxxxxxxxxxx:1::::::\n"
            "c:$y$j9T$abc$def:1::::::\n"
            "d:$6$rounds=999999999$salt$" + "A" * 86 + ":1::::::\n",
        },
    )
    scan = scan_accounts(root)
    assert scan.findings == ()
    assert any(u.startswith("c (yescrypt") for u in scan.unchecked)
    assert any(u.startswith("d (999999999 rounds") for u in scan.unchecked)
    observation = accounts_observation([("", scan)], complete=True)
    # hashes baked into the image that we cannot match are still shared by every unit
    assert observation.outcome == "pass" and not observation.conclusive
    assert "c, d have a password set in the image" in observation.message


def test_no_account_database_is_inconclusive_not_met(tmp_path: Path) -> None:
    root = tree(tmp_path, {"etc/hostname": "cam\n", "bin/busybox": b"\x7fELF"})
    result = attempt(FirmwareAccountsCheck(), given(root))
    assert result.status == "error"
    assert "no account database found" in result.reason


def test_incomplete_image_cannot_pass_on_locked_accounts(clean: Path) -> None:
    with pytest.raises(IncompleteImage, match="cut short \\(size limit hit\\)"):
        accounts_observation([("", scan_accounts(clean))], False, ["size limit hit"])


def _image(rootfs: Path) -> UnpackedImage:
    return UnpackedImage(
        image=str(rootfs), sha256="0" * 64, size=0, root=str(rootfs),
        filesystems=(str(rootfs),), files=0, total_bytes=0, extractor="directory",
    )  # fmt: skip


def test_same_hash_in_two_images_is_a_shared_default(vulnerable: Path, clean: Path) -> None:
    first = image_accounts(_image(vulnerable))
    second = image_accounts(_image(vulnerable))
    other = image_accounts(_image(clean))
    resalted = [
        Account(name="root", path="/etc/shadow", scheme="md5_crypt", hash=md5_crypt.hash("x"))
    ]
    shared = shared_hashes([("fw-1.0.bin", first), ("fw-1.1.bin", second), ("clean.bin", other)])
    assert {s.account for s in shared} == {"root", "admin"}  # guest is empty, nobody locked
    assert all(s.images == ("fw-1.0.bin", "fw-1.1.bin") for s in shared)
    assert shared_hashes([("a", first), ("b", resalted)]) == []


# --- S1.1-11: stored secrets ----------------------------------------------------------------


def test_keys_tokens_and_passwords_fail_without_revealing_them(vulnerable: Path) -> None:
    result = attempt(FirmwareSecretsCheck(), given(vulnerable))
    outcome, message, _ = only(result, "stored_secrets")
    assert outcome == "fail"
    kinds = {s["path"]: s["type"] for s in result.observations[0].details["secrets"]}
    assert kinds == {
        "/etc/ssl/private/server.key": "RSA private key (PEM)",
        "/etc/dropbear/dropbear_rsa_host_key": "dropbear host key (ssh-rsa)",
        "/etc/cloud.conf": "GitHub token",
        "/etc/mqtt.conf": "cleartext password",
    }
    assert "key of certificate CN=ipcam.local" in message
    report = result.model_dump_json()
    pem = (vulnerable / "etc/ssl/private/server.key").read_text().splitlines()[1]
    for secret in (API_TOKEN, CLEARTEXT_PASSWORD, pem):
        assert secret not in report
    host_key = (vulnerable / "etc/dropbear/dropbear_rsa_host_key").read_bytes()
    assert base64.b64encode(host_key)[:40].decode() not in report


def test_encrypted_key_and_public_material_pass(clean: Path) -> None:
    outcome, message, conclusive = only(
        attempt(FirmwareSecretsCheck(), given(clean)), "stored_secrets"
    )
    assert (outcome, conclusive) == ("pass", False)  # the image is not all stored data
    assert "1 encrypted private key(s): /etc/ssl/private/device.key" in message


def _ssh_string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def test_dropbear_private_keys_are_found_and_public_blobs_are_not(tmp_path: Path) -> None:
    seed = ed25519.Ed25519PrivateKey.generate()
    public = seed.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    private = seed.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    rsa_public = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    numbers = rsa_public.public_numbers()
    root = tree(
        tmp_path,
        {
            "etc/dropbear/dropbear_ed25519_host_key": _ssh_string(b"ssh-ed25519")
            + _ssh_string(private + public),
            "etc/dropbear/ed25519.pub.bin": _ssh_string(b"ssh-ed25519") + _ssh_string(public),
            "etc/dropbear/rsa.pub.bin": _ssh_string(b"ssh-rsa")
            + _ssh_string(numbers.e.to_bytes(3, "big"))
            + _ssh_string(b"\0" + numbers.n.to_bytes(128, "big")),
        },
    )
    (secret,) = scan_secrets(root).secrets
    assert (secret.path, secret.type) == (
        "/etc/dropbear/dropbear_ed25519_host_key",
        "dropbear host key (ssh-ed25519)",
    )
    # fingerprinted by the public key, as ssh shows it: the key's public blob, hashed
    blob = _ssh_string(b"ssh-ed25519") + _ssh_string(public)
    assert secret.fingerprint == "sha256:" + hashlib.sha256(blob).hexdigest()


def test_the_same_key_in_two_files_is_one_finding(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # an uncompressed archive carved from the image, and the file extracted from it
    root = tree(tmp_path, {"0-4096.tar": b"tar header" + key, "0-4096.tar_extract/etc/k.pem": key})
    (secret,) = scan_secrets(root).secrets
    assert {secret.path, *secret.also_at} == {"/0-4096.tar", "/0-4096.tar_extract/etc/k.pem"}


@pytest.mark.parametrize(
    ("form", "shown"),
    [
        (serialization.PrivateFormat.PKCS8, "encrypted PKCS#8 private key (PEM)"),
        (serialization.PrivateFormat.TraditionalOpenSSL, "encrypted RSA private key (PEM)"),
        (serialization.PrivateFormat.OpenSSH, "encrypted OpenSSH private key"),
    ],
)
def test_encrypted_keys_in_every_form_are_a_pass_with_a_note(
    tmp_path: Path, form: serialization.PrivateFormat, shown: str
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024).private_bytes(
        serialization.Encoding.PEM, form, serialization.BestAvailableEncryption(b"unit-secret")
    )
    observation = secrets_observation(scan_secrets(tree(tmp_path, {"etc/key.pem": key})))
    assert observation.outcome == "pass"
    assert f"/etc/key.pem: {shown}" in observation.message


def test_symlinks_out_of_the_rootfs_and_fifos_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "host-secret.pem"
    outside.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    root = tree(tmp_path / "rootfs", {"etc/hostname": "cam\n"})
    os.symlink(str(outside), root / "etc/absolute.pem")
    os.symlink("../../host-secret.pem", root / "etc/relative.pem")
    os.mkfifo(root / "etc/pipe")  # opening it for reading would block
    scan = scan_secrets(root)
    assert scan.secrets == ()
    assert scan.files == 1


@pytest.mark.parametrize("cut", ["in BEGIN", "in the body", "in END"])
def test_a_key_across_a_chunk_boundary_in_a_binary_is_found(tmp_path: Path, cut: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    # where the key starts so that the 1 MiB chunk boundary falls where ``cut`` says
    start = {"in BEGIN": -5, "in the body": -100, "in END": 12 - len(key)}[cut]
    blob = b"\x7fELF" + os.urandom(secrets_module.CHUNK + start - 4) + key + os.urandom(4096)
    root = tree(tmp_path, {"usr/bin/cloudd": blob})
    (secret,) = scan_secrets(root).secrets
    assert (secret.path, secret.type) == ("/usr/bin/cloudd", "EC private key (PEM)")


class _CountingReader:
    """A file handle that counts the bytes read through it."""

    def __init__(self, handle: Any, counts: list[int]) -> None:
        self.handle, self.counts = handle, counts

    def read(self, size: int = -1) -> bytes:
        data: bytes = self.handle.read(size)
        self.counts[-1] += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return int(self.handle.seek(offset, whence))

    def fileno(self) -> int:
        return int(self.handle.fileno())

    def __enter__(self) -> _CountingReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


def test_each_byte_of_a_large_binary_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    # a marker-free first chunk (the fast path), then a key across the next boundary
    blob = b"\x7fELF" + os.urandom(2 * secrets_module.CHUNK - 40) + key + os.urandom(5000)
    root = tree(tmp_path, {"usr/bin/cloudd": blob})
    counts: list[int] = []
    real_fdopen = os.fdopen

    def counting_fdopen(fd: int, *args: Any, **kwargs: Any) -> _CountingReader:
        counts.append(0)
        return _CountingReader(real_fdopen(fd, *args, **kwargs), counts)

    monkeypatch.setattr(secrets_module.os, "fdopen", counting_fdopen)
    (secret,) = scan_secrets(root).secrets
    assert (secret.path, secret.type) == ("/usr/bin/cloudd", "EC private key (PEM)")
    assert counts == [len(blob)]  # opened once, no byte read twice


def test_a_file_of_begin_markers_costs_no_quadratic_time(tmp_path: Path) -> None:
    root = tree(tmp_path, {"bin/junk": b"-----BEGIN " * 300_000 + b"-----END X-----"})
    assert scan_secrets(root).secrets == ()  # finishes: each marker is not a new search


def test_files_above_the_size_cap_are_counted_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(secrets_module, "SCAN_LIMIT", 1024)
    key = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    root = tree(tmp_path, {"opt/big.bin": os.urandom(2048) + key, "etc/id_ed25519": key})
    scan = scan_secrets(root)
    assert [(s.path, s.type) for s in scan.secrets] == [
        ("/etc/id_ed25519", "Ed25519 private key (OpenSSH)")
    ]
    assert scan.skipped_large == ("/opt/big.bin",)
    (root / "etc/id_ed25519").unlink()
    message = secrets_observation(scan_secrets(root)).message
    assert "1 file(s) above the size cap not read" in message


def test_no_secret_on_an_incomplete_image_is_not_a_pass(clean: Path) -> None:
    with pytest.raises(IncompleteImage):
        secrets_observation(scan_secrets(clean / "etc/init.d"), False, ("file limit hit",))


@pytest.mark.slow
def test_secrets_in_an_image_are_named_by_their_device_path(
    vulnerable: Path, tmp_path: Path
) -> None:
    """A firmware tar holding the root filesystem (as a tar) and, beside it, a separate
    key partition: each finding names where the device has it, and a key outside every
    root filesystem keeps its path in the extraction."""
    require_tool("tar")
    parts = tmp_path / "parts"
    (parts / "keys").mkdir(parents=True)
    subprocess.run(["tar", "-cf", parts / "rootfs.tar", "-C", vulnerable, "."], check=True)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (parts / "keys" / "factory.key").write_bytes(
        other.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    image = tmp_path / "fw.tar"
    subprocess.run(["tar", "-cf", image, "-C", parts, "."], check=True)
    result = attempt(FirmwareSecretsCheck(), given(image))
    outcome, message, _ = only(result, "stored_secrets")
    assert outcome == "fail"
    found = result.observations[0].details["secrets"]
    server = next(s for s in found if s["certificate"] == "CN=ipcam.local")
    assert server["path"] == "/etc/ssl/private/server.key"
    # the same key also sits in the raw rootfs.tar: named second, by its extraction path
    assert server["also_at"] == ("extraction:/fw.tar_extract/rootfs.tar",)
    assert "/etc/mqtt.conf:" in message and "/etc/cloud.conf:" in message
    outside = [s["path"] for s in found if "factory.key" in s["path"]]
    assert outside == ["extraction:/fw.tar_extract/keys/factory.key"]


# --- S1.1-13: boot services ----------------------------------------------------------------


def test_risky_boot_services_fail_with_path_and_line(vulnerable: Path) -> None:
    outcome, message, _ = only(
        attempt(FirmwareBootServicesCheck(), given(vulnerable)), "boot_services"
    )
    assert outcome == "fail"
    for expected in (
        "/etc/inittab:2 console-root-shell",
        "/etc/init.d/rcS:3 telnet",
        "/etc/init.d/rcS:4 ssh-root-password",
        "/etc/ssh/sshd_config:2 ssh-root-password",
        "/etc/systemd/system/multi-user.target.wants/adbd.service:4 adb",
    ):
        assert expected in message


def test_clean_boot_passes_and_killall_telnetd_is_no_start(clean: Path) -> None:
    result = attempt(FirmwareBootServicesCheck(), given(clean))
    outcome, message, conclusive = only(result, "boot_services")
    assert (outcome, conclusive) == ("pass", False)
    assert "4 boot files read" in message
    started = result.observations[0].details["started"]
    assert any(s.startswith("dropbear (/etc/init.d/rcS") for s in started)
    assert not any("telnetd" in s for s in started)


@pytest.mark.parametrize(
    ("line", "service"),
    [
        ("/usr/sbin/dropbear -R -p 22", "ssh-root-password"),
        ("dropbear -w", None),
        ("dropbear -Rsg -p 2222", None),
        ('/usr/sbin/dropbear $DROPBEAR_ARGS -p "$PORT"', None),  # options unknown: no claim
        ("busybox telnetd -l /bin/login", "telnet"),
        ("tcpsvd -vE 0.0.0.0 21 ftpd -w /srv", "ftp"),
        ("start-stop-daemon -S -x /usr/sbin/in.tftpd -- -l", "tftp"),
        ("start-stop-daemon -K -x /usr/sbin/telnetd", None),
        ("[ -x /usr/sbin/telnetd ] || exit 0", None),
        ("pidof adbd >/dev/null && killall adbd", None),
        ("/sbin/getty --autologin root ttyS0 115200", "console-root-shell"),
        ("/sbin/getty -n -l /bin/ash 115200 ttyS1", "console-root-shell"),
        ("/sbin/getty -L ttyS0 115200 vt100", None),
    ],
)
def test_what_counts_as_starting_a_service(tmp_path: Path, line: str, service: str | None) -> None:
    root = tree(tmp_path, {"etc/init.d/S50svc": f"#!/bin/sh\n{line}\n"})
    found = [f.service for f in scan_boot(root).findings]
    assert found == ([service] if service else [])


def test_inetd_services_and_sshd_empty_passwords_are_found(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "etc/inetd.conf": "# telnet stream tcp nowait root /usr/sbin/telnetd telnetd\n"
            "tftp dgram udp wait root /usr/sbin/tftpd tftpd -s /tftpboot\n",
            "etc/ssh/sshd_config": "PermitRootLogin no\nPermitEmptyPasswords yes\n"
            "Match User backup\n  PermitRootLogin yes\n",
        },
    )
    found = {(f.path, f.line, f.service) for f in scan_boot(root).findings}
    assert found == {
        ("/etc/inetd.conf", 2, "tftp"),  # the commented telnet line is not a service
        ("/etc/ssh/sshd_config", 2, "ssh-empty-password"),  # a Match block is not the default
    }


def test_busybox_init_without_inittab_gives_console_shells(tmp_path: Path) -> None:
    root = tree(tmp_path, {"bin/busybox": b"\x7fELF", "etc/init.d/rcS": "mount -a\n"})
    (root / "sbin").mkdir()
    os.symlink("/bin/busybox", root / "sbin/init")
    (finding,) = scan_boot(root).findings
    assert (finding.path, finding.service) == ("/sbin/init", "console-root-shell")
    (root / "etc/inittab").write_text("::sysinit:/etc/init.d/rcS\n")
    assert scan_boot(root).findings == ()


def test_a_service_declared_needed_is_accepted(tmp_path: Path) -> None:
    root = tree(
        tmp_path, {"etc/init.d/rcS": "telnetd -p 23\n", "etc/passwd": "root:*:0:0::/:/bin/sh\n"}
    )
    needed = [{"port": 23, "protocol": "tcp", "reason": "factory test jig"}]
    outcome, message, _ = only(
        attempt(FirmwareBootServicesCheck(), given(root, needed)), "boot_services"
    )
    assert outcome == "pass"
    assert "declared needed: telnet (factory test jig)" in message


def test_boot_scripts_beyond_the_budget_make_a_pass_inconclusive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services_module, "MAX_SCRIPT_BYTES", 100)
    root = tree(tmp_path, {"etc/init.d/S01a": "mount -a\n", "etc/init.d/S99z": "#" * 200})
    scan = scan_boot(root)
    assert scan.not_read == ("/etc/init.d/S99z",)
    with pytest.raises(CannotJudge, match="1 boot script\\(s\\) not read"):
        boot_observation([("", scan)], {})


def test_no_boot_configuration_is_inconclusive(tmp_path: Path, clean: Path) -> None:
    root = tree(tmp_path, {"etc/passwd": "root:*:0:0::/:/bin/sh\n", "bin/busybox": b"\x7fELF"})
    result = attempt(FirmwareBootServicesCheck(), given(root))
    assert result.status == "error"
    assert "no boot configuration found" in result.reason
    with pytest.raises(IncompleteImage):  # a clean boot on a cut-short image proves nothing
        boot_observation([("", scan_boot(clean))], {}, complete=False)


# --- S1.1-08: update integrity ----------------------------------------------------------------


def _package(tmp_path: Path) -> Path:
    # payload then 0x00 padding to a flash block, as real images end
    package = tmp_path / "update.bin"
    package.write_bytes(b"UPDT" + os.urandom(200_000) + b"\0" * 65_536)
    return package


def _flip_payload_byte(package: Path) -> None:
    data = bytearray(package.read_bytes())
    data[100_000] ^= 0x01  # inside the payload: changing the padding tampers nothing
    package.write_bytes(bytes(data))


def _public_pem(key: object) -> bytes:
    return key.public_key().public_bytes(  # type: ignore[attr-defined,no-any-return]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _sign(kind: str, data: bytes) -> tuple[bytes, bytes]:
    """(signature, public key or certificate PEM)."""
    if kind == "ed25519":
        key = ed25519.Ed25519PrivateKey.generate()
        return key.sign(data), _public_pem(key)
    if kind.startswith("ecdsa"):
        curve, algorithm = (
            (ec.SECP384R1(), hashes.SHA384())
            if "384" in kind
            else (ec.SECP256R1(), hashes.SHA256())
        )
        ec_key = ec.generate_private_key(curve)
        signature = ec_key.sign(data, ec.ECDSA(algorithm))
        if kind.endswith("raw"):
            r, s = utils.decode_dss_signature(signature)
            size = (curve.key_size + 7) // 8
            signature = r.to_bytes(size, "big") + s.to_bytes(size, "big")
        return signature, _public_pem(ec_key)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pad = (
        padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.MAX_LENGTH)
        if kind == "rsa-pss"
        else padding.PKCS1v15()
    )
    signature = rsa_key.sign(data, pad, hashes.SHA256())
    return signature, self_signed(rsa_key, "Vendor update signing")  # a certificate as the key


@pytest.mark.parametrize(
    "kind", ["ed25519", "ecdsa-p256", "ecdsa-p384", "ecdsa-p256-raw", "rsa-pkcs1", "rsa-pss"]
)
def test_signed_update_verifies_and_one_changed_byte_fails(tmp_path: Path, kind: str) -> None:
    package = _package(tmp_path)
    signature, key = _sign(kind, package.read_bytes())
    (tmp_path / "update.sig").write_bytes(signature)
    (tmp_path / "vendor.pem").write_bytes(key)
    root = tree(tmp_path / "rootfs", {"etc/passwd": "root:*:0:0::/:/bin/sh\n"})
    inputs = given(
        root,
        update_package=str(package),
        signature=str(tmp_path / "update.sig"),
        public_key=str(tmp_path / "vendor.pem"),
    )
    outcome, message, conclusive = only(attempt(FirmwareUpdateCheck(), inputs), "update_signature")
    assert (outcome, conclusive) == ("pass", True), message
    _flip_payload_byte(package)
    outcome, message, _ = only(attempt(FirmwareUpdateCheck(), inputs), "update_signature")
    assert outcome == "fail"
    assert message.startswith("signature does not verify")


def test_signature_made_by_openssl_verifies(tmp_path: Path) -> None:
    openssl = require_tool("openssl")
    package = _package(tmp_path)
    key, pub, sig = tmp_path / "k.pem", tmp_path / "k.pub", tmp_path / "update.sig"
    run = lambda *args: subprocess.run([openssl, *args], check=True, capture_output=True)  # noqa: E731
    run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(key))
    run("ec", "-in", str(key), "-pubout", "-out", str(pub))
    run("dgst", "-sha256", "-sign", str(key), "-out", str(sig), str(package))
    assert verify_signature(package, sig, pub).valid
    # base64 text of the same signature, as some vendors ship it
    sig.write_bytes(base64.encodebytes(sig.read_bytes()))
    assert verify_signature(package, sig, pub).valid
    _flip_payload_byte(package)
    assert not verify_signature(package, sig, pub).valid


def test_package_without_signature_needs_review(tmp_path: Path, clean: Path) -> None:
    package = _package(tmp_path)
    result = attempt(FirmwareUpdateCheck(), given(clean, update_package=str(package)))
    outcome, message, _ = only(result, "update_signature")
    assert outcome == "info" and "without a signature" in message
    assert _verdicts(clean, [result], network_updates=True)["S1.1-08"] == "NEEDS_REVIEW"


def test_unreadable_key_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "vendor.pem"
    bad.write_text("not a key\n")
    with pytest.raises(UpdateInputError, match=r"vendor.pem: not a PEM or DER public key"):
        load_public_key(bad)
    package = _package(tmp_path)
    (tmp_path / "s").write_bytes(b"x")
    root = tree(tmp_path / "rootfs", {"etc/passwd": "root:*:0:0::/:/bin/sh\n"})
    result = attempt(
        FirmwareUpdateCheck(),
        given(
            root, update_package=str(package), signature=str(tmp_path / "s"), public_key=str(bad)
        ),
    )
    assert result.status == "error" and "not a PEM or DER public key" in result.reason


def test_the_image_update_step_and_key_are_reported(vulnerable: Path, clean: Path) -> None:
    found = scan_verifiers(clean)
    assert [(v.path, v.method) for v in found.verifiers] == [
        ("/sbin/fw-update", "openssl signature check")
    ]
    assert found.keys == ("/etc/keys/update.pub",)
    outcome, message, _ = only(attempt(FirmwareUpdateCheck(), given(vulnerable)), "update_verifier")
    assert outcome == "info"
    assert message.startswith("no update verification step found")


def test_no_verifier_in_an_incomplete_image_is_not_evidence(vulnerable: Path) -> None:
    result = attempt(FirmwareUpdateCheck(), given(vulnerable, max_files=5))
    assert result.status == "error"  # as every firmware check: INCONCLUSIVE, not "none"
    assert "finding no update verification step is not conclusive" in result.reason


def test_a_signed_package_still_counts_when_the_image_is_incomplete(
    vulnerable: Path, tmp_path: Path
) -> None:
    package = _package(tmp_path)
    signature, key = _sign("ed25519", package.read_bytes())
    (tmp_path / "update.sig").write_bytes(signature)
    (tmp_path / "vendor.pem").write_bytes(key)
    inputs = given(
        vulnerable,
        max_files=5,
        update_package=str(package),
        signature=str(tmp_path / "update.sig"),
        public_key=str(tmp_path / "vendor.pem"),
    )
    result = attempt(FirmwareUpdateCheck(), inputs)
    outcome, _, conclusive = only(result, "update_signature")
    assert (outcome, conclusive) == ("pass", True)  # the package's own evidence stands
    outcome, message, _ = only(result, "update_verifier")
    assert outcome == "info"
    assert "image extraction was cut short (directory walk stopped at 6 files" in message
    assert "not conclusive" in message


# --- SBOM and known vulnerabilities ------------------------------------------------------------


def test_components_from_binaries_packages_and_kernel(vulnerable: Path) -> None:
    found = {(c.name, c.version, c.source) for c in binary_components(vulnerable)}
    assert found >= {
        ("busybox", "1.35.0", "binary"),
        ("dropbear", "2022.83", "binary"),
        ("openssl", "3.0.19", "binary"),
        ("lighttpd", "1.4.69", "binary"),
        ("linux", "4.9.118", "kernel"),
    }
    packages = {(c.name, c.version) for c in package_components(vulnerable)}
    assert packages == {("zlib", "1.2.11-1"), ("libubox", "2023-05-23")}  # not the removed one


def test_dpkg_packages_get_debian_purls(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "etc/os-release": "ID=debian\nVERSION_ID=12\n",
            "var/lib/dpkg/status": "Package: openssh-server\nStatus: install ok installed\n"
            "Architecture: armhf\nVersion: 1:9.2p1-2+deb12u3\n\n",
        },
    )
    (component,) = package_components(root)
    assert component.purl == "pkg:deb/debian/openssh-server@1:9.2p1-2%2Bdeb12u3?arch=armhf"
    assert component.ecosystem == "Debian"


def test_sbom_validates_and_the_feed_marks_affected_components(
    vulnerable: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "sbom.cdx.json"
    result = attempt(
        FirmwareComponentsCheck(), given(vulnerable, vuln_feed=str(FEED), sbom_out=str(out))
    )
    outcome, message, _ = only(result, "known_vulnerabilities")
    assert outcome == "info"
    assert "busybox@1.35.0 JCSTAR-TEST-0001 (fixed in 1.36.0)" in message
    assert "dropbear@2022.83 JCSTAR-TEST-0002" in message
    assert "openssl@3.0.19 JCSTAR-TEST-0004" in message
    assert "lighttpd" not in message and "JCSTAR-TEST-0005" not in message
    text = out.read_text(encoding="utf-8")
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    sbom = json.loads(text)
    assert sbom["specVersion"] == "1.6"
    assert sbom["metadata"]["component"]["type"] == "firmware"
    (root_deps,) = [d for d in sbom["dependencies"] if d["ref"] == "firmware-image"]
    assert set(root_deps["dependsOn"]) == {c["bom-ref"] for c in sbom["components"]}
    affected = {v["id"]: v["affects"][0]["ref"] for v in sbom["vulnerabilities"]}
    assert affected == {
        "JCSTAR-TEST-0001": "busybox@1.35.0",
        "JCSTAR-TEST-0002": "dropbear@2022.83",
        "JCSTAR-TEST-0004": "openssl@3.0.19",
    }
    busybox = next(c for c in sbom["components"] if c["name"] == "busybox")
    assert busybox["cpe"] == "cpe:2.3:a:busybox:busybox:1.35.0:*:*:*:*:*:*:*"


def test_a_broken_feed_makes_the_check_an_error(vulnerable: Path, tmp_path: Path) -> None:
    bad = tmp_path / "feed.json"
    bad.write_text('{"vulns": [{"summary": "no id"}]}')
    result = attempt(FirmwareComponentsCheck(), given(vulnerable, vuln_feed=str(bad)))
    assert result.status == "error"
    assert "feed.json: vulns.0.id: Field required" in result.reason


def test_an_incomplete_image_says_its_sbom_may_be_incomplete(
    vulnerable: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sbom.json"
    inputs = given(vulnerable, max_files=5, vuln_feed=str(FEED), sbom_out=str(out))
    result = attempt(FirmwareComponentsCheck(), inputs)
    _, message, _ = only(result, "sbom")
    assert "image extraction was cut short" in message
    assert "the SBOM may be incomplete" in message
    assert result.observations[0].details["complete"] is False
    _, matched, _ = only(result, "known_vulnerabilities")
    assert "components not extracted were not matched" in matched
    sbom = json.loads(out.read_text(encoding="utf-8"))
    (incomplete,) = [p for p in sbom["metadata"]["properties"] if p["name"] == "jcstar:incomplete"]
    assert "directory walk stopped" in incomplete["value"]
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(out.read_text()) is None


def test_csaf_vex_statuses_reach_the_observation_and_the_sbom(
    vulnerable: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sbom.json"
    result = attempt(
        FirmwareComponentsCheck(), given(vulnerable, vuln_feed=str(VEX), sbom_out=str(out))
    )
    _, message, _ = only(result, "known_vulnerabilities")
    assert message.startswith(
        "1 known vulnerability in the image's components (feed csaf-vex.json)"
    )
    assert "busybox@1.35.0 JCSTAR-TEST-VEX-1" in message
    assert "dropbear@2022.83 JCSTAR-TEST-VEX-2 not affected" in message  # via a relationship
    assert "lighttpd@1.4.69 JCSTAR-TEST-VEX-3 under investigation" in message  # by CPE
    assert "VEX-4" not in message  # names openssl 3.0.20, the image has 3.0.19
    sbom = json.loads(out.read_text(encoding="utf-8"))
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(out.read_text()) is None
    states = {v["id"]: v.get("analysis", {}).get("state") for v in sbom["vulnerabilities"]}
    assert states == {
        "JCSTAR-TEST-VEX-1": None,
        "JCSTAR-TEST-VEX-2": "not_affected",
        "JCSTAR-TEST-VEX-3": "in_triage",
    }


def test_sbom_without_components_or_feed_still_validates() -> None:
    text = sbom_json(build_sbom("empty.bin", "0" * 64, []))
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None


@pytest.mark.parametrize(
    ("version", "events", "affected"),
    [
        ("1.35.0", [{"introduced": "0"}, {"fixed": "1.36.0"}], True),
        ("1.36.0", [{"introduced": "0"}, {"fixed": "1.36.0"}], False),
        ("1.4.49", [{"introduced": "1.4.50"}, {"fixed": "1.4.61"}], False),
        ("3.0.19", [{"introduced": "3.0.0"}, {"last_affected": "3.0.19"}], True),
        ("3.0.20", [{"introduced": "3.0.0"}, {"last_affected": "3.0.19"}], False),
        # two stretches: introduced, fixed, introduced again
        ("2.5", [{"introduced": "1.0"}, {"fixed": "2.0"}, {"introduced": "2.4"}], True),
        ("1.9.9", [{"introduced": "2.4"}, {"introduced": "1.0"}, {"fixed": "2.0"}], True),
        ("2.1", [{"introduced": "1.0"}, {"fixed": "2.0"}, {"introduced": "2.4"}], False),
    ],
)
def test_osv_range_events(version: str, events: list[dict[str, str]], affected: bool) -> None:
    parsed = tuple(OsvEvent.model_validate(e) for e in events)
    assert in_range(version, parsed, GenericVersion)[0] is affected


def test_debian_versions_compare_the_debian_way() -> None:
    feed = [
        {
            "id": "TEST-DEB",
            "affected": [
                {
                    "package": {"ecosystem": "Debian:12", "name": "openssh-server"},
                    "ranges": [
                        {
                            "type": "ECOSYSTEM",
                            "events": [{"introduced": "0"}, {"fixed": "1:9.2p1-2+deb12u5"}],
                        }
                    ],
                }
            ],
        }
    ]
    records = tuple(OsvRecord.model_validate(r) for r in feed)

    def component(version: str) -> Component:
        return Component(
            name="openssh-server", version=version, source="dpkg",
            purl=f"pkg:deb/debian/openssh-server@{version}", ecosystem="Debian",
        )  # fmt: skip

    assert match_components((component("1:9.2p1-2+deb12u3"),), records)
    assert not match_components((component("1:9.2p1-2+deb12u10"),), records)  # u10 > u5


def test_a_broken_feed_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "feed.json"
    bad.write_text(
        '{"vulns": [{"id": "X", "affected": [{"ranges": [{"type": "NOPE", "events": []}]}]}]}'
    )
    with pytest.raises(FeedError, match=r"feed.json: vulns.0.affected.0.ranges.0.type"):
        load_feed(bad)
    bad.write_text("[1,")
    with pytest.raises(FeedError, match=r"feed\.json: not JSON"):
        load_feed(bad)
    assert load_feed(FEED).size == 5


def test_an_unchanged_feed_is_parsed_once_and_a_changed_one_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = tmp_path / "feed.json"
    feed.write_bytes(FEED.read_bytes())
    reads: list[Path] = []
    real_read_text = Path.read_text

    def counting_read_text(self: Path, *args: Any, **kwargs: Any) -> str:
        reads.append(self)
        return real_read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counting_read_text)
    first = load_feed(feed)
    assert load_feed(feed) is first  # the input check and the components check share it
    assert reads.count(feed) == 1
    feed.write_text('{"vulns": []}')  # a new feed: read again, never the stale records
    assert load_feed(feed).size == 0
    assert reads.count(feed) == 2


# --- through the assessment: plan, run, evaluate ------------------------------------------------


def _verdicts(
    image: Path,
    attempts: list[CheckAttempt] | None = None,
    firmware: dict[str, str] | None = None,
    **facts: bool,
) -> dict[str, str]:
    """Verdicts of the ★1 requirements the firmware checks evidence, through plan, run and
    evaluate; ``attempts`` given: evaluate those instead of running."""
    catalog = load_catalog()
    profile = ProductProfile(
        vendor="Lab",
        product="IPCAM",
        model_numbers=("IPCAM-LAB",),
        product_type="camera",
        firmware_version="1.0.3",
        facts=ProductFacts(**facts),
        firmware=FirmwareParams(image=str(image), vuln_feed=str(FEED), **(firmware or {})),
    )
    plan = build_plan(catalog, profile)
    kept = tuple(
        p.model_copy(update={"checks": tuple(c for c in p.checks if c.startswith("firmware."))})
        for p in plan.requirements
        if any(c.startswith("firmware.") for c in p.checks)
    )
    plan = plan.model_copy(update={"requirements": kept})
    if attempts is None:
        attempts = list(run_plan(plan, check_input(profile, image.parent)))
    requirements = CatalogIndex(catalog).by_id(plan.scheme)
    return {v.requirement: v.verdict for v in evaluate(plan, requirements, tuple(attempts), {})}


def test_assessment_of_the_vulnerable_image(vulnerable: Path) -> None:
    verdicts = _verdicts(vulnerable)
    assert verdicts == {
        "S1.1-02": "NOT_MET",
        "S1.1-06": "NEEDS_REVIEW",  # the SBOM informs, the vendor answers
        "S1.1-08": "NEEDS_REVIEW",  # no package to verify, no verification step seen
        "S1.1-11": "NOT_MET",
        "S1.1-13": "NOT_MET",
    }


def test_assessment_of_the_clean_image_with_a_signed_update(clean: Path, tmp_path: Path) -> None:
    package = _package(tmp_path)
    signature, key = _sign("ed25519", package.read_bytes())
    (tmp_path / "update.sig").write_bytes(signature)
    (tmp_path / "vendor.pem").write_bytes(key)
    signed = {
        "update_package": str(package),
        "signature": str(tmp_path / "update.sig"),
        "public_key": str(tmp_path / "vendor.pem"),
    }
    verdicts = _verdicts(clean, firmware=signed)
    # a clean image alone proves no absence of every default or secret: review, never MET
    assert verdicts == {
        "S1.1-02": "NEEDS_REVIEW",
        "S1.1-06": "NEEDS_REVIEW",
        "S1.1-08": "MET",
        "S1.1-11": "NEEDS_REVIEW",
        "S1.1-13": "NEEDS_REVIEW",
    }


# --- check budgets follow the profile's limits -------------------------------------------------


@pytest.mark.parametrize(
    "check",
    [
        FirmwareAccountsCheck(),
        FirmwareSecretsCheck(),
        FirmwareBootServicesCheck(),
        FirmwareUpdateCheck(),
        FirmwareComponentsCheck(),
    ],
)
def test_a_check_budget_outlasts_the_configured_unpack_time(check: Check, clean: Path) -> None:
    slow = given(clean, timeout_s=3000)
    assert budget(check, None, slow) > 3000  # the unpack's own limit decides, not the runner
    assert budget(check, None, given(clean)) > FirmwareParams(image="x").timeout_s
    assert budget(check, 20, slow) == 20  # --timeout: the user's word wins


def test_the_accounts_budget_covers_every_same_model_image(clean: Path) -> None:
    inputs = given(clean, timeout_s=1000, same_model=(str(clean), str(clean)))
    assert budget(FirmwareAccountsCheck(), None, inputs) > 3 * 1000


def test_only_checks_keeps_the_checks_of_one_family(clean: Path) -> None:
    profile = ProductProfile(
        vendor="Lab", product="IPCAM", model_numbers=("IPCAM-LAB",), product_type="camera",
        firmware_version="1.0.3", firmware=FirmwareParams(image=str(clean)),
    )  # fmt: skip
    plan = build_plan(load_catalog(), profile)
    for prefix in ("firmware.", "network."):
        kept = only_checks(plan, prefix)
        assert kept.requirements and all(c.startswith(prefix) for c in kept.check_ids)
        bound = {
            r.requirement for r in plan.requirements if any(c.startswith(prefix) for c in r.checks)
        }
        assert {r.requirement for r in kept.requirements} == bound
