"""The transparency log: an append-only, hash-chained record of publications and status changes."""
