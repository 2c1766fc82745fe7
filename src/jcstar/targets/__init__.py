"""What is assessed, prepared for the checks: firmware images (unpacked, contained)."""
