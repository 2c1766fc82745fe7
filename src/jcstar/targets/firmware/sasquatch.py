"""A stand-in for ``sasquatch``, which unblob runs for every SquashFS image.

Debian has no sasquatch (onekey-sec's patched unsquashfs for vendor variants); its
``unsquashfs`` reads standard SquashFS (v4, gzip/xz/lzo/lz4/zstd) and nothing else.
This drops the options only sasquatch knows and runs ``unsquashfs`` with the rest.
It is put on unblob's PATH only when no real sasquatch is installed, and the unpack
result says so, because a vendor LZMA variant then stays unextracted.
"""

from __future__ import annotations

import subprocess
import sys

SASQUATCH_ONLY = {"-le", "-be", "-no-exit-code"}


def main(argv: list[str]) -> int:
    args = [a for a in argv if a not in SASQUATCH_ONLY]
    # unblob's sandbox refuses extended attributes; asking for none avoids an error each file
    code = subprocess.call(["unsquashfs", "-no-xattrs", *args])
    # sasquatch -no-exit-code reports problems on stderr only; unblob asks for that
    return 0 if "-no-exit-code" in argv else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
