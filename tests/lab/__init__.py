"""Real-daemon "device under test" lab: Debian daemons in a private network namespace.

See tests/lab/README.md. The public names are re-exported here.
"""

from tests.lab.device import LabDevice, LabError, LabUnavailable

__all__ = ["LabDevice", "LabError", "LabUnavailable"]
