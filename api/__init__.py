"""The HTTP API (FastAPI): an adapter over the domain services."""
