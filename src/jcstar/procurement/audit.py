"""Fleet audit: every deployed device's label beside what the device itself shows. Pure: no I/O
beyond reading the inventory.

A utility's inventory lists devices (address, model number, firmware version, site). For each,
``audit_devices`` gives, in this order:

1. The label verdict of ``procurement.evaluate.check_line`` against the policy on the day
   (labels found, ambiguous and unknown reported as the procurement check reports them).
2. The firmware version against the versions the label names: ``labelled`` or ``differs``
   only where the label names versions; a label that names none is said so, never a pass.
3. With the device's own probe (``jcstar probe``'s JSON line for its address): its ★1 verdicts.
   A device with a label valid on the day whose own probe has a ★1 requirement ``NOT_MET`` is a
   **finding**: every level's requirements include ★1's (jcstar-facts §1 "Nesting" [S], ★2
   "additions on top of ★1" [V]), so the label claims what the device fails. ``INCONCLUSIVE``
   and ``NEEDS_REVIEW`` are reported as such, never as conformance.

The summary counts devices, by site, labelled (a label valid on the day) and unlabelled, and
the findings. The audit is clean when every device meets the policy, none has a finding, none
runs a firmware version its label does not name and, when probing, every probe gave verdicts (a
device that could not be tested is never read as one that passed).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from jcstar.client.status import Lookup
from jcstar.labels.standing import LabelRecord, model_key
from jcstar.procurement.evaluate import (
    PRODUCT_ALONE,
    LineResult,
    ModelLine,
    check_line,
)
from jcstar.procurement.model_list import HEADERS, ModelListError, header_key, read_rows
from jcstar.procurement.models import (
    Importance,
    JudgementBasis,
    Policy,
    Requires,
    Rule,
)

AUDIT_SCHEMA_VERSION = "1"
#: ★1's requirement ids start so; the probe's verdicts are all of ★1 today
STAR1_PREFIX = "S1.1-"

#: the policy when none is given: a valid label of any level, our judgement of the least a
#: fleet's owner asks
ANY_VALID_LABEL = Policy(
    id="any-valid-label",
    name_en="A label valid on the day, any level",
    version="1",
    issuer="jcstar (no --policy given)",
    rules=(
        Rule(
            id="LABEL-VALID",
            title_en="A JC-STAR label valid on the day, ★1 or higher",
            requires=Requires(min_level=1),
            basis=JudgementBasis(
                kind="judgement",
                why="no policy was given: the audit asks only that each device carry a valid label",
            ),
        ),
    ),
)

#: inventory header → field, beyond the model list's (model, vendor, firmware, product type)
_INVENTORY_NAMES: dict[str, str] = {
    **dict.fromkeys(
        ("address", "ip", "ip_address", "host", "アドレス", "IPアドレス", "ホスト"), "address"
    ),
    **dict.fromkeys(("site", "location", "設置場所", "拠点", "サイト", "設置先"), "site"),
    **dict.fromkeys(("ports", "ポート"), "ports"),
    **dict.fromkeys(("profile", "プロファイル"), "profile"),
}
INVENTORY_HEADERS: dict[str, str] = {
    **{k: v for k, v in HEADERS.items() if v != "quantity"},
    **{header_key(name): field for name, field in _INVENTORY_NAMES.items()},
}


class InventoryError(ValueError):
    """The inventory cannot be read; the message names the file and the field."""


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Device(Frozen):
    """One deployed device, as the inventory lists it."""

    address: str = Field(min_length=1)
    model: str = Field(min_length=1)
    vendor: str | None = None
    firmware: str | None = None
    site: str | None = None
    product_type: str | None = None
    #: what ``jcstar probe`` takes per device: TCP ports, a profile file (relative to the
    #: inventory) with needed ports and credentials
    ports: str | None = None
    profile: str | None = None
    #: the inventory's line number (the header is line 1)
    line: int
    #: ``inventory.csv:4``, for reports
    source: str


FirmwareStatus = Literal["labelled", "differs", "label_names_none", "not_given", "no_label"]


class FirmwareCheck(Frozen):
    status: FirmwareStatus
    text: str


class ProbeVerdict(Frozen):
    requirement: str
    verdict: str
    reasons: tuple[str, ...] = ()


class ProbeOutcome(Frozen):
    """A device's own probe, as ``jcstar probe --inventory`` writes its JSON line."""

    address: str
    overall: str
    verdicts: tuple[ProbeVerdict, ...] = ()
    error: str | None = None

    @classmethod
    def from_line(cls, line: str) -> ProbeOutcome:
        data: Any = json.loads(line)
        return cls(
            address=str(data["address"]),
            overall=str(data["overall"]),
            verdicts=tuple(
                ProbeVerdict(
                    requirement=v["requirement"],
                    verdict=v["verdict"],
                    reasons=tuple(v.get("reasons", ())),
                )
                for v in data.get("verdicts", ())
            ),
            error=data.get("error"),
        )

    def with_verdict(self, verdict: str) -> tuple[ProbeVerdict, ...]:
        return tuple(v for v in self.verdicts if v.verdict == verdict)


