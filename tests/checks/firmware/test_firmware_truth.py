"""Verdicts that hold on real firmware: the image families of tests/firmware_rootfs.py
(an OpenWrt overlay, a Broadcom/TP-Link-style router, a camera whose shadow file is
copied into place at boot, a Debian installer initrd) through ``jcstar firmware`` and
``jcstar assess``, asserting what a user sees: verdicts and their evidence."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jcstar.checks.firmware.accounts import accounts_observation, scan_accounts
from jcstar.checks.firmware.collect.configfiles import judge, nvram_records
from jcstar.checks.firmware.components import binary_components, package_components
from jcstar.checks.firmware.secrets import nvram_secrets, text_secrets
from tests import firmware_images as fi
from tests.conftest import CONFORMANT, invoke, require_tool
from tests.firmware_rootfs import (
    BOOTCOPY_PASSWORD,
    GLIBC_DEBIAN,
    UCI_MQTT_PASSWORD,
    UCI_WIFI_KEY,
    make_bootcopy,
    make_broadcom,
    make_debian_initrd,
    make_openwrt,
    tree,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from passlib.hash import md5_crypt, sha512_crypt


def firmware(cli: CliRunner, image: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = invoke(cli, "firmware", str(image), "--format", "json", *args)
    assert out, err
    return code, json.loads(out), err


def verdict(report: dict[str, Any], requirement: str) -> tuple[str, str]:
    """(verdict, every reason and evidence summary) of one requirement."""
    (found,) = [v for v in report["verdicts"] if v["requirement"] == requirement]
    text = " ".join([*found["reasons"], *(e["summary"] for e in found["evidence"])])
    return found["verdict"], text


# --- 8: no false cleartext passwords -----------------------------------------------------------


def test_a_debian_initrd_comes_out_clean(cli: CliRunner, tmp_path: Path) -> None:
    """nsswitch.conf (passwd: files), PAM, group, login.defs, man pages, *.sample files,
    empty and placeholder settings: none is a stored password."""
    code, report, err = firmware(cli, make_debian_initrd(tmp_path / "initrd"))
    assert code == 3, err  # nothing failed; the rest needs the vendor's answers
    for requirement in ("S1.1-02", "S1.1-11", "S1.1-13"):
        found, text = verdict(report, requirement)
        assert found == "NEEDS_REVIEW", (requirement, text)
    assert "nsswitch" not in json.dumps(report)
    assert "cleartext password" not in json.dumps(report)


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/etc/nsswitch.conf", "passwd: files\nshadow: compat\ngroup: files\n"),
        ("/usr/share/libc/nsswitch.conf", "passwd:    files systemd\n"),
        ("/etc/pam.d/login", "password required pam_unix.so\n"),
        ("/etc/auth.yaml", "password: required\npasswd: optional\n"),
        ("/etc/group", "passwd:x:45:\nshadow:x:42:\n"),
        ("/etc/app.conf", "password=\npassword = \npasswd=''\n"),
        ("/etc/app.env", 'PASSWORD="${PASSWORD}"\nDB_PASS=$DB_PASS\nPASS=$(cat /run/p)\n'),
        ("/etc/app.ini", "[db]\npassword = <your password>\npwd = %s\n"),
        ("/etc/app.conf", "password=changeme\npassword: your-password-here\npsk=xxxxxxxx\n"),
        ("/etc/app.conf", "password_file=/etc/app/secret\npassword_min_length=12\n"),
        ("/etc/app.conf", "PASS_MAX_DAYS 99999\nadmin_password=$1$ab$0123456789abcdefghijkl\n"),
        ("/etc/wpa_supplicant.conf.sample", 'psk="Real-looking-9"\n'),
        ("/usr/share/doc/app/examples/app.conf", "password = S3cret-in-docs\n"),
        ("/usr/share/man/man5/app.conf.5", "password = S3cret-in-a-man-page\n"),
        (
            "/etc/config/rpcd",
            "config login\n\toption username 'root'\n\toption password '$p$root'\n",
        ),
        ("/etc/config/wireless", "config wifi-iface\n\toption key ''\n\toption key '1'\n"),
        ("/etc/app.json", '{"password": "", "token": null, "psk": "${PSK}"}'),
        ("/www/i18n/fr.json", '{"password": "Mot de passe", "login": {"pwd": "Password:"}}'),
        ("/etc/www/login.js", "var cfg = {\n  password: form.pw.value,\n};\n"),
        ("/etc/app.conf", 'password = document.getElementById("pw").value;\n'),
    ],
)
def test_names_and_placeholders_are_not_passwords(path: str, text: str) -> None:
    assert text_secrets(text, path) == []


# --- 11: configuration formats of real devices ---------------------------------------------------


UCI_BRIDGE = "config bridge\n\toption password 'hunter2'\n"
UCI_AP = "config wifi-iface 'ap'\n\toption key \"Wifi-Key-99\"\n"
UCI_VPN = "config openvpn\n\tlist auth_pass Vpn-Pass-1\n"


@pytest.mark.parametrize(
    ("path", "text", "key", "value"),
    [
        ("/etc/config/mosquitto", UCI_BRIDGE, "password", "hunter2"),
        ("/etc/config/wireless", UCI_AP, "key", "Wifi-Key-99"),
        ("/etc/config/openvpn", UCI_VPN, "auth_pass", "Vpn-Pass-1"),
        ("/etc/default/app", 'export ADMIN_PASSWORD="S3-Env"\n', "ADMIN_PASSWORD", "S3-Env"),
        ("/etc/app.ini", "[admin]\npassword = S3-Ini ; factory\n", "password", "S3-Ini"),
        ("/etc/app.json", '{"auth":{"user":"u","password":"S3-Json"}}', "password", "S3-Json"),
        ("/etc/nvram.txt", "lan_ipaddr=10.0.0.1\nhttp_passwd=S3-Nv\n", "http_passwd", "S3-Nv"),
        ("/etc/app.yaml", "mqtt:\n  password: 'S3-Yaml'\n", "password", "S3-Yaml"),
    ],
)
def test_settings_are_read_by_their_format(path: str, text: str, key: str, value: str) -> None:
    (found,) = text_secrets(text, path)
    assert (found.key, found.kind) == (key, "password")
    assert value not in found.model_dump_json()  # a fingerprint, never the value


def test_nvram_dumps_are_read_as_records() -> None:
    dump = b"FLSH\x00\x10\x00\x00lan_ipaddr=192.168.1.1\0http_passwd=S3cret-Nv\0wl0_wpa_psk=\0"
    dump += b"wan_proto=dhcp\0\0"
    assert nvram_records(dump) is not None
    (found,) = nvram_secrets(dump, "/dev/mtd/nvram")
    assert found.key == "http_passwd" and found.line is None
    assert nvram_secrets(b"\x7fELF\0http_passwd=%s\0a=b\0c=d\0", "/usr/sbin/httpd") == []


@pytest.mark.parametrize(
    ("value", "judged"),
    [
        ("", "empty"),
        ("${PASSWORD}", "reference"),
        ("$p$root", "reference"),
        ("{{ password }}", "reference"),
        ("/etc/ssl/private/key.pem", "reference"),
        ("changeme", "dummy"),
        ("your-password-here", "dummy"),
        ("********", "dummy"),
        ("hunter2", "value"),
        ("admin", "value"),
    ],
)
def test_a_value_is_judged_by_what_it_is(value: str, judged: str) -> None:
    assert judge(value) == judged


def test_openwrt_uci_secrets_fail_s1_1_11(cli: CliRunner, tmp_path: Path) -> None:
    code, report, err = firmware(cli, make_openwrt(tmp_path / "openwrt"))
    assert code == 1, err
    found, text = verdict(report, "S1.1-11")
    assert found == "NOT_MET"
    assert "/etc/config/mosquitto:7 (remote_password): cleartext password" in text
    assert "/etc/config/wireless:10 (key): Wi-Fi key in clear" in text
    assert "rpcd" not in text  # $p$root points at the system password
    raw = json.dumps(report)
    assert UCI_MQTT_PASSWORD not in raw and UCI_WIFI_KEY not in raw


# --- 9: accounts that live in /etc/shadow only ---------------------------------------------------


def test_openwrt_shadow_is_read_when_passwd_is_written_at_run_time(
    cli: CliRunner, tmp_path: Path
) -> None:
    _, report, _ = firmware(cli, make_openwrt(tmp_path / "openwrt"))
    found, text = verdict(report, "S1.1-02")
    assert found == "NOT_MET"
    assert "/etc/shadow: root has the known default password 'admin' (md5_crypt)" in text
    assert "not determinable from the image: /etc/passwd is copied to /tmp/passwd" in text
    assert "locked" not in text


@pytest.mark.external
@pytest.mark.slow
def test_openwrt_squashfs_shadow_hash_fails(cli: CliRunner, tmp_path: Path) -> None:
    require_tool("mksquashfs")
    require_tool("unsquashfs")
    image = fi.squashfs(make_openwrt(tmp_path / "openwrt"), tmp_path / "openwrt.squashfs")
    code, report, err = firmware(cli, image)
    assert code == 1, err
    found, text = verdict(report, "S1.1-02")
    assert found == "NOT_MET" and "root has the known default password 'admin'" in text


def test_shadow_only_units_share_their_default(cli: CliRunner, tmp_path: Path) -> None:
    first = make_openwrt(tmp_path / "unit-a")
    second = tmp_path / "unit-b"
    shutil.copytree(first, second, symlinks=True)
    (second / "etc/hostname").write_text("unit-b\n")
    code, report, err = firmware(cli, first, "--same-model", str(second))
    assert code == 1, err
    found, text = verdict(report, "S1.1-02")
    assert found == "NOT_MET"
    assert "a shared default: root (/etc/shadow, md5_crypt) in unit-a, unit-b" in text


def test_a_dangling_passwd_is_not_determinable_never_locked(cli: CliRunner, tmp_path: Path) -> None:
    root = tree(
        tmp_path / "fw", {"bin/busybox": b"\x7fELF", "etc/inittab": "::sysinit:/etc/init.d/rcS\n"}
    )
    (root / "etc/passwd").symlink_to("/var/passwd")
    (root / "etc/shadow").symlink_to("/var/shadow")
    code, report, err = firmware(cli, root)
    found, text = verdict(report, "S1.1-02")
    assert found == "NEEDS_REVIEW", text
    assert "not determinable from the image: /etc/passwd links to /var/passwd" in text
    assert "locked" not in text
    assert code == 3, err


def test_root_x_without_a_shadow_file_is_not_locked(tmp_path: Path) -> None:
    root = tree(tmp_path, {"etc/passwd": "root:x:0:0::/root:/bin/sh\nftp:*:1:1::/:/bin/false\n"})
    observation = accounts_observation([("", scan_accounts(root))], complete=True)
    assert observation.outcome == "info"  # NEEDS_REVIEW, never a pass
    assert "the password of root is kept in a shadow file the image does not hold" in (
        observation.message
    )
    assert "every account" not in observation.message


# --- 9b: credentials put in place at boot -------------------------------------------------------


def _assess_with_answers(cli: CliRunner, image: Path) -> tuple[int, dict[str, Any], str]:
    profile = image.parent / "profile.yaml"
    profile.write_text(
        "vendor: V\nproduct: Cam\nmodel_numbers: [C1]\nproduct_type: camera\n"
        'firmware_version: "1"\nfacts:\n  uses_passwords: true\n  user_authentication: true\n'
        f"  network_user_auth: true\nfirmware:\n  image: {image.name}\n"
    )
    answers = CONFORMANT / "answers.yaml"  # every requirement claimed, with evidence
    code, out, err = invoke(cli, "assess", str(profile), "--answers", str(answers))
    return code, json.loads(out), err


def test_a_shadow_copied_at_boot_beats_the_vendor_claim(cli: CliRunner, tmp_path: Path) -> None:
    code, report, err = _assess_with_answers(cli, make_bootcopy(tmp_path / "camera"))
    assert code == 1, err
    assert report["overall"] == "NOT_CONFORMANT"
    found, text = verdict(report, "S1.1-02")
    assert found == "NOT_MET"
    assert (
        "/usr/share/defaults/shadow (copied to /etc/shadow at boot by /etc/init.d/rcS:3): "
        f"admin has the known default password '{BOOTCOPY_PASSWORD}' (sha512_crypt)"
    ) in text


def test_broadcom_defaults_copied_at_boot_and_nvram_logins_fail(
    cli: CliRunner, tmp_path: Path
) -> None:
    code, report, err = firmware(cli, make_broadcom(tmp_path / "router"))
    assert code == 1, err
    found, text = verdict(report, "S1.1-02")
    assert found == "NOT_MET"
    assert (
        "/etc/defaults/login.db (copied to /var/shadow at boot by /etc/init.d/rcS:5): "
        "root has the known default password 'admin' (md5_crypt)"
    ) in text
    assert "/etc/defaults/nvram.default (http_passwd): admin has the known default password" in text
    found, text = verdict(report, "S1.1-11")
    assert found == "NOT_MET" and "nsswitch" not in text
    assert "/etc/defaults/nvram.default (http_passwd): cleartext password" in text


@pytest.mark.parametrize(
    ("files", "where"),
    [
        (  # a defaults directory nobody copies from in a script we can read
            {"etc/passwd": "root:x:0:0::/:/bin/sh\n",
             "etc/default/shadow.default": "root:{md5}:1:0:99999:7:::\n"},
            "/etc/default/shadow.default",
        ),
        (  # ln -s at boot, from a file of another name
            {"etc/passwd": "admin:x:1:1::/:/bin/sh\n", "etc/factory/users": "admin:{md5}:1::::::\n",
             "etc/init.d/S01accounts": "#!/bin/sh\nln -sf /etc/factory/users /tmp/shadow\n",
             "etc/inittab": "::sysinit:/etc/init.d/S01accounts\n"},
            "/etc/factory/users (copied to /tmp/shadow at boot by /etc/init.d/S01accounts:2)",
        ),
        (  # a hash echoed into the shadow file by the boot script
            {"etc/passwd": "root:x:0:0::/:/bin/sh\n",
             "etc/rc.local": "echo 'root:{md5}:1::::::' > /etc/shadow\n"},
            "/etc/rc.local:1 (written at boot)",
        ),
        (  # an OpenWrt login with a cleartext password in UCI
            {"etc/config/rpcd": "config login\n\toption username 'admin'\n"
                                "\toption password 'admin'\n",
             "etc/shadow": "root:*:1::::::\n"},
            "/etc/config/rpcd (password)",
        ),
    ],
)  # fmt: skip
def test_default_passwords_wherever_the_image_keeps_them(
    tmp_path: Path, files: dict[str, str], where: str
) -> None:
    stored = md5_crypt.using(salt="v3nd0r").hash("admin")
    root = tree(tmp_path, {path: text.replace("{md5}", stored) for path, text in files.items()})
    observation = accounts_observation([("", scan_accounts(root))], complete=True)
    assert observation.outcome == "fail", observation.message
    assert f"{where}: " in observation.message
    assert "known default password 'admin'" in observation.message


def test_a_unique_password_copied_at_boot_is_no_failure(tmp_path: Path) -> None:
    stored = sha512_crypt.using(rounds=5000).hash("Unique-per-model-7f!")
    root = tree(
        tmp_path,
        {
            "etc/passwd": "root:x:0:0::/:/bin/sh\n",
            "usr/share/defaults/shadow": f"root:{stored}:1::::::\n",
            "etc/init.d/rcS": "cp /usr/share/defaults/shadow /tmp/shadow\n",
        },
    )
    observation = accounts_observation([("", scan_accounts(root))], complete=True)
    assert observation.outcome == "pass" and not observation.conclusive
    assert "root has a password set in the image" in observation.message


# --- 12: SBOM components --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marker", "version"),
    [
        ("BusyBox v1.01 (2015.06.23-07:32+0000) multi-call binary", "1.01"),
        ("BusyBox vv1.9.1 (2012-01-01)", "1.9.1"),
        ("BusyBox v1.19.4 (2015-03-10 11:12:13 CST) multi-call binary", "1.19.4"),
    ],
)
def test_busybox_as_vendors_print_it(tmp_path: Path, marker: str, version: str) -> None:
    root = tree(tmp_path, {"bin/busybox": b"\x7fELF" + b"\0" * 60 + marker.encode() + b"\0"})
    assert [(c.name, c.version) for c in binary_components(root)] == [("busybox", version)]


def test_uclibc_0_9_is_uclibc_and_1_0_is_uclibc_ng(tmp_path: Path) -> None:
    root = tree(tmp_path, {"lib/libuClibc-0.9.33.2.so": b"\x7fELF", "b/libuClibc-1.0.45.so": b""})
    found = {(c.name, c.version, c.purl) for c in binary_components(root)}
    assert found == {
        ("uclibc", "0.9.33.2", "pkg:generic/uclibc@0.9.33.2"),
        ("uclibc-ng", "1.0.45", "pkg:generic/uclibc-ng@1.0.45"),
    }


def test_broadcom_components_and_inetd_telnet_counted_once(cli: CliRunner, tmp_path: Path) -> None:
    _, report, _ = firmware(cli, make_broadcom(tmp_path / "router"))
    found, text = verdict(report, "S1.1-13")
    assert found == "NOT_MET"
    assert "1 high-risk service(s) started at boot: /etc/inetd.conf:1 telnet" in text
    (sbom,) = [
        o
        for a in report["attempts"]
        if a["check"] == "firmware.components"
        for o in a["observations"]
        if o["topic"] == "sbom"
    ]
    names = {(c["name"], c["version"]) for c in sbom["details"]["components"]}
    assert names == {("busybox", "1.01"), ("uclibc", "0.9.33.2")}


DEBIAN_FEED = {
    "vulns": [
        {
            "id": "DSA-5678-1",
            "summary": "glibc security update",
            "affected": [
                {
                    "package": {
                        "ecosystem": "Debian:12",
                        "name": "glibc",
                        "purl": "pkg:deb/debian/glibc?arch=source",
                    },
                    "ranges": [
                        {
                            "type": "ECOSYSTEM",
                            "events": [{"introduced": "0"}, {"fixed": "2.36-9+deb12u7"}],
                        }
                    ],
                }
            ],
        },
        {
            "id": "DLA-0001-1",
            "affected": [
                {
                    "package": {"ecosystem": "Debian:12", "name": "openssl"},
                    "ranges": [
                        {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.9-1"}]}
                    ],
                }
            ],
        },
    ]
}


def test_dpkg_packages_carry_debian_purls_and_source_packages(tmp_path: Path) -> None:
    root = make_debian_initrd(tmp_path / "initrd")
    by_name = {c.name: c for c in package_components(root)}
    assert set(by_name) == {"libc6", "busybox", "libssl3"}  # not the config-files one
    libc = by_name["libc6"]
    assert libc.purl == "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64"
    assert (libc.source_package, libc.ecosystem) == ("glibc", "Debian")
    assert by_name["libssl3"].source_version == "3.0.11-1~deb12u2"


def test_debian_keyed_advisories_reach_the_firmware_table(cli: CliRunner, tmp_path: Path) -> None:
    root = make_debian_initrd(tmp_path / "initrd")
    feed = tmp_path / "debian-osv.json"
    feed.write_text(json.dumps(DEBIAN_FEED))
    code, out, err = invoke(cli, "firmware", str(root), "--vuln-feed", str(feed))
    assert code == 3, err
    assert "Known vulnerabilities" in out
    assert "DSA-5678-1" in out and "2.36-9+deb12u7" in out  # libc6, built from glibc
    assert "DLA-0001-1" not in out  # libssl3 3.0.11 is past the fix
    _, report, _ = firmware(cli, root, "--vuln-feed", str(feed))
    (matches,) = [
        o["details"]["matches"]
        for a in report["attempts"]
        for o in a["observations"]
        if o["topic"] == "known_vulnerabilities"
    ]
    assert [(m["id"], m["component"]) for m in matches] == [("DSA-5678-1", f"libc6@{GLIBC_DEBIAN}")]
