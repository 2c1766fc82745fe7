"""Lab devices whose web interface is more than one page (imported by device.load_profiles).

* ``open-settings``: lighttpd on 80, no authentication at all; the root page is the router's
  settings page (Wi-Fi SSID and WPA key, a "new admin password" form). S1.1-01 NOT_MET.
* ``public-landing``: lighttpd on 80; a public landing page that mentions admin, firmware,
  settings and network but gives none of them, linking to the real admin UI at ``/admin/``
  behind HTTP Basic with a random password. S1.1-01 is not NOT_MET.
* ``ratelimited-https``: nginx on 443 only (TLS 1.2+, self-signed RSA-2048 certificate); a
  public status page; HTTP Basic with a random password on ``/admin/`` (not linked: found
  from the common admin paths), behind ``limit_req`` with ``limit_req_status 429`` and a
  ``Retry-After`` header. S1.1-04 MET by the 429s.
* ``subpath-default``: lighttpd on 80; the root page sends the browser on to
  ``/cgi-bin/luci/`` (a meta refresh and a link, as OpenWrt's does); HTTP Basic
  ``admin:admin`` there only. S1.1-02 NOT_MET, found through the sub-path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.lab.device import (
    HOST,
    Daemon,
    Profile,
    _cert,
    _crypt,
    _password,
    _tool,
    _write,
    register_profile,
)

OPEN_SETTINGS_PAGE = """\
<html><head><title>WRX-3000 Wireless Router - Settings</title></head><body>
<h1>WRX-3000 settings</h1>
<h2>Wireless</h2>
<form method="post" action="/cgi-bin/apply.cgi">
<input type="hidden" name="page" value="wireless">
<label>SSID <input type="text" name="ssid" value="LAB-WIFI-5G"></label>
<label>Security <select name="security"><option selected>WPA2-PSK</option></select></label>
<label>Wi-Fi key <input type="password" name="wpa_psk" value="labwifi-9f3k2x"></label>
<input type="submit" value="Apply">
</form>
<h2>Administrator</h2>
<form method="post" action="/cgi-bin/apply.cgi">
<input type="hidden" name="page" value="admin">
<label>New admin password
  <input type="password" name="new_password" autocomplete="new-password"></label>
<label>Confirm password
  <input type="password" name="confirm_password" autocomplete="new-password"></label>
<input type="submit" value="Save">
</form>
</body></html>
"""

LANDING_PAGE = """\
<html><head><title>HGW-2200 Home Gateway</title></head><body>
<h1>HGW-2200 Home Gateway</h1>
<p>Welcome. This device's settings are managed by your administrator on the
<a href="/admin/">admin page</a>. Firmware updates are installed automatically.
Network status and Wi-Fi settings are not shown here. <a href="/help.html">Help</a></p>
<form action="/search.html"><input type="text" name="q"><input type="submit" value="Search"></form>
</body></html>
"""

LUCI_ROOT_PAGE = """\
<?xml version="1.0" encoding="utf-8"?>
<html><head><meta http-equiv="Cache-Control" content="no-cache" />
<meta http-equiv="refresh" content="0; URL=cgi-bin/luci/" /></head>
<body style="background-color: white">
<a style="color: black; font-family: arial, helvetica, sans-serif;" href="cgi-bin/luci/">
LuCI - Lua Configuration Interface</a></body></html>
"""


def _lighttpd(root: Path, auth: str = "") -> Daemon:
    conf = _write(root / "lighttpd/lighttpd.conf", f"""\
