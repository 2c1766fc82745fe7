"""The profile's ``firmware:`` section: the image and the files that come with it."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from jcstar.checks.base import Frozen
from jcstar.targets.firmware import Limits

#: what a firmware check may take beyond the extraction's own ``timeout_s``: hashing the
#: image and reading what was extracted (about 10 s for a 64 MB image in bench/FIRMWARE.md;
#: a 4 GiB image at the size limit, some minutes)
ANALYSIS_S = 600.0
_PATH_FIELDS = ("image", "update_package", "signature", "public_key", "vuln_feed", "sbom_out")


class FirmwareParams(Frozen):
    #: image file, or a directory that is already a root filesystem
    image: str = Field(min_length=1)
    update_package: str | None = None
    #: detached signature of ``update_package``
    signature: str | None = None
    #: vendor public key or certificate (PEM)
    public_key: str | None = None
    #: OSV JSON (a list or ``{"vulns": [...]}``) or a CSAF/VEX file
    vuln_feed: str | None = None
    sbom_out: str | None = None
    #: other images of the same model (e.g. dumps of other units): an account whose
    #: password hash is identical in them is a shared default (S1.1-02)
    same_model: tuple[str, ...] = ()
    max_total_bytes: int = Field(default=4 * 1024**3, gt=0)
    max_files: int = Field(default=200_000, gt=0)
    max_depth: int = Field(default=8, ge=1, le=32)
    timeout_s: float = Field(default=900, gt=0)

    def resolved(self, base_dir: Path) -> FirmwareParams:
        """The same parameters with relative paths taken from ``base_dir`` (the
        profile's directory), so checks never depend on the working directory."""
        update = {
            name: str(base_dir / value)
            for name in _PATH_FIELDS
            if (value := getattr(self, name)) is not None and not Path(value).is_absolute()
        }
        others = tuple(str(base_dir / other) for other in self.same_model)
        return self.model_copy(update=update | {"same_model": others})

    def budget_s(self, images: int = 1) -> float:
        """A check's time budget: extracting ``images`` one after another, then reading them."""
        return images * self.timeout_s + ANALYSIS_S

    @property
    def limits(self) -> Limits:
        return Limits(
            max_total_bytes=self.max_total_bytes,
            max_files=self.max_files,
            max_depth=self.max_depth,
            timeout_s=self.timeout_s,
        )
