"""The files a ``firmware:`` section names, checked before anything runs.

A missing image or a feed that is not OSV/CSAF is the user's input being wrong: it is
refused up front with one line naming the file (exit 2), rather than surfacing as a
check error (an INCONCLUSIVE verdict, exit 3) after minutes of unpacking.
"""

from __future__ import annotations

import os
from pathlib import Path

from jcstar.checks.firmware.collect.params import FirmwareParams
from jcstar.targets.firmware import UnpackError, refuse_host_root

#: option name on the command line of each file field (the profile uses the field name)
FILE_FIELDS = ("update_package", "signature", "public_key", "vuln_feed")


def check_image(path: str, what: str = "firmware image") -> None:
    """ValueError unless ``path`` is a file or a directory other than this machine's ``/``."""
    if not os.path.exists(path):
        raise ValueError(f"{path}: {what} not found")
    try:
        refuse_host_root(Path(path))
    except UnpackError as exc:
        raise ValueError(str(exc)) from None


def check_files(params: FirmwareParams, fields: tuple[str, ...] = FILE_FIELDS) -> None:
    """ValueError (one line naming the file) unless each named file is usable: the image
    and same-model images exist, the public key loads, the vulnerability feed parses."""
    # imported here: these pull in cryptography and univers, which most commands never need
    from jcstar.checks.firmware.collect.signature import load_public_key
    from jcstar.checks.vulnfeed import load_feed

    check_image(params.image)
    for other in params.same_model:
        check_image(other, "--same-model image")
        if os.path.realpath(other) == os.path.realpath(params.image):
            raise ValueError(f"{other}: --same-model names the image itself")
    for name in fields:
        value = getattr(params, name)
        if value is not None and not Path(value).is_file():
            raise ValueError(f"{value}: {name.replace('_', ' ')} file not found")
    if "public_key" in fields and params.public_key:
        load_public_key(Path(params.public_key))
    if "vuln_feed" in fields and params.vuln_feed:
        load_feed(Path(params.vuln_feed))
