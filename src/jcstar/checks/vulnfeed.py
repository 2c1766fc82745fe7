"""Match components against a vulnerability feed file, offline: OSV or CSAF 2.0 VEX.

An OSV feed is a list of OSV records, ``{"vulns": [...]}``, or one record. A record
affects a component when an ``affected[].package`` names it (the same purl type, namespace
and name; or the same ecosystem and name) and the component's version is listed in
``versions`` or falls in a ``ranges`` entry (SEMVER or ECOSYSTEM events introduced /
fixed / last_affected). Versions are compared with univers, per ecosystem. A CSAF VEX
document says per vulnerability which products are affected (see :mod:`.vex`).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from packageurl import PackageURL
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from univers.versions import (
    DebianVersion,
    GenericVersion,
    InvalidVersion,
    OpensslVersion,
    SemverVersion,
    Version,
)

from jcstar.checks import vex as csaf
from jcstar.checks.base import CannotJudge, CannotJudgeKind, Frozen, Observation


class FeedError(CannotJudge, ValueError):
    """The feed file cannot be read or is not OSV: one line naming the file and field.
    Checked as input before a run (a ValueError, exit 2); met by the check, it cannot judge:
    the file is not there (``unreachable``) or not a feed it reads (``unsupported``)."""

    def __init__(self, reason: str, kind: CannotJudgeKind = "unsupported") -> None:
        super().__init__(reason, kind)


class _Open(BaseModel):
    """OSV allows fields we do not use; keep them out of the way."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class OsvPackage(_Open):
    ecosystem: str = ""
    name: str = ""
    purl: str = ""


class OsvEvent(_Open):
    introduced: str | None = None
    fixed: str | None = None
    last_affected: str | None = None
    limit: str | None = None


class OsvRange(_Open):
    type: Literal["SEMVER", "ECOSYSTEM", "GIT"]
    events: tuple[OsvEvent, ...] = Field(min_length=1)


class OsvAffected(_Open):
    package: OsvPackage | None = None
    ranges: tuple[OsvRange, ...] = ()
    versions: tuple[str, ...] = ()


class OsvRecord(_Open):
    id: str = Field(min_length=1)
    summary: str = ""
    details: str = ""
    aliases: tuple[str, ...] = ()
    affected: tuple[OsvAffected, ...] = ()


class Component(Frozen):
    """A software component found in a firmware image or listed in the vendor's SBOM."""

    name: str
    version: str
    #: how it was found: opkg, dpkg, binary (a version string), kernel; sbom: the vendor's SBOM
    source: Literal["opkg", "dpkg", "binary", "kernel", "sbom"]
    purl: str
    cpe: str = ""
    #: OSV ecosystem of a package database entry (e.g. "Debian"), "" for binaries
    ecosystem: str = ""
    paths: tuple[str, ...] = ()
    #: the source package a binary package was built from (dpkg ``Source:``), and its
    #: version when it differs: Debian's advisories name source packages (glibc, not libc6)
    source_package: str = ""
    source_version: str = ""

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


class VulnMatch(Frozen):
    id: str
    component: str
    #: a VEX document can also say a component is not affected, or not known yet
    status: Literal["affected", "not_affected", "under_investigation"] = "affected"
    summary: str = ""
    aliases: tuple[str, ...] = ()
    #: first fixed version named by the matching range, if any
    fixed: str = ""


class Feed(Frozen):
    """A loaded feed: OSV records, or one CSAF VEX document."""

    name: str
    osv: tuple[OsvRecord, ...] = ()
    vex: csaf.CsafDocument | None = None

    @property
    def size(self) -> int:
        return len(self.vex.vulnerabilities) if self.vex else len(self.osv)


def _first_error(path: Path, where: str, exc: ValidationError) -> FeedError:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"])
    return FeedError(f"{path}: {where}{'.' if where and field else ''}{field}: {first['msg']}")


