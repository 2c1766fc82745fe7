"""Issued labels: signing, status changes with their history, renewal, security notices."""
