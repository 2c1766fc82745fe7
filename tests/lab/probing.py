"""Run ``jcstar probe`` inside a lab device's namespace and read its verdicts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.lab.device import LabDevice


def probe_in(
    device: LabDevice, tmp_path: Path, profile_text: str | None = None
) -> tuple[int, dict[str, dict]]:
    """(exit code, verdicts by requirement) of ``jcstar probe`` run inside ``device``'s
    namespace, with ``profile_text`` as its ``--profile`` when given."""
    command = [sys.executable, "-m", "jcstar", "probe", device.host, "--format", "json"]
    if profile_text is not None:
        profile = tmp_path / "profile.yaml"
        profile.write_text(profile_text, encoding="utf-8")
        command += ["--profile", str(profile)]
    result = device.run(command, timeout=600)
    assert result.stdout.startswith("{"), result.stderr
    report = json.loads(result.stdout)
    return result.returncode, {v["requirement"]: v for v in report["verdicts"]}