def load_feed(path: Path) -> Feed:
    """The feed in ``path``. A run reads it twice (checked as input before anything runs,
    then by the components check) and a full OSV export runs to hundreds of MB, so an
    unchanged file is parsed once; a changed one (size or mtime) is read again."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise FeedError(
            f"{path}: cannot read vulnerability feed: {exc.strerror}", "unreachable"
        ) from None
    return _parse_feed(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _parse_feed(path: Path, mtime_ns: int, size: int) -> Feed:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FeedError(
            f"{path}: cannot read vulnerability feed: {exc.strerror}", "unreachable"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FeedError(f"{path}: not JSON: {exc}") from None
    if csaf.is_csaf(data):
        try:
            return Feed(name=path.name, vex=csaf.CsafDocument.model_validate(data))
        except ValidationError as exc:
            raise _first_error(path, "", exc) from None
    if isinstance(data, dict) and "vulns" in data:
        data = data["vulns"]
    elif isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise FeedError(f'{path}: expected OSV records (a list or {{"vulns": [...]}}) or CSAF')
    records = []
    for index, item in enumerate(data):
        try:
            records.append(OsvRecord.model_validate(item))
        except ValidationError as exc:
            raise _first_error(path, f"vulns.{index}", exc) from None
    return Feed(name=path.name, osv=tuple(records))


def _purl_base(purl: str) -> tuple[str, str, str] | None:
    try:
        parsed = PackageURL.from_string(purl)
    except ValueError:
        return None
    return parsed.type, (parsed.namespace or "").lower(), parsed.name.lower()


def names_component(package: OsvPackage, component: Component) -> bool:
    return _named_version(package, component) is not None


def _named_version(package: OsvPackage, component: Component) -> str | None:
    """The component's version to compare when ``package`` names it (by purl, or by
    ecosystem and name), its source package's version when the package names the source
    (Debian's records are keyed by source package), None when it does not name it."""
    names = [(component.name, component.version)]
    if component.source_package and component.source_package != component.name:
        names.append((component.source_package, component.source_version or component.version))
    if package.purl:
        wanted = _purl_base(package.purl)
        own = _purl_base(component.purl)
        if wanted is None or own is None:
            return None
        for name, version in names:
            if wanted == (own[0], own[1], name.lower()):
                return version
        return None
    ecosystem = package.ecosystem.split(":", 1)[0].lower()
    if not component.ecosystem or ecosystem != component.ecosystem.lower():
        return None
    return next((v for n, v in names if package.name.lower() == n.lower()), None)


def _version_class(component: Component, range_type: str) -> type[Version]:
    if component.ecosystem.lower() == "debian" or component.purl.startswith("pkg:deb/"):
        return DebianVersion
    if component.name == "openssl":
        return OpensslVersion
    return SemverVersion if range_type == "SEMVER" else GenericVersion


def in_range(version: str, events: tuple[OsvEvent, ...], kind: type[Version]) -> tuple[bool, str]:
    """(affected, first fixed version) per the OSV evaluation of ordered events."""

    def parse(text: str) -> Version:
        return kind(text)

    current = parse(version)
    ordered: list[tuple[Version | None, OsvEvent]] = []
    for event in events:
        text = event.introduced or event.fixed or event.last_affected or event.limit or "0"
        ordered.append((None if text == "0" else parse(text), event))
    ordered.sort(key=lambda item: (item[0] is not None, item[0] or current))
    affected = False
    fixed = ""
    for point, event in ordered:
        if event.introduced is not None and (point is None or current >= point):
            affected, fixed = True, ""
        elif event.fixed is not None and point is not None:
            if current >= point:
                affected = False
            elif affected and not fixed:
                fixed = event.fixed  # the fix for the stretch the version is in
        elif event.last_affected is not None and point is not None and current > point:
            affected = False
    return affected, fixed if affected else ""


def affects(
    affected: OsvAffected, component: Component, version: str | None = None
) -> tuple[bool, str]:
    version = version or component.version
    if version in affected.versions:
        return True, ""
    for entry in affected.ranges:
        if entry.type == "GIT":
            continue  # commit ranges need the source history, not a version
        try:
            hit, fixed = in_range(version, entry.events, _version_class(component, entry.type))
        except (InvalidVersion, ValueError, TypeError):
            continue  # a version this comparator cannot read: no claim either way
        if hit:
            return True, fixed
    return False, ""


def match_components(
    components: tuple[Component, ...], records: tuple[OsvRecord, ...]
) -> tuple[VulnMatch, ...]:
    found: list[VulnMatch] = []
    for record in records:
        for component in components:
            for affected in record.affected:
                if affected.package is None:
                    continue
                version = _named_version(affected.package, component)
                if version is None:
                    continue
                hit, fixed = affects(affected, component, version)
                if hit:
                    found.append(
                        VulnMatch(
                            id=record.id,
                            component=component.ref,
                            summary=record.summary or record.details[:200],
                            aliases=record.aliases,
                            fixed=fixed,
                        )
                    )
                    break
    return tuple(found)


def match_vex(
    components: tuple[Component, ...], document: csaf.CsafDocument
) -> tuple[VulnMatch, ...]:
    """Each component's status per vulnerability of a CSAF VEX document."""
    by_id = csaf.products(document.product_tree)
    found: list[VulnMatch] = []
    for vulnerability in document.vulnerabilities:
        for component in components:
            for status, ids in vulnerability.product_status.items():
                named = any(
                    pid in by_id
                    and csaf.names(
                        by_id[pid], component.purl, component.cpe, component.name, component.version
                    )
                    for pid in ids
                )
                if not named:
                    continue
                state: Literal["affected", "not_affected", "under_investigation"] = (
                    "affected" if status in csaf.AFFECTED
                    else "not_affected" if status in csaf.NOT_AFFECTED
                    else "under_investigation"
                )  # fmt: skip
                found.append(
                    VulnMatch(
                        id=vulnerability.id,
                        component=component.ref,
                        status=state,
                        summary=vulnerability.title,
                    )
                )
                break
    return tuple(found)


def match_feed(components: tuple[Component, ...], feed: Feed) -> tuple[VulnMatch, ...]:
    if feed.vex is not None:
        return match_vex(components, feed.vex)
    return match_components(components, feed.osv)


def vulnerability_observation(
    matches: tuple[VulnMatch, ...], feed: Feed, cut: str = "", where: str = "the image's"
) -> Observation:
    """The ``known_vulnerabilities`` observation of ``matches`` in ``where`` components
    (the image's, the SBOM's): the same wording whichever target listed them."""
    # informative: no ★1 requirement asks for freedom from known vulnerabilities
    affected = [m for m in matches if m.status == "affected"]
    cleared = [m for m in matches if m.status != "affected"]
    details = {"feed": feed.name, "matches": [m.model_dump() for m in matches]}
    note = (
        "; " + "; ".join(f"{m.component} {m.id} {m.status.replace('_', ' ')}" for m in cleared)
        if cleared
        else ""
    )
    if affected:
        count = f"{len(affected)} known vulnerabilit{'y' if len(affected) == 1 else 'ies'}"
        return Observation(
            topic="known_vulnerabilities",
            outcome="info",
            message=f"{count} in {where} components (feed {feed.name}): "
            + "; ".join(
                f"{m.component} {m.id}" + (f" (fixed in {m.fixed})" if m.fixed else "")
                for m in affected
            )
            + note,
            details=details,
        )
    unseen = f" ({cut}: components not extracted were not matched)" if cut else ""
    return Observation(
        topic="known_vulnerabilities",
        outcome="info",
        message=f"no component is affected by any of the {feed.size} record(s) of {feed.name}"
        + unseen
        + note,
        details=details,
    )