class DeviceResult(Frozen):
    device: Device
    #: the label verdict against the policy (``procurement.evaluate``)
    label: LineResult
    #: a label valid on the day was found (whatever the policy asks of it)
    labelled: bool
    firmware: FirmwareCheck
    #: the device's own probe; null when the audit did not probe
    probe: ProbeOutcome | None = None
    #: a labelled device failing its own label's ★1 requirements, one line each
    findings: tuple[str, ...] = ()
    #: ★1 requirements the probe could not judge or left to the vendor, one line each
    open_questions: tuple[str, ...] = ()

    @property
    def probe_failed(self) -> bool:
        """Probed, but not one verdict came back: the device could not be tested."""
        return self.probe is not None and not self.probe.verdicts

    @property
    def clean(self) -> bool:
        return (
            self.label.verdict == "met"
            and not self.findings
            and self.firmware.status != "differs"
            and not self.probe_failed
        )


class SiteCount(Frozen):
    devices: int = 0
    labelled: int = 0
    unlabelled: int = 0
    policy_met: int = 0
    with_findings: int = 0


class AuditSummary(Frozen):
    devices: int
    labelled: int
    unlabelled: int
    policy_met: int
    #: devices with at least one finding, and the findings in all
    with_findings: int
    findings: int
    firmware_differs: int
    probed: int
    probe_incomplete: int
    by_site: dict[str, SiteCount]


class AuditResult(Frozen):
    """A whole audit (``--format json``)."""

    schema_version: str = AUDIT_SCHEMA_VERSION
    policy: str
    policy_name: str
    policy_version: str
    source: str
    on: dt.date
    probed: bool
    devices: tuple[DeviceResult, ...]
    summary: AuditSummary
    scope_note: str = PRODUCT_ALONE

    @property
    def clean(self) -> bool:
        return all(d.clean for d in self.devices)


# -- the inventory ------------------------------------------------------------------


def read_inventory_devices(path: Path) -> tuple[Device, ...]:
    """Every device of the inventory at ``path`` (CSV UTF-8/Shift_JIS or XLSX; English or
    Japanese headers); ``InventoryError`` naming the file and field when it cannot be read."""
    try:
        rows = [row for row in read_rows(path) if any(cell.strip() for cell in row)]
    except ModelListError as exc:
        raise InventoryError(str(exc)) from None
    if not rows:
        raise InventoryError(f"{path}: empty file (a header row with address and model is needed)")
    columns = _columns(path, rows[0])
    devices: list[Device] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):

        def cell(field: str, row: list[str] = row) -> str | None:
            position = columns.get(field)
            value = row[position].strip() if position is not None and position < len(row) else ""
            return value or None

        address, model = cell("address"), cell("model")
        if address is None:
            raise InventoryError(f"{path}:{number}: address: empty")
        if model is None:
            raise InventoryError(f"{path}:{number}: model: empty")
        if address in seen:
            raise InventoryError(
                f"{path}:{number}: address: {address} is listed twice (also line {seen[address]})"
            )
        seen[address] = number
        devices.append(
            Device(
                address=address,
                model=model,
                vendor=cell("vendor"),
                firmware=cell("firmware"),
                site=cell("site"),
                product_type=cell("product_type"),
                ports=cell("ports"),
                profile=cell("profile"),
                line=number,
                source=f"{path.name}:{number}",
            )
        )
    if not devices:
        raise InventoryError(f"{path}: no devices below the header row")
    return tuple(devices)


