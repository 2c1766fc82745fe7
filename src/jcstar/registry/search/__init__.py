"""Finding labels: full-text search (Japanese and English) with filters, and bulk export."""
