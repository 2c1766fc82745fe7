"""Organisations, users, API tokens and login sessions."""