def _columns(path: Path, header: Sequence[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for position, name in enumerate(header):
        field = INVENTORY_HEADERS.get(header_key(name))
        if field and field not in columns:
            columns[field] = position
    for field, names in (("address", "アドレス/address/ip"), ("model", "型番/model/model_number")):
        if field not in columns:
            found = ", ".join(repr(h) for h in header if h.strip()) or "none"
            raise InventoryError(
                f"{path}: no {field} column ({names}) in the header row (found: {found})"
            )
    return columns


def read_probe_results(lines: Sequence[str]) -> dict[str, ProbeOutcome]:
    """The probe's JSON lines by address (the last line of an address wins)."""
    out: dict[str, ProbeOutcome] = {}
    for line in lines:
        if not line.strip():
            continue
        try:
            outcome = ProbeOutcome.from_line(line)
        except (ValueError, KeyError, TypeError, ValidationError):
            continue  # a torn line: that device counts as not probed
        out[outcome.address] = outcome
    return out


# -- the audit ----------------------------------------------------------------------


def model_lines(devices: Sequence[Device]) -> tuple[ModelLine, ...]:
    """The devices as a model list, for ``procurement.check.lookup_lines``."""
    return tuple(_model_line(d) for d in devices)


def audit_devices(
    devices: Sequence[Device],
    lookup: Lookup,
    policy: Policy,
    on: dt.date,
    source: str,
    probes: Mapping[str, ProbeOutcome] | None = None,
    importance: Importance | None = None,
    product_type: str | None = None,
) -> AuditResult:
    """Every device's result (the steps of the module docstring) and the summary; ``probes``
    is None when the audit did not probe, else the probe's outcome by address."""
    results = tuple(
        audit_device(d, lookup, policy, on, probes, importance, product_type) for d in devices
    )
    return AuditResult(
        policy=policy.id,
        policy_name=policy.name_en,
        policy_version=policy.version,
        source=source,
        on=on,
        probed=probes is not None,
        devices=results,
        summary=summarise(results),
    )


def audit_device(
    device: Device,
    lookup: Lookup,
    policy: Policy,
    on: dt.date,
    probes: Mapping[str, ProbeOutcome] | None,
    importance: Importance | None = None,
    product_type: str | None = None,
) -> DeviceResult:
    label = check_line(_model_line(device), lookup, policy, on, importance, product_type)
    valid = [j.standing for j in label.labels if j.standing.status == "valid"]
    probe: ProbeOutcome | None = None
    findings: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    if probes is not None:
        probe = probes.get(device.address) or ProbeOutcome(
            address=device.address, overall="INCOMPLETE", error="the probe gave no result"
        )
        questions = _open_questions(probe)
        if valid:
            best = max(valid, key=lambda s: s.level)
            claim = f"labelled ★{best.level} ({best.registration_no})"
            findings = tuple(
                f"{claim} but fails {v.requirement} on this device: {'; '.join(v.reasons)}"
                for v in probe.with_verdict("NOT_MET")
                if v.requirement.startswith(STAR1_PREFIX)
            )
    return DeviceResult(
        device=device,
        label=label,
        labelled=bool(valid),
        firmware=compare_firmware(device, label, lookup),
        probe=probe,
        findings=findings,
        open_questions=questions,
    )


def compare_firmware(device: Device, label: LineResult, lookup: Lookup) -> FirmwareCheck:
    """The device's firmware version against the versions its label names (step 2)."""
    numbers = {label.chosen} if label.chosen else {j.standing.registration_no for j in label.labels}
    if not numbers:
        return FirmwareCheck(status="no_label", text="no label to compare the firmware with")
    if device.firmware is None:
        return FirmwareCheck(status="not_given", text="the inventory gives no firmware version")
    named = sorted({v for r in _records(lookup, numbers) for v in r.firmware_versions})
    if not named:
        return FirmwareCheck(
            status="label_names_none",
            text=f"label names no firmware version (device runs {device.firmware})",
        )
    if model_key(device.firmware) in {model_key(v) for v in named}:
        return FirmwareCheck(
            status="labelled", text=f"{device.firmware} is a version the label names"
        )
    return FirmwareCheck(
        status="differs",
        text=f"device runs {device.firmware}; the label names {', '.join(named)}",
    )


def summarise(results: Sequence[DeviceResult]) -> AuditSummary:
    sites: dict[str, dict[str, int]] = {}
    for result in results:
        count = sites.setdefault(
            result.device.site or "(no site)", dict.fromkeys(SiteCount.model_fields, 0)
        )
        count["devices"] += 1
        count["labelled" if result.labelled else "unlabelled"] += 1
        count["policy_met"] += result.label.verdict == "met"
        count["with_findings"] += bool(result.findings)
    probed = [r.probe for r in results if r.probe is not None]
    return AuditSummary(
        devices=len(results),
        labelled=sum(r.labelled for r in results),
        unlabelled=sum(not r.labelled for r in results),
        policy_met=sum(r.label.verdict == "met" for r in results),
        with_findings=sum(bool(r.findings) for r in results),
        findings=sum(len(r.findings) for r in results),
        firmware_differs=sum(r.firmware.status == "differs" for r in results),
        probed=len(probed),
        probe_incomplete=sum(p.overall == "INCOMPLETE" for p in probed),
        by_site={site: SiteCount(**count) for site, count in sorted(sites.items())},
    )


def _model_line(device: Device) -> ModelLine:
    return ModelLine(
        model=device.model,
        vendor=device.vendor,
        firmware=device.firmware,
        product_type=device.product_type,
        source=device.source,
    )


def _records(lookup: Lookup, numbers: set[str]) -> list[LabelRecord]:
    known = {r.registration_no: r for rs in lookup.by_model.values() for r in rs}
    known |= {n: r for n, r in lookup.by_registration.items() if r is not None}
    return [known[n] for n in sorted(numbers) if n in known]


def _open_questions(probe: ProbeOutcome) -> tuple[str, ...]:
    """What the probe could not settle: never read as conformance."""
    if probe.overall == "INCOMPLETE" and not probe.verdicts:
        return (f"probe incomplete: {probe.error or 'no result'}",)
    return tuple(
        f"{kind}: {v.requirement}: {'; '.join(v.reasons) or 'no reason given'}"
        for kind, verdict in (("inconclusive", "INCONCLUSIVE"), ("needs review", "NEEDS_REVIEW"))
        for v in probe.with_verdict(verdict)
    )
