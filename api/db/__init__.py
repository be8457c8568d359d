"""Persistence: SQLAlchemy 2 tables, Alembic migrations, the connection set-up per dialect."""
