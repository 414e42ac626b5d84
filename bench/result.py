"""The one shape every benchmark reports."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Result:
    """``ours`` and ``peer`` in ``unit`` (higher is better); ``ok`` when ratio >= target."""

    bench: str
    ours: float
    peer: float
    unit: str
    target: float
    note: str = ""

    @property
    def ratio(self) -> float:
        """ours / peer."""
        return self.ours / self.peer if self.peer else float("inf")

    @property
    def ok(self) -> bool:
        """Whether the ratio reaches the target."""
        return self.ratio >= self.target

    def json_line(self) -> str:
        """One JSON line with the keys bench, ours, peer, ratio, unit, target, ok."""
        data = asdict(self)
        data.pop("note")
        data.update(
            ours=round(self.ours, 2),
            peer=round(self.peer, 2),
            ratio=round(self.ratio, 3),
            ok=self.ok,
        )
        return json.dumps(data)
