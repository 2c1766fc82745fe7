"""Network checks: probe a live device over IP (loopback or a test namespace in tests)."""
