"""Login accounts shipped in the image (S1.1-02): empty passwords, and password hashes
that verify against the public default-credential list.

The hash is verified, never cracked: only the shipped list is tried, so a check costs
at most (distinct hashes x list) hash computations, with both bounded (see
:mod:`.passwords` for the cost caps).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import ClassVar, Literal

from jcstar.checks.base import CheckInput, Frozen, Observation
from jcstar.checks.firmware.image import (
    DEFAULT_BUDGET_S,
    TARGET,
    OtherImage,
    check_budget,
    firmware_params,
    image_labels,
    read_same_model,
    unpacked_image,
)
from jcstar.checks.firmware.passwords import Scheme, hash_scheme, too_costly, verifies
from jcstar.checks.firmware.reading import (
    IncompleteImage,
    location,
    read_text,
    require_complete,
    rootfs_dirs,
)
from jcstar.checks.network.credentials import load_default_credentials
from jcstar.targets.firmware import UnpackedImage

#: distinct hashes verified per root filesystem; more are listed as unchecked
MAX_HASHES = 200


class Account(Frozen):
    name: str
    #: where the password field came from (/etc/shadow, or /etc/passwd without shadow)
    path: str
    scheme: Scheme
    #: the stored hash; compared across images, never reported
    hash: str = ""
    shell: str = ""


class AccountFinding(Frozen):
    account: str
    path: str
    scheme: Scheme
    problem: Literal["empty_password", "default_password"]
    #: the matched default password: public knowledge, from the shipped list
    password: str | None = None
    shell: str = ""


class AccountScan(Frozen):
    databases: tuple[str, ...]
    accounts: tuple[Account, ...]
    findings: tuple[AccountFinding, ...]
    #: accounts with a usable password hash that is not a known default
    other_hashes: tuple[str, ...] = ()
    #: hashes not tried, with why (unsupported scheme, cost above the cap)
    unchecked: tuple[str, ...] = ()


def _records(text: str, fields: int) -> Iterable[list[str]]:
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) >= fields and parts[0] and not parts[0].startswith(("+", "-")):
            yield parts


def read_accounts(rootfs: Path) -> tuple[tuple[str, ...], tuple[Account, ...]]:
    """Account databases found and their accounts, shadow entries replacing ``x``."""
    passwd = read_text(rootfs, "/etc/passwd")
    shadow = read_text(rootfs, "/etc/shadow")
    databases = tuple(
        path for path, text in (("/etc/passwd", passwd), ("/etc/shadow", shadow)) if text
    )
    shadowed = {parts[0]: parts[1] for parts in _records(shadow or "", 2)}
    accounts: list[Account] = []
    for parts in _records(passwd or "", 7):
        name, field, shell = parts[0], parts[1], parts[6].strip()
        path = "/etc/passwd"
        if field == "x" and name in shadowed:
            field, path = shadowed[name], "/etc/shadow"
        scheme = hash_scheme(field)
        accounts.append(Account(name=name, path=path, scheme=scheme, hash=field, shell=shell))
    return databases, tuple(accounts)


#: web-server login files of embedded devices: (path, format). busybox httpd.conf has
#: "/dir:user:password" lines (plain, or $1$ md5crypt); lighttpd's plain file
#: "user:password"; htpasswd files "user:hash".
VENDOR_LOGIN_FILES = (
    ("/etc/httpd.conf", "busybox-httpd"),
    ("/etc/lighttpd/lighttpd.user", "plain"),
    ("/etc/lighttpd.user", "plain"),
    ("/etc/lighttpd/.htpasswd", "htpasswd"),
    ("/etc/lighttpd/lighttpd.htpasswd", "htpasswd"),
    ("/etc/.htpasswd", "htpasswd"),
    ("/www/.htpasswd", "htpasswd"),
)


def read_vendor_logins(rootfs: Path) -> tuple[tuple[str, ...], tuple[Account, ...]]:
    """Web logins stored in the image's web-server password files."""
    databases: list[str] = []
    accounts: list[Account] = []
    for path, form in VENDOR_LOGIN_FILES:
        text = read_text(rootfs, path)
        if text is None:
            continue
        databases.append(path)
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if form == "busybox-httpd":
                parts = line.split(":", 2)
                if not line.startswith("/") or len(parts) != 3 or parts[2].startswith("$p$"):
                    continue  # not a realm line, or "$p$": the system password applies
                name, field = parts[1], parts[2]
            else:
                name, sep, field = line.partition(":")
                if not sep or not name:
                    continue
            scheme: Scheme = "empty" if field == "" else "plaintext"
            if form == "htpasswd" or field.startswith("$"):
                scheme = hash_scheme(field)
            accounts.append(Account(name=name, path=path, scheme=scheme, hash=field))
    return tuple(databases), tuple(accounts)


