"""jcstar: JC-STAR IoT security labelling, from assessment to registry."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jcstar")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"
