"""Deterministic stakeholder detection in meeting transcripts: names, titles, sides, roles."""
