"""The machine a measurement was taken on, in one line (benchmarks and evaluations print it)."""

from __future__ import annotations

import os
import platform


def describe_machine() -> str:
    """Architecture, system, the CPUs this process may use, and the Python version."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{platform.machine()} {platform.system()}, {cores or 1} cores, "
        f"Python {platform.python_version()}"
    )
