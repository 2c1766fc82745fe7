"""Build a small busybox-like root filesystem for the firmware tests.

``make_rootfs(dir, vulnerable=True)`` ships every defect the firmware checks look for:
root's password is Mirai's ``xc3511`` (md5crypt), ``guest`` has an empty password, a
PEM private key with its certificate, a dropbear host key, an API token and a cleartext
password in config files, telnetd and a password-root dropbear started by rcS, a root
shell on the serial console, adbd enabled in systemd, sshd allowing root passwords and
an update script that never checks a signature. ``vulnerable=False`` gives the same
device done right. The binaries are stand-ins that carry real version strings; pack
the tree with mksquashfs, cpio or tar to make an image.
"""

from __future__ import annotations

import os
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from passlib.hash import md5_crypt, sha512_crypt

DEFAULT_ROOT_PASSWORD = "xc3511"
#: secret values planted in the vulnerable tree; reports must never contain them
API_TOKEN = "ghp_" + "Zx8Qm2Lk9Vb4Nc7Rt1Yw3Pa6Sd5Fg0Hj2Kl4"
CLEARTEXT_PASSWORD = "Mqtt-Br0ker-Pass!"
VERSIONS = {"busybox": "1.35.0", "dropbear": "2022.83", "openssl": "3.0.19", "lighttpd": "1.4.69"}
KERNEL = "4.9.118"


def _write(root: Path, path: str, data: str | bytes, mode: int = 0o644) -> Path:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data.encode() if isinstance(data, str) else data)
    target.chmod(mode)
    return target


def _link(root: Path, path: str, points_to: str) -> None:
    link = root / path.lstrip("/")
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(points_to, link)


def _binary(marker: str) -> bytes:
    """An ELF-looking stand-in carrying the version string the real binary has."""
    return b"\x7fELF\x01\x01\x01" + b"\0" * 57 + os.urandom(256) + marker.encode() + b"\0" * 64


