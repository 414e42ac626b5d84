"""Alembic migrations of ChaSen's schema (run by ``chasen db upgrade``)."""
