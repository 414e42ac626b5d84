"""The one shape every benchmark reports."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Result:
    """``ours`` and ``peer`` in ``unit``; the ratio is always ours / peer.

    When ``higher_is_better`` (throughput, recall) ``ok`` means ratio >= target; otherwise
    (latency) it means ratio <= target.
    """

    bench: str
    ours: float
    peer: float
    unit: str
    target: float
    note: str = ""
    higher_is_better: bool = True

    @classmethod
    def budget(cls, bench: str, ours: float, limit: float, unit: str, note: str = "") -> Result:
        """``ours`` against an absolute limit (a latency or a duration): ok when within it."""
        return cls(bench, ours, limit, unit, target=1.0, note=note, higher_is_better=False)

    @property
    def ratio(self) -> float:
        """ours / peer."""
        return self.ours / self.peer if self.peer else float("inf")

    @property
    def ok(self) -> bool:
        """Whether the ratio reaches the target, in the direction that counts as better."""
        if self.higher_is_better:
            return self.ratio >= self.target
        return self.ratio <= self.target

    def json_line(self) -> str:
        """One JSON line: bench, ours, peer, unit, target, higher_is_better, ratio, ok."""
        data = asdict(self)
        data.pop("note")
        data.update(
            ours=round(self.ours, 4),
            peer=round(self.peer, 4),
            ratio=round(self.ratio, 3),
            ok=self.ok,
        )
        return json.dumps(data)
