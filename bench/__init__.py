"""Benchmarks: each measures ChaSen against a peer or floor in the same run.

A benchmark module has ``NAME`` and ``run(quick: bool) -> Result``; add it to ``BENCHMARKS``.
"""
