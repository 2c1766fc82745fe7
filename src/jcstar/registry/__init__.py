"""The label registry: applications, review, signed labels, the public registry and its log.

A FastAPI service over SQLAlchemy (SQLite by default, PostgreSQL by URL). One folder per
domain, each with its models, schemas, service and router; the app factory is in ``app.py``.
"""
