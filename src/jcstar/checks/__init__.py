"""Automated checks. A check observes a target; the catalog maps what it sees to requirements."""
