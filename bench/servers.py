"""What the benchmarks that serve ChaSen need: the ``chasen`` script, a port, the environment
variables not to pass on, and the latencies one kind of load recorded."""

from __future__ import annotations

import shutil
import socket
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

READY_TIMEOUT_S = 120.0
"""How long a server started by a benchmark may take to answer."""

# Variables that would point the server elsewhere or change how it checks tokens.
FOREIGN_ENV = (
    "CHASEN_DB_URL",
    "CHASEN_DB_DATA_DIR",
    "SUPABASE_JWT_SECRET",
    "CHASEN_API_JWT_AUDIENCE",
    "CHASEN_API_API_KEYS",
)


@dataclass
class Phase:
    """What one kind of load did over its rounds: latencies (s), measured time, failures."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        """Requests per second over the measured time."""
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def ms(self, percentile: int) -> float:
        """A latency percentile in milliseconds."""
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return cuts[percentile - 1] * 1000

    def failed(self) -> str:
        """The failures as ``status x count``, or ``none``."""
        return ", ".join(f"{k} x{n}" for k, n in sorted(self.failures.items())) or "none"


def chasen_script() -> str:
    """The ``chasen`` console script of this interpreter's environment."""
    beside = Path(sys.executable).with_name("chasen")
    found = str(beside) if beside.exists() else shutil.which("chasen")
    if found is None:
        raise RuntimeError("no `chasen` script beside the interpreter or on PATH")
    return found


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