server.modules = ("mod_auth", "mod_authn_file", "mod_accesslog")
server.document-root = "{root}/www"
server.bind = "{HOST}"
server.port = 80
server.errorlog = "{root}/logs/lighttpd-error.log"
accesslog.filename = "{root}/logs/lighttpd-access.log"
index-file.names = ("index.html")
mimetype.assign = (".html" => "text/html", ".txt" => "text/plain", ".css" => "text/css")
{auth}
""")  # fmt: skip
    return Daemon("lighttpd", [_tool("lighttpd"), "-D", "-f", str(conf)], [80])


def _basic_on(root: Path, prefix: str, realm: str, user: str, password: str) -> str:
    users = _write(root / "lighttpd/users", f"{user}:{password}\n", 0o600)
    return (
        f'auth.backend = "plain"\nauth.backend.plain.userfile = "{users}"\n'
        f'auth.require = ("{prefix}" => ("method" => "basic", "realm" => "{realm}", '
        f'"require" => "valid-user"))'
    )


def _build_open_settings(root: Path) -> dict[str, Any]:
    _write(root / "www/index.html", OPEN_SETTINGS_PAGE)
    return {
        "daemons": [_lighttpd(root)],
        "services": {"http": 80},
        "credentials": {},
        "accounts": {"http": []},  # no login at all
        "nft_file": None,
    }


def _build_public_landing(root: Path) -> dict[str, Any]:
    password = _password()
    _write(root / "www/index.html", LANDING_PAGE)
    _write(root / "www/help.html", "<html><title>Help</title><body>Ask your admin.</body></html>\n")
    _write(
        root / "www/admin/index.html", "<html><title>Admin</title><body>Settings</body></html>\n"
    )
    auth = _basic_on(root, "/admin/", "HGW-2200 admin", "admin", password)
    return {
        "daemons": [_lighttpd(root, auth)],
        "services": {"http": 80},
        "credentials": {"http": ("admin", password)},
        "accounts": {"http": [("admin", password)]},
        "nft_file": None,
    }


def _build_subpath_default(root: Path) -> dict[str, Any]:
    _write(root / "www/index.html", LUCI_ROOT_PAGE)
    _write(root / "www/cgi-bin/luci/index.html",
           "<html><title>LuCI</title><body>Status</body></html>\n")  # fmt: skip
    auth = _basic_on(root, "/cgi-bin/luci", "LuCI", "admin", "admin")
    return {
        "daemons": [_lighttpd(root, auth)],
        "services": {"http": 80},
        "credentials": {"http": ("admin", "admin")},
        "accounts": {"http": [("admin", "admin")]},
        "nft_file": None,
    }


#: nginx's request limit on /admin/: 5 requests a second, 5 more in a burst, then 429
NGINX_RATE = "5r/s"
NGINX_BURST = 5


def _build_ratelimited_https(root: Path) -> dict[str, Any]:
    password = _password()
    _cert(root, 2048, "sha256", f"/CN={HOST}/O=Lab Rate-limited Router", 365, san=True)
    _write(root / "www/index.html",
           "<html><head><title>RT-500 status</title></head><body><h1>RT-500</h1>"
           "<p>Internet: connected</p></body></html>\n")  # fmt: skip
    _write(root / "www/admin/index.html", "<html><title>RT-500 admin</title>Settings</html>\n")
    users = _write(root / "nginx/htpasswd", f"admin:{_crypt(password)}\n", 0o600)
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (root / "nginx/tmp" / d).mkdir(parents=True, exist_ok=True)
    conf = _write(root / "nginx/nginx.conf", f"""\
daemon off;
master_process off;
worker_processes 1;
pid {root}/run/nginx-self.pid;
error_log {root}/logs/nginx-error.log;
events {{ worker_connections 64; }}
http {{
  access_log {root}/logs/nginx-access.log;
  client_body_temp_path {root}/nginx/tmp/body;
  proxy_temp_path {root}/nginx/tmp/proxy;
  fastcgi_temp_path {root}/nginx/tmp/fastcgi;
  uwsgi_temp_path {root}/nginx/tmp/uwsgi;
  scgi_temp_path {root}/nginx/tmp/scgi;
  types {{ text/html html; text/plain txt; }}
  server_tokens off;
  keepalive_timeout 0;
  limit_req_zone $binary_remote_addr zone=login:1m rate={NGINX_RATE};
  server {{
    listen {HOST}:443 ssl;
    server_name _;
    ssl_certificate {root}/tls/server.crt;
    ssl_certificate_key {root}/tls/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    root {root}/www;
    location /admin/ {{
      limit_req zone=login burst={NGINX_BURST} nodelay;
      limit_req_status 429;
      add_header Retry-After 1 always;
      auth_basic "RT-500 admin";
      auth_basic_user_file {users};
    }}
  }}
}}
""")  # fmt: skip
    nginx = Daemon("nginx", [_tool("nginx"), "-p", str(root / "nginx"), "-c", str(conf)], [443])
    return {
        "daemons": [nginx],
        "services": {"https": 443},
        "credentials": {"https": ("admin", password)},
        "accounts": {"https": [("admin", password)]},
        "nft_file": None,
    }


register_profile("open-settings", Profile(
    _build_open_settings, ("ip", "lighttpd"), busybox=False, lighttpd_tls=False))  # fmt: skip
register_profile("public-landing", Profile(
    _build_public_landing, ("ip", "lighttpd"), busybox=False, lighttpd_tls=False))  # fmt: skip
register_profile("subpath-default", Profile(
    _build_subpath_default, ("ip", "lighttpd"), busybox=False, lighttpd_tls=False))  # fmt: skip
register_profile("ratelimited-https", Profile(
    _build_ratelimited_https, ("ip", "openssl", "nginx"), busybox=False,
    lighttpd_tls=False))  # fmt: skip
