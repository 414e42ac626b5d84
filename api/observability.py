"""Placeholder: metrics and structured logs, filled in by their own change."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add metrics to ``app``."""
