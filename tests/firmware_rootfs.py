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


def tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (path under ``root`` -> text or bytes) and return ``root``."""
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


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


# --- real-world families ---------------------------------------------------------------------
#
# Modelled on what vendor images look like once unpacked (OpenWrt, Broadcom/TP-Link-style
# consumer routers, a Debian installer initrd): account files written at run time, defaults
# copied at boot, UCI and nvram configuration, glibc's nsswitch.conf and PAM, a dpkg database.

#: the well-known vendor password hashed into the OpenWrt-like overlay's /etc/shadow
OPENWRT_ROOT_PASSWORD = "admin"
#: cleartext secrets of the OpenWrt-like overlay's UCI files; reports must never contain them
UCI_MQTT_PASSWORD = "hunter2-Mqtt-9"
UCI_WIFI_KEY = "Wifi-Psk-7Kq2x9"
#: the password of the shadow file the boot-copy image installs at boot
BOOTCOPY_PASSWORD = "admin"
#: the Broadcom-like router's web login in its nvram defaults
NVRAM_HTTP_PASSWORD = "admin"
GLIBC_DEBIAN = "2.36-9+deb12u4"


def _busybox_applets(root: Path, busybox: str, applets: tuple[str, ...]) -> None:
    _write(root, "bin/busybox", _binary(busybox), 0o755)
    for applet in applets:
        _link(root, applet, "/bin/busybox")


def make_openwrt(directory: Path) -> Path:
    """A deliberately vulnerable OpenWrt overlay: passwd written to /tmp at boot (the
    link dangles in the image), root's MD5-crypt of a vendor default in /etc/shadow, UCI
    configuration with a cleartext MQTT password and a Wi-Fi key, telnetd started by
    procd."""
    root = directory
    root.mkdir(parents=True, exist_ok=True)
    _busybox_applets(
        root,
        "BusyBox v1.36.1 (2023-10-09 21:45:35 UTC) multi-call binary.",
        ("bin/sh", "bin/ash", "sbin/init", "usr/sbin/telnetd", "bin/login"),
    )
    _write(root, "lib/libc.so", _binary("musl libc (mips)"))
    _write(root, "usr/sbin/dropbear", _binary("SSH-2.0-dropbear_2022.82"), 0o755)
    _link(root, "etc/passwd", "/tmp/passwd")  # /etc/passwd is made by /etc/init.d/boot
    root_hash = md5_crypt.using(salt="wrt4Salt").hash(OPENWRT_ROOT_PASSWORD)
    _write(
        root,
        "etc/shadow",
        f"root:{root_hash}:19000:0:99999:7:::\ndaemon:*:0:0:99999:7:::\n"
        "ftp:*:0:0:99999:7:::\nnetwork:*:0:0:99999:7:::\nnobody:*:0:0:99999:7:::\n",
        0o600,
    )
    _write(root, "etc/group", "root:x:0:\ndaemon:x:1:\nnetwork:x:101:\nnogroup:x:65534:\n")
    _write(
        root,
        "etc/inittab",
        "::sysinit:/etc/init.d/rcS S boot\n::shutdown:/etc/init.d/rcS K shutdown\n"
        "::askconsole:/usr/libexec/login.sh\n",
    )
    _write(
        root,
        "etc/init.d/boot",
        "#!/bin/sh /etc/rc.common\nSTART=10\nboot() {\n"
        "\t[ -f /tmp/passwd ] || cp /rom/etc/passwd.template /tmp/passwd 2>/dev/null\n"
        "\tmkdir -p /var/run\n}\n",
        0o755,
    )
    _write(
        root,
        "etc/init.d/telnet",
        "#!/bin/sh /etc/rc.common\nSTART=50\nUSE_PROCD=1\nstart_service() {\n"
        "\tprocd_open_instance\n\tprocd_set_param command /usr/sbin/telnetd -F -l /bin/login\n"
        "\tprocd_close_instance\n}\n",
        0o755,
    )
    _write(
        root,
        "etc/config/system",
        "config system\n\toption hostname 'OpenWrt'\n\toption timezone 'UTC'\n",
    )
    _write(
        root,
        "etc/config/rpcd",
        "config rpcd\n\toption socket /var/run/ubus/ubus.sock\n\toption timeout 30\n\n"
        "config login\n\toption username 'root'\n\toption password '$p$root'\n"
        "\tlist read '*'\n\tlist write '*'\n",
    )
    _write(
        root,
        "etc/config/mosquitto",
        "config owrt 'owrt'\n\toption use_uci '1'\n\n"
        f"config bridge\n\toption connection 'cloud'\n\toption remote_username 'gw'\n"
        f"\toption remote_password '{UCI_MQTT_PASSWORD}'\n",
    )
    _write(
        root,
        "etc/config/wireless",
        "config wifi-device 'radio0'\n\toption type 'mac80211'\n\toption channel '11'\n\n"
        "config wifi-iface 'default_radio0'\n\toption device 'radio0'\n\toption mode 'ap'\n"
        f"\toption ssid 'OpenWrt'\n\toption encryption 'psk2'\n\toption key '{UCI_WIFI_KEY}'\n"
        "\n\nconfig wifi-iface 'guest'\n\toption device 'radio0'\n\toption encryption 'none'\n"
        "\toption key ''\n",
    )
    _write(
        root,
        "etc/config/dropbear",
        "config dropbear\n\toption PasswordAuth 'on'\n\toption RootPasswordAuth 'on'\n"
        "\toption Port '22'\n",
    )
    _write(
        root,
        "usr/lib/opkg/status",
        "Package: busybox\nVersion: 1.36.1-1\nStatus: install user installed\n"
        "Architecture: mipsel_24kc\n\n",
    )
    for directory_name in ("tmp", "proc", "dev", "rom", "overlay"):
        (root / directory_name).mkdir(exist_ok=True)
    return root


def make_broadcom(directory: Path) -> Path:
    """A Broadcom/TP-Link-style consumer router on uClibc 0.9.33: /etc/passwd and
    /etc/shadow link to /var, written at boot from /etc/defaults by rcS; the web login in
    an nvram defaults dump (``key=value\\0``); telnetd from inetd; glibc-style nsswitch.conf
    left in /etc by the SDK."""
    root = directory
    root.mkdir(parents=True, exist_ok=True)
    _busybox_applets(
        root,
        "BusyBox v1.01 (2015.06.23-07:32+0000) multi-call binary",
        ("bin/sh", "sbin/init", "usr/sbin/inetd", "usr/sbin/telnetd", "bin/login"),
    )
    _write(root, "lib/libuClibc-0.9.33.2.so", _binary("uClibc 0.9.33.2"))
    _link(root, "lib/libc.so.0", "libuClibc-0.9.33.2.so")
    _write(root, "lib/ld-uClibc-0.9.33.2.so", _binary("ld-uClibc"))
    _write(root, "usr/sbin/httpd", _binary("Broadcom httpd"), 0o755)
    _link(root, "etc/passwd", "/var/passwd")
    _link(root, "etc/shadow", "/var/shadow")
    root_hash = md5_crypt.using(salt="bcmSa1t").hash("admin")  # TP-Link's well-known default
    _write(
        root, "etc/defaults/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:99:99::/:/bin/false\n"
    )
    _write(
        root,
        "etc/defaults/login.db",
        f"root:{root_hash}:15000:0:99999:7:::\nnobody:*:15000::::::\n",
    )
    _write(
        root,
        "etc/init.d/rcS",
        "#!/bin/sh\nmount -a\nmkdir -p /var/tmp /var/run\n"
        "cp -p /etc/defaults/passwd /var/passwd\n"
        "cat /etc/defaults/login.db > /var/shadow\n"
        "nvram restore /etc/defaults/nvram.default\n"
        "/usr/sbin/inetd\n/usr/sbin/httpd -p 80 &\n",
        0o755,
    )
    _write(
        root,
        "etc/inittab",
        "::sysinit:/etc/init.d/rcS\n::respawn:/sbin/getty -L ttyS0 115200 vt100\n",
    )
    _write(
        root,
        "etc/inetd.conf",
        "telnet stream tcp nowait root /usr/sbin/telnetd telnetd\n",
    )
    nvram = {
        "lan_ipaddr": "192.168.0.1",
        "http_username": "admin",
        "http_passwd": NVRAM_HTTP_PASSWORD,
        "wl0_ssid": "TP-LINK_2.4GHz",
        "wl0_wpa_psk": "",
        "pppoe_passwd": "",
        "wan_proto": "dhcp",
    }
    dump = b"".join(f"{k}={v}".encode() + b"\0" for k, v in nvram.items())
    _write(root, "etc/defaults/nvram.default", dump + b"\0")
    _write(
        root,
        "etc/nsswitch.conf",
        "passwd: files\nshadow: files\ngroup: files\nhosts: files dns\nnetworks: files\n",
    )
    _write(root, "etc/group", "root:x:0:\nshadow:x:42:\nnobody:x:99:\n")
    for directory_name in ("var", "tmp", "proc", "dev"):
        (root / directory_name).mkdir(exist_ok=True)
    return root


def make_bootcopy(directory: Path) -> Path:
    """An otherwise careful camera whose only shadow file is copied into place at boot:
    ``root:x`` in /etc/passwd, no /etc/shadow, and rcS doing ``cp /usr/share/defaults/shadow
    /etc/shadow``, that file holding the hash of ``admin``."""
    root = directory
    root.mkdir(parents=True, exist_ok=True)
    _common(root)
    _write(
        root,
        "etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000:admin:/home/admin:/bin/sh\n",
    )
    admin_hash = sha512_crypt.using(salt="CamDefaults", rounds=5000).hash(BOOTCOPY_PASSWORD)
    _write(
        root,
        "usr/share/defaults/shadow",
        f"root:*:19000:0:99999:7:::\nadmin:{admin_hash}:19000:0:99999:7:::\n",
        0o600,
    )
    _write(
        root, "etc/inittab", "::sysinit:/etc/init.d/rcS\n::respawn:/sbin/getty -L ttyS0 115200\n"
    )
    _write(
        root,
        "etc/init.d/rcS",
        "#!/bin/sh\nmount -t tmpfs tmpfs /etc/rw\n"
        "[ -f /etc/shadow ] || cp /usr/share/defaults/shadow /etc/shadow\n"
        "chmod 600 /etc/shadow\n/usr/sbin/dropbear -w -s -p 22\n"
        "/usr/sbin/lighttpd -f /etc/lighttpd.conf\n",
        0o755,
    )
    return root


def make_debian_initrd(directory: Path) -> Path:
    """A Debian installer-like initrd on glibc: nsswitch.conf, PAM configuration,
    login.defs, documentation with ``changeme`` examples, a ``.sample`` config, env, JSON
    and INI files with empty or placeholder passwords, locked accounts and a dpkg status
    database. Nothing in it is a default password or a stored secret."""
    root = directory
    root.mkdir(parents=True, exist_ok=True)
    _busybox_applets(
        root,
        "BusyBox v1.35.0 (Debian 1:1.35.0-4+b3) multi-call binary.",
        ("bin/sh", "sbin/init", "sbin/getty"),
    )
    _write(
        root,
        "lib/x86_64-linux-gnu/libc.so.6",
        _binary(f"GNU C Library (Debian GLIBC {GLIBC_DEBIAN}) stable release version 2.36."),
    )
    _write(root, "etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n'
           'VERSION_ID="12"\n')  # fmt: skip
    _write(root, "etc/debian_version", "12.5\n")
    _write(root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
           "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n")  # fmt: skip
    _write(root, "etc/shadow", "root:*:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\n", 0o600)
    _write(root, "etc/group", "root:x:0:\ndaemon:x:1:\nshadow:x:42:\nutmp:x:43:\n")
    _write(
        root,
        "etc/nsswitch.conf",
        "# /etc/nsswitch.conf\n\npasswd:         files\ngroup:          files\n"
        "shadow:         files\ngshadow:        files\n\nhosts:          files dns\n"
        "netgroup:       nis\npasswd_compat:  compat\n",
    )
    _write(
        root,
        "etc/pam.d/common-password",
        "password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n"
        "password\trequisite\t\t\tpam_deny.so\npassword\trequired\t\t\tpam_permit.so\n",
    )
    _write(root, "etc/pam.d/passwd", "@include common-password\n")
    _write(root, "etc/pam.conf", "# password: required\n")
    _write(
        root,
        "etc/login.defs",
        "PASS_MAX_DAYS\t99999\nPASS_MIN_DAYS\t0\nPASS_WARN_AGE\t7\nENCRYPT_METHOD SHA512\n",
    )
    _write(root, "etc/default/debian-installer", 'PASSWORD="${ROOT_PASSWORD}"\nUSER_PASSWD=\n')
    _write(
        root,
        "etc/wpa_supplicant/wpa_supplicant.conf.sample",
        'network={\n\tssid="example"\n\tpsk="changeme-please"\n\tpassword="changeme"\n}\n',
    )
    _write(root, "etc/network/interfaces.example", "wpa-psk your-passphrase-here\n")
    _write(
        root, "usr/share/doc/wget/examples/wgetrc", "password = changeme\nhttp_passwd = secret123\n"
    )
    _write(
        root, "usr/share/man/man5/netrc.5", ".TH NETRC 5\nmachine host login me password changeme\n"
    )
    _write(root, "etc/cdebconf.conf", "[database]\npassword =\ntoken =\n")
    _write(
        root, "etc/installer.json", '{"network": {"password": "", "psk": null, "token": "<token>"}}'
    )
    _write(root, "etc/inittab", "::sysinit:/etc/init.d/rcS\ntty1::respawn:/sbin/getty 38400 tty1\n")
    _write(root, "etc/init.d/rcS", "#!/bin/sh\nmount -t proc proc /proc\n"
           'PASS=$(debconf-get passwd/root-password)\n')  # fmt: skip
    _write(
        root,
        "var/lib/dpkg/status",
        "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\n"
        f"Source: glibc\nVersion: {GLIBC_DEBIAN}\n\n"
        "Package: busybox\nStatus: install ok installed\nArchitecture: amd64\n"
        "Version: 1:1.35.0-4+b3\n\n"
        "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\n"
        "Source: openssl (3.0.11-1~deb12u2)\nVersion: 3.0.11-1~deb12u2\n\n"
        "Package: old-pkg\nStatus: deinstall ok config-files\nVersion: 1.0\n\n",
    )
    for directory_name in ("tmp", "proc", "dev", "var/run"):
        (root / directory_name).mkdir(parents=True, exist_ok=True)
    return root


FAMILIES = {
    "openwrt": make_openwrt,
    "broadcom": make_broadcom,
    "bootcopy": make_bootcopy,
    "debian-initrd": make_debian_initrd,
}
