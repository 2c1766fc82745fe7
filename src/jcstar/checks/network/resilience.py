"""Credentials and settings survive a power cycle (S1.1-14).

Needs a command that power-cycles the device (a smart plug, a relay, a lab
script) and a credential the tester changed from the default. Logs in before,
runs the command, waits for the device to answer again, and logs in after; a
device that comes back with defaults fails.
"""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar

from jcstar.checks.base import CannotJudge, Check, CheckInput, Observation, SkipCheck
from jcstar.checks.credentials import for_service
from jcstar.checks.network.collect.device import TARGET, device_params
from jcstar.checks.network.collect.surfaces import Surface, login_surfaces, login_target

DEFAULTS_AFTER = 5  # default credentials tried after the restart


async def wait_until_open(host: str, port: int, deadline_s: float) -> bool:
    end = time.monotonic() + deadline_s
    await asyncio.sleep(1.0)  # let the device go down first
    while time.monotonic() < end:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 2.0)
        except (TimeoutError, OSError):
            await asyncio.sleep(1.0)
            continue
        writer.close()
        return True
    return False


async def run_command(command: str, timeout_s: float) -> str:
    process = await asyncio.create_subprocess_shell(
        command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout_s)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise CannotJudge(
            f"power-cycle command did not finish in {timeout_s:g} s", "timed_out"
        ) from None
    if process.returncode != 0:
        text = out.decode(errors="replace").strip()[-200:]
        raise CannotJudge(f"power-cycle command failed ({process.returncode}): {text}")
    return out.decode(errors="replace")


class ResilienceCheck(Check):
    id: ClassVar[str] = "network.resilience"
    version: ClassVar[str] = "1.3"
    data_files: ClassVar[tuple[str, ...]] = (
        "admin-paths.yaml",
        "default-credentials.yaml",
        "risky-ports.yaml",
    )
    title: ClassVar[str] = "Changed credentials survive a power cycle"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("power_cycle",)
    sequence = 35  # before the credential bursts, which trip rate limits
    budget_s = 1200

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        device = device_params(given)
        if not device.power_cycle_command:
            raise SkipCheck("profile gives no device.power_cycle_command")
        if not device.credentials:
            raise SkipCheck("profile gives no device.credentials (changed from the defaults)")
        surfaces = [s for s in await login_surfaces(given) if s.asks_for_credentials]
        pairs: list[tuple[Surface, str, str]] = []
        for surface in surfaces:
            cred = device.credential_for(login_target(surface).service) or device.credential_for(
                surface.service.name
            )
            if cred:
                pairs.append((surface, cred.username, cred.password))
        if not pairs:
            raise SkipCheck("no device.credentials entry matches a login surface found")
        for surface, user, password in pairs:
            before = await login_target(surface).try_login(
                device.address, surface.service.port, user, password, device.login_timeout_s
            )
            if before.outcome != "accepted":
                raise CannotJudge(
                    f"{surface.name}: the given credential does not work before the power cycle "
                    f"({before.detail})",
                    # turned away: the profile's credential; an error: the login itself failed
                    "refused" if before.outcome == "rejected" else "undetermined",
                )
        await run_command(device.power_cycle_command, device.restart_wait_s)
        problems, kept = [], []
        for surface, user, password in pairs:
            if not await wait_until_open(
                device.address, surface.service.port, device.restart_wait_s
            ):
                raise CannotJudge(
                    f"{surface.name} did not come back within {device.restart_wait_s:g} s",
                    "timed_out",
                )
            login = login_target(surface)
            after = await login.try_login(
                device.address, surface.service.port, user, password, device.login_timeout_s
            )
            if after.outcome == "error":
                raise CannotJudge(f"{surface.name}: login after restart failed: {after.detail}")
            if after.outcome == "rejected":
                problems.append(f"{surface.name}: the changed credential for {user} was lost")
            else:
                kept.append(surface.name)
            family = "http" if login.service.startswith("http") else login.service
            for default in for_service(family, DEFAULTS_AFTER):
                result = await login.try_login(
                    device.address, surface.service.port, default.username, default.password,
                    device.login_timeout_s,
                )  # fmt: skip
                if result.outcome == "accepted":
                    problems.append(
                        f"{surface.name}: default {default.username}/{default.password} "
                        "works after restart"
                    )
                    break
        if problems:
            return (
                Observation(
                    topic="power_cycle",
                    outcome="fail",
                    message="settings reset by a power cycle: " + "; ".join(problems),
                ),
            )
        return (
            Observation(
                topic="power_cycle",
                outcome="pass",
                message=f"changed credentials kept after a power cycle on {', '.join(kept)}",
            ),
        )
