"""The targets a run can read, registered in one place.

A new target (a cloud API, a companion app) brings its checks and collectors in
``checks/<target>/``, its inputs here in one module implementing :class:`Target`, and one line
in ``TARGETS``; the pipeline and the runner never name a target (docs/adding-a-target.md).
"""

from __future__ import annotations

from jcstar.assessment.targets.base import Finished, Target
from jcstar.assessment.targets.device import DeviceInputs
from jcstar.assessment.targets.documents import DocumentInputs
from jcstar.assessment.targets.firmware import FirmwareInputs
from jcstar.assessment.targets.sbom import SbomInputs

TargetSet = tuple[Target, ...]

#: every target a run can read, in the order their input files are listed in a report
TARGETS: TargetSet = (
    DeviceInputs(),
    FirmwareInputs(),
    SbomInputs(),
    DocumentInputs(),
)


def with_target(targets: TargetSet, replacement: Target) -> TargetSet:
    """``targets`` with the one of the same name replaced (a run's own options: a fleet's
    shared pacer, the directory an image is kept in), or added when it is not there."""
    kept = tuple(t for t in targets if t.name != replacement.name)
    if len(kept) == len(targets):
        return (*targets, replacement)
    return tuple(replacement if t.name == replacement.name else t for t in targets)


__all__ = ["TARGETS", "Finished", "Target", "TargetSet", "with_target"]