def image_accounts(image: UnpackedImage) -> tuple[Account, ...]:
    """Every account of an unpacked image, for :func:`shared_hashes` across images."""
    return tuple(
        account
        for rootfs in rootfs_dirs(image)
        for account in (*read_accounts(rootfs)[1], *read_vendor_logins(rootfs)[1])
    )


def candidate_passwords(name: str) -> list[str]:
    """Every non-empty password of the shipped list, the account's own pairs first."""
    credentials = load_default_credentials().credentials
    own = [c.password for c in credentials if c.username == name]
    rest = [c.password for c in credentials]
    return [p for p in dict.fromkeys([*own, *rest]) if p]


def scan_accounts(rootfs: Path) -> AccountScan:
    system, logins = read_accounts(rootfs)
    vendor, web = read_vendor_logins(rootfs)
    databases, accounts = system + vendor, logins + web
    findings: list[AccountFinding] = []
    other: list[str] = []
    unchecked: list[str] = []
    verified: dict[tuple[Scheme, str], str | None] = {}  # the same hash is tried once
    for account in accounts:
        common = {"account": account.name, "path": account.path, "shell": account.shell}
        if account.scheme == "empty":
            findings.append(AccountFinding(**common, scheme="empty", problem="empty_password"))
            continue
        if account.scheme == "locked":
            continue
        why = too_costly(account.scheme, account.hash)
        key = (account.scheme, account.hash)
        if key not in verified and len(verified) >= MAX_HASHES:
            why = f"more than {MAX_HASHES} distinct hashes"
        if account.scheme in ("yescrypt", "unknown") or why:
            unchecked.append(f"{account.name} ({why or account.scheme + ' not supported'})")
            other.append(account.name)
            continue
        if key not in verified:
            verified[key] = next(
                (
                    p
                    for p in candidate_passwords(account.name)
                    if verifies(account.scheme, p, account.hash)
                ),
                None,
            )
        match = verified[key]
        if match is None:
            other.append(account.name)
        else:
            findings.append(
                AccountFinding(
                    **common, scheme=account.scheme, problem="default_password", password=match
                )
            )
    return AccountScan(
        databases=databases,
        accounts=accounts,
        findings=tuple(findings),
        other_hashes=tuple(other),
        unchecked=tuple(unchecked),
    )


class SharedHash(Frozen):
    """An account whose stored hash is the same in several images; the hash itself
    (nor a digest of it, which would confirm a guessed plaintext) is never kept."""

    account: str
    #: where the first image keeps it (/etc/shadow, /etc/httpd.conf, …)
    path: str
    scheme: Scheme
    images: tuple[str, ...]


def shared_hashes(images: Sequence[tuple[str, Sequence[Account]]]) -> list[SharedHash]:
    """Accounts whose stored hash (salt included) is identical in two or more images of
    one model: the same password baked into every unit, a shared default even when it
    is on no public list. Empty and locked entries are not passwords and are ignored."""
    seen: dict[tuple[str, str], list[str]] = {}
    first: dict[tuple[str, str], Account] = {}
    for image, accounts in images:
        for account in accounts:
            if account.scheme in ("empty", "locked"):
                continue
            key = (account.name, account.hash)
            if image not in seen.setdefault(key, []):
                seen[key].append(image)
            first.setdefault(key, account)
    return [
        SharedHash(
            account=key[0], path=first[key].path, scheme=first[key].scheme, images=tuple(found)
        )
        for key, found in sorted(seen.items())
        if len(found) > 1
    ]


def shared_default_observation(
    shared: Sequence[SharedHash], others: Sequence[OtherImage[tuple[Account, ...]]]
) -> Observation:
    """NOT_MET evidence: a password hash identical in several images of one model."""
    same_file = [o.label for o in others if o.identical]
    note = f" ({', '.join(same_file)} byte-identical to the inspected image)" if same_file else ""
    listed = "; ".join(
        f"{s.account} ({s.path}, {s.scheme}) in {', '.join(s.images)}" for s in shared
    )
    return Observation(
        topic="default_accounts",
        outcome="fail",
        message=f"the same password hash ships on every unit: a shared default: {listed}{note}",
        details={"shared_hashes": [s.model_dump() for s in shared]},
    )


