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
from typing import ClassVar, Literal, NamedTuple

from jcstar.checks.base import CannotJudge, Check, CheckInput, Frozen, Observation
from jcstar.checks.credentials import load_default_credentials
from jcstar.checks.firmware.collect.accountfiles import find_databases
from jcstar.checks.firmware.collect.image import (
    DEFAULT_BUDGET_S,
    TARGET,
    OtherImage,
    check_budget,
    firmware_params,
    image_labels,
    read_same_model,
    unpacked_image,
)
from jcstar.checks.firmware.collect.passwords import Scheme, hash_scheme, too_costly, verifies
from jcstar.checks.firmware.collect.reading import (
    IncompleteImage,
    location,
    read_text,
    require_complete,
    rootfs_dirs,
)
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
    #: how the file becomes an account file of the running device, when it is not one in
    #: the image ("copied to /etc/shadow at boot by /etc/init.d/rcS:3")
    via: str = ""
    #: the setting holding the password, for nvram and UCI files (http_passwd)
    setting: str = ""

    @property
    def where(self) -> str:
        setting = f" ({self.setting})" if self.setting else ""
        via = f" ({self.via})" if self.via else ""
        return f"{self.path}{setting}{via}"


class AccountFinding(Frozen):
    account: str
    path: str
    scheme: Scheme
    problem: Literal["empty_password", "default_password"]
    #: the matched default password: public knowledge, from the shipped list
    password: str | None = None
    shell: str = ""
    via: str = ""
    setting: str = ""
    #: other files holding the same account with the same hash
    also_at: tuple[str, ...] = ()


class AccountScan(Frozen):
    databases: tuple[str, ...]
    accounts: tuple[Account, ...]
    findings: tuple[AccountFinding, ...]
    #: accounts with a usable password hash that is not a known default
    other_hashes: tuple[str, ...] = ()
    #: hashes not tried, with why (unsupported scheme, cost above the cap)
    unchecked: tuple[str, ...] = ()
    #: what the image does not show (an account file written at run time, a shadow
    #: file it lacks): never read as "locked"
    undetermined: tuple[str, ...] = ()


def _records(text: str, fields: int) -> Iterable[list[str]]:
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) >= fields and parts[0] and not parts[0].startswith(("+", "-")):
            yield parts


class SystemAccounts(NamedTuple):
    databases: tuple[str, ...]
    accounts: tuple[Account, ...]
    #: what the image does not show, in words
    undetermined: tuple[str, ...]


def system_accounts(
    rootfs: Path, limit: int | None = None, nested: tuple[Path, ...] = ()
) -> SystemAccounts:
    """Every account of the image's password databases (see :mod:`.accountfiles`):
    shadow entries on their own (a shadow file counts even when /etc/passwd is written
    at run time), passwd entries that keep their password in passwd, hashes boot
    scripts write, login passwords of nvram defaults and UCI files. An ``x`` in passwd
    with no shadow file anywhere is not "locked": it is not determinable."""
    found = find_databases(rootfs, limit, nested)
    shells: dict[str, str] = {}
    for source in found.sources:
        if source.syntax == "passwd":
            for parts in _records(source.text, 7):
                shells.setdefault(parts[0], parts[6].strip())
    shadowed = {
        parts[0]
        for source in found.sources
        if source.syntax == "shadow"
        for parts in _records(source.text, 2)
    }
    accounts: list[Account] = []
    hidden: list[str] = []
    for source in found.sources:
        for parts in _records(source.text, 7 if source.syntax == "passwd" else 2):
            name, field = parts[0], parts[1]
            if source.syntax == "passwd" and field == "x":
                if name not in shadowed and not any(s.syntax == "shadow" for s in found.sources):
                    hidden.append(name)
                continue  # the password is in the shadow file
            accounts.append(
                Account(
                    name=name, path=source.path, scheme=hash_scheme(field), hash=field,
                    shell=shells.get(name, ""), via=source.via,
                )
            )  # fmt: skip
    for name, stored, script, line in found.scripted:
        accounts.append(
            Account(
                name=name, path=f"{script}:{line}", scheme=hash_scheme(stored), hash=stored,
                shell=shells.get(name, ""), via="written at boot",
            )
        )  # fmt: skip
    for credential in found.credentials:
        accounts.append(
            Account(
                name=credential.name, path=credential.path, scheme="plaintext",
                hash=credential.password, setting=credential.setting,
            )
        )  # fmt: skip
    undetermined = list(found.undetermined)
    if hidden:
        names = ", ".join(dict.fromkeys(hidden))
        undetermined.append(
            f"the password of {names} is kept in a shadow file the image does not hold"
        )
    databases = [
        source.path + (f" ({source.via})" if source.via else "") for source in found.sources
    ]
    databases += sorted({c.path for c in found.credentials})
    databases += sorted({f"{script}:{line}" for _, _, script, line in found.scripted})
    return SystemAccounts(
        tuple(dict.fromkeys(databases)), tuple(accounts), tuple(dict.fromkeys(undetermined))
    )


