"""Evaluation suites that measure ChaSen's behaviour."""