def compared_accounts(
    scans: Sequence[tuple[str, AccountScan]],
    image: UnpackedImage,
    label: str,
    others: Sequence[OtherImage[tuple[Account, ...]]],
) -> tuple[Observation, ...]:
    """The image's own account findings, compared with other images of the model.

    A hash shared across images is a failure even where the image alone would pass
    (or could not be judged); finding none proves nothing unless every other image was
    read whole, so an unread one makes a would-be pass an error (INCONCLUSIVE)."""
    accounts = [a for _, scan in scans for a in scan.accounts]
    shared = shared_hashes([(label, accounts), *((o.label, o.read or ()) for o in others)])
    try:
        own: Observation | None = accounts_observation(scans, image.complete, image.problems)
        unjudged = ""
    except RuntimeError as exc:  # no account database, or a pass on a cut-short image
        if not shared:
            raise
        own, unjudged = None, str(exc)
    if shared:
        rest = own or Observation(topic="default_accounts", outcome="info", message=unjudged)
        return (shared_default_observation(shared, others), rest)
    assert own is not None
    if not others:
        return (own,)
    unread = [
        f"{o.label}: {o.problem or 'no account found in it'}"
        for o in others
        if o.problem or not o.read
    ]
    compared = ", ".join(o.label for o in others)
    if own.outcome == "fail":
        note = f"; not compared whole with {'; '.join(unread)}" if unread else ""
        return (own, _comparison_note(f"no password hash shared with {compared}{note}"))
    if unread:
        raise IncompleteImage(
            f"comparison with the other images of the model not finished ({'; '.join(unread)}):"
            " finding no shared password hash is not conclusive"
        )
    message = f"{own.message}; no password hash is the same in {compared}"
    return (own.model_copy(update={"message": message}),)


def _comparison_note(message: str) -> Observation:
    return Observation(topic="default_accounts", outcome="info", message=message)


def _describe(finding: AccountFinding, where: str) -> str:
    # a no-login shell narrows the risk (a web UI may still check the password): say so
    note = f" (shell {finding.shell})" if finding.shell.endswith(("nologin", "false")) else ""
    if finding.problem == "empty_password":
        return f"{where}: {finding.account} has an empty password{note}"
    return (
        f"{where}: {finding.account} has the known default password "
        f"{finding.password!r} ({finding.scheme}){note}"
    )


def accounts_observation(
    scans: Sequence[tuple[str, AccountScan]], complete: bool, problems_seen: Sequence[str] = ()
) -> Observation:
    """One observation over the scans of each root filesystem (``prefix``, scan).

    Raises RuntimeError when no account database was found: that is missing evidence."""
    found = [(prefix, scan) for prefix, scan in scans if scan.databases]
    if not found:
        if not complete:
            raise RuntimeError("no account database found (the image was cut short)")
        raise RuntimeError("no account database found (/etc/passwd)")
    details: dict[str, object] = {
        "databases": [prefix + d for prefix, scan in found for d in scan.databases],
        "accounts": [
            {"account": a.name, "path": prefix + a.path, "scheme": a.scheme, "shell": a.shell}
            for prefix, scan in found
            for a in scan.accounts
        ],
        "findings": [
            f.model_dump() | {"path": prefix + f.path}
            for prefix, scan in found
            for f in scan.findings
        ],
        "unchecked": [u for _, scan in found for u in scan.unchecked],
    }
    problems = [_describe(f, prefix + f.path) for prefix, scan in found for f in scan.findings]
    if problems:
        return Observation(
            topic="default_accounts",
            outcome="fail",
            message="; ".join(problems),
            details=details,
        )
    other = sorted({name for _, scan in found for name in scan.other_hashes})
    if other:
        # a password hash in the image is the same on every unit unless replaced at first boot
        return Observation(
            topic="default_accounts",
            outcome="pass",
            message=(
                "no empty or known default password; "
                f"{', '.join(other)} ha{'s' if len(other) == 1 else 've'} a password set in the "
                "image, the same on every unit unless the device replaces it at first use"
            ),
            details=details,
        )
    require_complete(complete, problems_seen, "finding only locked accounts")
    # not conclusive: a web UI's default may sit where no file format of ours reaches
    # (a vendor database, a binary), as the network check's pass is not conclusive either
    return Observation(
        topic="default_accounts",
        outcome="pass",
        message="every account in the image's account and web login files is locked or has "
        "no password set",
        details=details,
    )


class FirmwareAccountsCheck:
    id: ClassVar[str] = "firmware.accounts"
    version: ClassVar[str] = "1.0"
    title: ClassVar[str] = "Firmware accounts: empty and known default passwords"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("default_accounts",)
    budget_s: ClassVar[float] = DEFAULT_BUDGET_S

    def budget_for(self, given: CheckInput) -> float:
        return check_budget(given, same_model=True)

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        image = await unpacked_image(given)

        def scan() -> list[tuple[str, AccountScan]]:
            return [(location(image, fs, ""), scan_accounts(fs)) for fs in rootfs_dirs(image)]

        scans = await asyncio.to_thread(scan)
        others = await read_same_model(given, image, image_accounts)
        params = firmware_params(given)
        label = image_labels([params.image, *params.same_model])[0]
        return compared_accounts(scans, image, label, others)
