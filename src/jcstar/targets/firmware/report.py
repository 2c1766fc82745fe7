"""Read unblob's JSON report: what went wrong, and whether content was lost."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: reports after which part of the image may be missing from the extraction
LOSES_CONTENT = {
    "ExtractCommandFailedReport",
    "ExtractorDependencyNotFoundReport",
    "ExtractorTimedOut",
    "UnknownError",
    "CalculateChunkExceptionReport",
    "CalculateMultiFileExceptionReport",
}


@dataclass
class ReportSummary:
    problems: list[str] = field(default_factory=list)
    lost_content: bool = False
    squashfs: bool = False  # a SquashFS chunk was extracted (so sasquatch ran)
    depth_reached: bool = False


def read_report(report: Path, extract: Path, max_depth: int) -> ReportSummary:
    summary = ReportSummary()
    try:
        tasks = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        summary.problems.append(f"unblob report unreadable: {exc}")
        summary.lost_content = True
        return summary
    seen: dict[str, list[str]] = {}  # one line per kind of problem, with its paths
    for task in tasks if isinstance(tasks, list) else []:
        entries = _flatten(task.get("reports", []))
        # unblob stops at --depth silently: a task that deep was listed, never opened
        depth = task.get("task", {}).get("depth", 0)
        summary.depth_reached |= isinstance(depth, int) and depth >= max_depth
        for entry in entries:
            kind = str(entry.get("__typename__", ""))
            summary.squashfs |= str(entry.get("handler_name", "")).startswith("squashfs")
            summary.lost_content |= kind in LOSES_CONTENT
            described = _describe(kind, entry, extract)
            if described:
                seen.setdefault(described[0], []).append(described[1])
    summary.problems.extend(_grouped(seen))
    if summary.depth_reached:
        summary.lost_content = True
        summary.problems.append("nesting limit reached: files at the deepest level not unpacked")
    return summary


def _flatten(reports: list[Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for entry in reports:
        if isinstance(entry, dict):
            found.append(entry)
            found.extend(_flatten(entry.get("extraction_reports", [])))
    return found


def _stderr(entry: dict[str, Any]) -> str:
    try:
        return base64.b64decode(str(entry.get("stderr", ""))).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


def _error_line(entry: dict[str, Any]) -> str:
    stderr = _stderr(entry)
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or [f"exit code {entry.get('exit_code')}"])[0][:200]


def _squashfs_line(entry: dict[str, Any]) -> str:
    """The stand-in sasquatch's own line ("SquashFS 3.0 big-endian, LZMA ...: needs
    sasquatch"), if it wrote one."""
    for line in _stderr(entry).splitlines():
        if line.startswith("SquashFS ") and ("needs " in line or "7-Zip" in line):
            return line.strip()[:300]
    return ""


def _grouped(seen: dict[str, list[str]]) -> list[str]:
    """A rootfs can hold hundreds of alike problems (device nodes, xattrs): one line each kind."""
    lines = []
    for text, paths in seen.items():
        named = [p for p in paths if p]
        if len(paths) == 1:
            lines.append(f"{text}: {named[0]}" if named else text)
        else:
            example = f", e.g. {named[0]}" if named else ""
            lines.append(f"{text} ({len(paths)} times{example})")
    return lines


def _describe(kind: str, entry: dict[str, Any], extract: Path) -> tuple[str, str] | None:
    """(what went wrong, where) for a problem worth telling the user; None for the rest."""

    def rel(value: Any) -> str:
        return str(value or "").removeprefix(str(extract) + "/")

    if kind == "ExtractorDependencyNotFoundReport":
        return f"extractor not installed: {', '.join(entry.get('dependencies', []))}", ""
    if kind == "ExtractCommandFailedReport":
        tool = str(entry.get("command", "")).split(" ")[0]
        variant = _squashfs_line(entry) if tool.startswith("sasquatch") else ""
        if variant:  # jcstar's stand-in names the variant and the extractor it needs
            return variant, ""
        return f"{tool} did not extract everything: {_error_line(entry)}", ""
    if kind == "MaliciousSymlinkRemoved":
        return (
            "link leaving the image removed",
            f"{rel(entry.get('link'))} -> {entry.get('target')}",
        )
    if kind == "ExtractorTimedOut":
        return f"extractor timed out: {entry.get('cmd', '')}", ""
    if kind.endswith("Problem"):
        resolution = str(entry.get("resolution", ""))
        if resolution.startswith("Converted"):
            return None  # /bin/sh -> /bin/busybox made relative: how the device reads it too
        return f"{entry.get('problem', kind)} {resolution}".strip(), rel(entry.get("path"))
    if "severity" in entry:
        detail = str(entry.get("exception") or "").strip()
        return f"{kind}: {detail.splitlines()[-1] if detail else ''}".rstrip(": "), ""
    return None  # stat, magic, hashes, chunks, padding: normal
