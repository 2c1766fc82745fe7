"""The registry's signing keys as the operator manages them: listed, and rotated (logged)."""
