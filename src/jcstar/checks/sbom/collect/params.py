"""The profile's ``sbom:`` section: the vendor's SBOM file and the feed to match it against."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from jcstar.checks.base import ABSENT, SBOM, CheckInput, Frozen, SkipCheck

TARGET = SBOM


class SbomParams(Frozen):
    #: the vendor's SBOM: CycloneDX JSON, SPDX 2.x JSON or tag-value, or SPDX documents as
    #: Yocto writes them (a directory, its ``*.spdx.index.json``, a ``.tar``/``.tar.zst``)
    file: str = Field(min_length=1)
    #: OSV JSON (a list or ``{"vulns": [...]}``) or a CSAF/VEX file, as ``firmware.vuln_feed``
    vuln_feed: str | None = None

    def resolved(self, base_dir: Path) -> SbomParams:
        """The same parameters with relative paths taken from ``base_dir`` (the profile's
        directory), so the check never depends on the working directory."""
        return self.model_copy(
            update={
                name: str(base_dir / value)
                for name in ("file", "vuln_feed")
                if (value := getattr(self, name)) is not None and not Path(value).is_absolute()
            }
        )

    def __str__(self) -> str:
        # what an attempt's ``target`` names: the file, not the model's fields
        return self.file


def sbom_params(given: CheckInput) -> SbomParams:
    """The run's ``sbom:`` section, its paths resolved; a skip when the profile has none."""
    params = given.target(TARGET)
    if params is None:
        raise SkipCheck(ABSENT[TARGET])
    if not isinstance(params, SbomParams):
        raise TypeError(f"the {TARGET} target must be SbomParams, got {params!r}")
    return params.resolved(Path(given.base_dir))