def _mpint(value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big")
    return len(raw).to_bytes(4, "big") + raw


def dropbear_rsa_key(key: rsa.RSAPrivateKey) -> bytes:
    """A host key in dropbear's own format: string "ssh-rsa", mpints e, n, d, p, q."""
    numbers = key.private_numbers()
    public = numbers.public_numbers
    name = b"ssh-rsa"
    fields = (public.e, public.n, numbers.d, numbers.p, numbers.q)
    return len(name).to_bytes(4, "big") + name + b"".join(_mpint(v) for v in fields)


def self_signed(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, name: str) -> bytes:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime(2026, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def _common(root: Path) -> None:
    _write(
        root,
        "bin/busybox",
        _binary(f"BusyBox v{VERSIONS['busybox']} (2024-01-01) multi-call"),
        0o755,
    )
    for applet in ("bin/sh", "bin/login", "sbin/getty", "usr/sbin/telnetd", "sbin/init"):
        _link(root, applet, "/bin/busybox")  # absolute, as in real images
    _write(root, "usr/sbin/dropbear", _binary(f"SSH-2.0-dropbear_{VERSIONS['dropbear']}"), 0o755)
    _write(root, "usr/sbin/lighttpd", _binary(f"lighttpd/{VERSIONS['lighttpd']}"), 0o755)
    _write(root, "usr/lib/libcrypto.so.3", _binary(f"OpenSSL {VERSIONS['openssl']} 27 Jan 2026"))
    _write(root, f"lib/modules/{KERNEL}/modules.dep", "")
    _write(
        root,
        "usr/lib/opkg/status",
        "Package: zlib\nVersion: 1.2.11-1\nStatus: install user installed\nArchitecture: mips\n\n"
        "Package: libubox\nVersion: 2023-05-23\nStatus: install ok installed\n"
        "Architecture: mips\n\n"
        "Package: removed-pkg\nVersion: 1.0\nStatus: deinstall ok not-installed\n\n",
    )
    _write(root, "etc/os-release", 'NAME="LabOS"\nID=labos\nVERSION_ID=1.0\n')
    _write(root, "etc/version", "FW_VERSION=1.0.3\nMODEL=IPCAM-LAB\n")
    _write(root, "etc/group", "root:x:0:\nadmin:x:1000:\n")
    ca = ec.generate_private_key(ec.SECP256R1())
    _write(root, "etc/ssl/certs/vendor-ca.crt", self_signed(ca, "IPCAM-LAB vendor CA"))
    _write(root, "etc/lighttpd.conf", 'server.port = 443\nserver.document-root = "/www"\n')
    _write(root, "www/index.html", "<html><body>IPCAM-LAB</body></html>\n")
    for directory in ("proc", "dev", "tmp", "var/run"):
        (root / directory).mkdir(parents=True, exist_ok=True)


def _vulnerable(root: Path) -> None:
    root_hash = md5_crypt.using(salt="Lab0Salt").hash(DEFAULT_ROOT_PASSWORD)
    admin_hash = sha512_crypt.using(salt="Vend0rSa1t", rounds=5000).hash("Xq7-not-on-any-list")
    _write(
        root,
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000:admin:/home/admin:/bin/sh\n"
        "guest:x:1001:1001:guest:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
    )
    _write(
        root,
        "etc/shadow",
        f"root:{root_hash}:19000:0:99999:7:::\nadmin:{admin_hash}:19000:0:99999:7:::\n"
        "guest::19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n",
        0o600,
    )
    _write(
        root,
        "etc/inittab",
        "::sysinit:/etc/init.d/rcS\nttyS0::respawn:-/bin/sh\n::ctrlaltdel:/sbin/reboot\n",
    )
    _write(
        root,
        "etc/init.d/rcS",
        "#!/bin/sh\nmount -t proc proc /proc\n/usr/sbin/telnetd -l /bin/login\n"
        "/usr/sbin/dropbear -r /etc/dropbear/dropbear_rsa_host_key -p 22\n"
        "/usr/sbin/lighttpd -f /etc/lighttpd.conf\n",
        0o755,
    )
    _write(
        root,
        "lib/systemd/system/adbd.service",
        "[Unit]\nDescription=Android Debug Bridge\n[Service]\nExecStart=/usr/bin/adbd\n"
        "[Install]\nWantedBy=multi-user.target\n",
    )
    _link(root, "etc/systemd/system/multi-user.target.wants/adbd.service",
          "/lib/systemd/system/adbd.service")  # fmt: skip
    _write(
        root, "etc/ssh/sshd_config", "Port 22\nPermitRootLogin yes\nPasswordAuthentication yes\n"
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    _write(root, "etc/ssl/private/server.key", pem, 0o600)
    _write(root, "etc/ssl/server.crt", self_signed(key, "ipcam.local"))
    host_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    _write(root, "etc/dropbear/dropbear_rsa_host_key", dropbear_rsa_key(host_key), 0o600)
    _write(
        root,
        "etc/cloud.conf",
        f'[cloud]\nendpoint = "https://cloud.example.invalid/api"\napi_token = "{API_TOKEN}"\n',
    )
    _write(
        root,
        "etc/mqtt.conf",
        f"host=broker.example.invalid\nuser=cam\npassword={CLEARTEXT_PASSWORD}\n",
    )
    _write(
        root,
        "sbin/fw-update",
        "#!/bin/sh\n# write the new image straight to flash\n"
        'dd if="$1" of=/dev/mtdblock3 bs=64k\nreboot\n',
        0o755,
    )


def _clean(root: Path) -> None:
    admin_hash = "!"  # set by the user at first use
    _write(
        root,
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000:admin:/home/admin:/bin/sh\n"
        "nobody:x:65534:65534:nobody:/:/bin/false\n",
    )
    _write(
        root,
        "etc/shadow",
        f"root:*:19000:0:99999:7:::\nadmin:{admin_hash}:19000:0:99999:7:::\n"
        "nobody:*:19000:0:99999:7:::\n",
        0o600,
    )
    _write(
        root,
        "etc/inittab",
        "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n"
        "::shutdown:/bin/umount -a -r\n",
    )
    _write(
        root,
        "etc/init.d/rcS",
        "#!/bin/sh\nmount -t proc proc /proc\n# telnetd is not started in production\n"
        "killall telnetd 2>/dev/null\n/usr/sbin/dropbear -R -s -w -p 22\n"
        "/usr/sbin/lighttpd -f /etc/lighttpd.conf\n",
        0o755,
    )
    _write(
        root,
        "lib/systemd/system/camera.service",
        "[Service]\nExecStart=/usr/bin/camera-daemon --config /etc/camera.conf\n"
        "[Install]\nWantedBy=multi-user.target\n",
    )
    _link(root, "etc/systemd/system/multi-user.target.wants/camera.service",
          "/lib/systemd/system/camera.service")  # fmt: skip
    _write(root, "etc/ssh/sshd_config", "Port 22\nPermitRootLogin prohibit-password\n")
    device_key = ec.generate_private_key(ec.SECP256R1())
    encrypted = device_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"per-device-secret"),
    )
    _write(root, "etc/ssl/private/device.key", encrypted, 0o600)
    host = ed25519.Ed25519PrivateKey.generate().public_key()
    _write(
        root,
        "etc/ssh/ssh_host_ed25519_key.pub",
        host.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
    )
    _write(
        root,
        "etc/camera.conf",
        "# password=changeme   (set from the app at first use)\npassword_min_length = 12\n"
        "api_token = ${CLOUD_TOKEN}\nwpa_passphrase=\n",
    )
    update_key = ed25519.Ed25519PrivateKey.generate().public_key()
    _write(
        root,
        "etc/keys/update.pub",
        update_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    _write(
        root,
        "sbin/fw-update",
        "#!/bin/sh\nset -e\n"
        "openssl pkeyutl -verify -pubin -inkey /etc/keys/update.pub -rawin\\\n"
        '  -in "$1" -sigfile "$1.sig"\n'
        'dd if="$1" of=/dev/mtdblock3 bs=64k\nreboot\n',
        0o755,
    )


def make_rootfs(directory: Path, vulnerable: bool) -> Path:
    """Fill ``directory`` with the tree and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    _common(directory)
    (_vulnerable if vulnerable else _clean)(directory)
    return directory
