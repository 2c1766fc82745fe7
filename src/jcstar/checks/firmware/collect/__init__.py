"""What the firmware checks read the image through: the unpacked image (once a run),
its parameters, file readers, account databases, config files, keys, component feeds,
update signatures and SBOM output. No module here imports :mod:`jcstar.checks.network`."""