def read_accounts(rootfs: Path) -> tuple[tuple[str, ...], tuple[Account, ...]]:
    """Account databases found and their accounts (see :func:`system_accounts`)."""
    found = system_accounts(rootfs)
    return found.databases, found.accounts


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


def nested_in(image: UnpackedImage, rootfs: Path) -> tuple[Path, ...]:
    """The image's other root filesystems inside ``rootfs`` (each is read on its own)."""
    return tuple(
        other for other in rootfs_dirs(image) if other != rootfs and other.is_relative_to(rootfs)
    )


def image_accounts(image: UnpackedImage) -> tuple[Account, ...]:
    """Every account of an unpacked image, for :func:`shared_hashes` across images."""
    return tuple(
        account
        for rootfs in rootfs_dirs(image)
        for account in (
            *system_accounts(rootfs, image.files or None, nested_in(image, rootfs)).accounts,
            *read_vendor_logins(rootfs)[1],
        )
    )


def candidate_passwords(name: str) -> list[str]:
    """Every non-empty password of the shipped list, the account's own pairs first."""
    credentials = load_default_credentials().credentials
    own = [c.password for c in credentials if c.username == name]
    rest = [c.password for c in credentials]
    return [p for p in dict.fromkeys([*own, *rest]) if p]


def scan_accounts(
    rootfs: Path, limit: int | None = None, nested: tuple[Path, ...] = ()
) -> AccountScan:
    system = system_accounts(rootfs, limit, nested)
    vendor, web = read_vendor_logins(rootfs)
    databases, accounts = system.databases + vendor, system.accounts + web
    findings: dict[tuple[str, str], AccountFinding] = {}  # one per account and hash
    other: list[str] = []
    unchecked: list[str] = []
    verified: dict[tuple[Scheme, str], str | None] = {}  # the same hash is tried once
    for account in accounts:
        common = {
            "account": account.name, "path": account.path, "shell": account.shell,
            "via": account.via, "setting": account.setting,
        }  # fmt: skip
        key = (account.name, account.hash)
        if key in findings:
            first = findings[key]
            if account.where not in first.also_at and len(first.also_at) < 10:
                update = {"also_at": (*first.also_at, account.where)}
                findings[key] = first.model_copy(update=update)
            continue
        if account.scheme == "empty":
            findings[key] = AccountFinding(**common, scheme="empty", problem="empty_password")
            continue
        if account.scheme == "locked":
            continue
        why = too_costly(account.scheme, account.hash)
        hashed = (account.scheme, account.hash)
        if hashed not in verified and len(verified) >= MAX_HASHES:
            why = f"more than {MAX_HASHES} distinct hashes"
        if account.scheme in ("yescrypt", "unknown") or why:
            unchecked.append(f"{account.name} ({why or account.scheme + ' not supported'})")
            other.append(account.name)
            continue
        if hashed not in verified:
            verified[hashed] = next(
                (
                    p
                    for p in candidate_passwords(account.name)
                    if verifies(account.scheme, p, account.hash)
                ),
                None,
            )
        match = verified[hashed]
        if match is None:
            other.append(account.name)
        else:
            findings[key] = AccountFinding(
                **common, scheme=account.scheme, problem="default_password", password=match
            )
    return AccountScan(
        databases=databases,
        accounts=accounts,
        findings=tuple(findings.values()),
        other_hashes=tuple(dict.fromkeys(other)),
        unchecked=tuple(dict.fromkeys(unchecked)),
        undetermined=system.undetermined,
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
    except CannotJudge as exc:  # no account database, or a pass on a cut-short image
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


def _describe(finding: AccountFinding, prefix: str) -> str:
    # a no-login shell narrows the risk (a web UI may still check the password): say so
    note = f" (shell {finding.shell})" if finding.shell.endswith(("nologin", "false")) else ""
    where = prefix + finding.path + (f" ({finding.setting})" if finding.setting else "")
    if finding.via:
        where += f" ({finding.via})"
    if finding.also_at:
        note += f" (also in {', '.join(prefix + a for a in finding.also_at[:3])})"
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

    Raises CannotJudge when no account database was found: that is missing evidence.
    What the image does not show (an account file written at run time) is said, never
    read as locked: with nothing else found the outcome is ``info`` (a review), not a
    pass."""
    found = [(prefix, scan) for prefix, scan in scans if scan.databases or scan.undetermined]
    if not found:
        if not complete:
            raise CannotJudge("no account database found (the image was cut short)", "cut_short")
        # a whole image without one: nothing more specific is known (an RTOS, another layout)
        raise CannotJudge("no account database found (/etc/passwd)", "undetermined")
    unknown = [prefix + u for prefix, scan in found for u in scan.undetermined]
    details: dict[str, object] = {
        "databases": [prefix + d for prefix, scan in found for d in scan.databases],
        "accounts": [
            {"account": a.name, "path": prefix + a.path, "scheme": a.scheme, "shell": a.shell}
            | ({"via": a.via} if a.via else {})
            | ({"setting": a.setting} if a.setting else {})
            for prefix, scan in found
            for a in scan.accounts
        ],
        "findings": [
            f.model_dump() | {"path": prefix + f.path}
            for prefix, scan in found
            for f in scan.findings
        ],
        "unchecked": [u for _, scan in found for u in scan.unchecked],
        "undetermined": unknown,
    }
    unseen = f"; not determinable from the image: {'; '.join(unknown)}" if unknown else ""
    problems = [_describe(f, prefix) for prefix, scan in found for f in scan.findings]
    if problems:
        return Observation(
            topic="default_accounts",
            outcome="fail",
            message="; ".join(problems) + unseen,
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
                "image, the same on every unit unless the device replaces it at first use" + unseen
            ),
            details=details,
        )
    require_complete(complete, problems_seen, "finding only locked accounts")
    if unknown:
        # never "locked": the accounts that matter are in a file the image does not hold
        locked = any(scan.accounts for _, scan in found)
        return Observation(
            topic="default_accounts",
            outcome="info",
            message=f"account passwords not determinable from the image: {'; '.join(unknown)}"
            + ("; the accounts it does hold are locked or have no password set" if locked else ""),
            details=details,
        )
    # not conclusive: a web UI's default may sit where no file format of ours reaches
    # (a vendor database, a binary), as the network check's pass is not conclusive either
    return Observation(
        topic="default_accounts",
        outcome="pass",
        message="every account in the image's account and web login files is locked or has "
        "no password set",
        details=details,
    )


class FirmwareAccountsCheck(Check):
    id: ClassVar[str] = "firmware.accounts"
    version: ClassVar[str] = "1.1"
    data_files: ClassVar[tuple[str, ...]] = (
        "default-credentials.yaml",
        "firmware-secret-patterns.yaml",
    )
    title: ClassVar[str] = "Firmware accounts: empty and known default passwords"
    needs: ClassVar[tuple[str, ...]] = (TARGET,)
    topics: ClassVar[tuple[str, ...]] = ("default_accounts",)
    budget_s = DEFAULT_BUDGET_S

    def budget_for(self, given: CheckInput) -> float:
        return check_budget(given, same_model=True)

    async def run(self, given: CheckInput) -> tuple[Observation, ...]:
        image = await unpacked_image(given)

        def scan() -> list[tuple[str, AccountScan]]:
            limit = image.files or None
            return [
                (location(image, fs, ""), scan_accounts(fs, limit, nested_in(image, fs)))
                for fs in rootfs_dirs(image)
            ]

        scans = await asyncio.to_thread(scan)
        others = await read_same_model(given, image, image_accounts)
        params = firmware_params(given)
        label = image_labels([params.image, *params.same_model])[0]
        return compared_accounts(scans, image, label, others)
