"""Churn risk: features, models, predictions and digests (domain only)."""
