"""Client for the label registry's HTTP API (``jcstar apply``, ``review``, ``label``, ``log``)."""

from jcstar.client.api import RegistryClient
from jcstar.client.errors import RegistryError, RegistryUnavailable

__all__ = ["RegistryClient", "RegistryError", "RegistryUnavailable"]
