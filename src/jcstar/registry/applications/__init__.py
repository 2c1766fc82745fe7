"""Applications for a label: draft, documents, submission with re-validation, review."""
