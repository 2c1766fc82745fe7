"""Label status for machines: bulk and point-in-time status, and the signed snapshot."""
