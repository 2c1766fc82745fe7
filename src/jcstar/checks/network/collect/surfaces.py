"""Which login surfaces a device offers, found once per run and shared by the checks.

For each scanned service we ask its login surface whether it gives access with
no credentials at all: ``accepted`` means open (S1.1-01), ``rejected`` means it
asks for credentials (a surface to test for defaults and brute force), ``error``
means we could not tell.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from jcstar.checks.base import CheckInput
from jcstar.checks.network.collect.device import device_params, device_scan, pacer
from jcstar.checks.network.collect.logins import (
    SURFACES,
    HttpBasicSurface,
    HttpFormSurface,
    LoginResult,
    LoginSurface,
)
from jcstar.checks.network.collect.logins.ssh import PASSWORD_NOT_OFFERED
from jcstar.checks.network.collect.scan import Service
from jcstar.checks.network.collect.web_pages import WEB_SERVICES, web_login_surfaces


@dataclass(frozen=True)
class Surface:
    service: Service
    login: LoginSurface
    open_result: LoginResult

    @property
    def name(self) -> str:
        """e.g. ``22/tcp ssh``; a web login below the root adds its path:
        ``443/tcp http-basic /admin/``"""
        path = getattr(self.login, "path", "/") if self.service.name in WEB_SERVICES else "/"
        suffix = f" {path}" if path not in ("", "/") else ""
        return f"{self.service.key} {self.login.service}{suffix}"

    @property
    def asks_for_credentials(self) -> bool:
        return self.open_result.outcome == "rejected"

    @property
    def takes_passwords(self) -> bool:
        """Asks for credentials and would take a password (SSH offering public keys only
        asks, but there is no password to guess)."""
        return self.asks_for_credentials and PASSWORD_NOT_OFFERED not in self.open_result.detail


def _with_tls(surface: LoginSurface, tls: bool) -> LoginSurface:
    if dataclasses.is_dataclass(surface) and any(
        f.name == "tls" for f in dataclasses.fields(surface)
    ):
        return dataclasses.replace(surface, tls=tls)
    return surface


def candidates(service: Service) -> list[LoginSurface]:
    """The login surface to ask for this service, if any."""
    name = service.name
    if name in ("http", "https"):
        # a fresh instance per device: it may remember the device's auth challenge
        return [dataclasses.replace(HttpBasicSurface(), tls=service.tls, remember=True)]
    # named by what the service spoke (services.py), plain or inside TLS: MQTT over TLS
    # (8883) is the same login as on 1883; Modbus/TCP and TFTP have no login at all
    if name in ("mqtt", "modbus"):
        return [_with_tls(SURFACES[name], service.tls)]
    if name == "tftp" and service.hands_out:
        return [SURFACES["tftp"]]
    if name in ("telnet", "ssh", "ftp", "rtsp") and not service.tls:
        return [SURFACES[name]]
    return []


def http_login_surface(surface: Surface) -> LoginSurface:
    """HTTP asks either with a 401 challenge (Basic/Digest) or with a login form, on the
    path where the surface was found."""
    if isinstance(surface.login, HttpFormSurface):
        return surface.login
    if "login form" in surface.open_result.detail:
        path = getattr(surface.login, "path", "/")
        return dataclasses.replace(HttpFormSurface(), tls=surface.service.tls, path=path)
    return surface.login


async def _discover(given: CheckInput) -> list[Surface]:
    device = device_params(given)
    limiter = pacer(given)
    found: list[Surface] = []
    for service in (await device_scan(given)).services:
        for login in candidates(service):
            await limiter.wait()
            result = await login.open_without_credentials(
                device.address, service.port, device.timeout_s
            )
            if result.outcome == "error" and result.detail.startswith("timed out"):
                # once more with a login's time: on a busy tester (a big fleet on one core)
                # the short limit can run out while waiting for the CPU, and a surface we
                # cannot judge is left out of the credential checks
                await limiter.wait()
                result = await login.open_without_credentials(
                    device.address, service.port, device.login_timeout_s
                )
            found.append(Surface(service, login, result))
            if service.name in WEB_SERVICES:
                # a public root page: the login may be below it (/admin/, /cgi-bin/luci)
                below = await web_login_surfaces(given, service, result)
                found += [Surface(service, sub, sub_result) for sub, sub_result in below]
    return found


async def login_surfaces(given: CheckInput) -> list[Surface]:
    return await given.shared.once("network.surfaces", lambda: _discover(given))


def login_target(surface: Surface) -> LoginSurface:
    """The surface to send credentials to."""
    return (
        http_login_surface(surface)
        if surface.service.name in ("http", "https")
        else (surface.login)
    )
