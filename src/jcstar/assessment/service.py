"""One call from files to a report: what the CLI (and later the registry) use."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from jcstar.assessment.inputs import load_profile
from jcstar.assessment.models import AssessmentReport
from jcstar.assessment.pipeline import assess
from jcstar.assessment.runner import OnAttempt


def assess_files(
    profile_path: Path,
    answers_path: Path | None = None,
    timeout_s: float | None = None,
    on_attempt: OnAttempt | None = None,
    also: Sequence[str] = (),
) -> AssessmentReport:
    """Every check the profile's targets allow, with the answers; an unpacked image is
    removed after the run and its files' digests join the inputs."""
    profile, profile_digest = load_profile(profile_path)
    assessed = asyncio.run(
        assess(
            profile,
            profile_path.parent,
            inputs=[profile_digest],
            answers_path=answers_path,
            timeout_s=timeout_s,
            on_attempt=on_attempt,
            also=also,
        )
    )
    return assessed.report
