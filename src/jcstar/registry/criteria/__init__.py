"""Criteria versions: the versions of each level's criteria the operator has published, and
what they mean for a report being submitted and for the labels already issued."""
