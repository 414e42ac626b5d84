"""Token budgets: fitting whole records into a prompt by priority, counted with tiktoken."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.tokens import encoding

ENCODING = "o200k_base"


def count_tokens(text: str, encoding_name: str = ENCODING) -> int:
    """Tokens ``text`` takes in ``encoding_name``."""
    return len(encoding(encoding_name).encode(text, disallowed_special=()))


@dataclass(frozen=True)
class Record:
    """One line or block of a prompt; lower ``priority`` numbers are kept first."""

    text: str
    priority: int = 1


@dataclass(frozen=True)
class Fitted:
    """The records that fit, in their original order, and what was left out."""

    texts: list[str]
    tokens: int
    dropped: int

    def joined(self, note_dropped: bool = True) -> str:
        """The kept records one per line, with a last line saying how many were left out."""
        lines = list(self.texts)
        if note_dropped and self.dropped:
            lines.append(f"({self.dropped} more left out to fit the token budget)")
        return "\n".join(lines)


def fit_records(records: Sequence[Record], budget: int, encoding_name: str = ENCODING) -> Fitted:
    """Keep whole records, most important first, while their tokens stay within ``budget``.

    A record is never cut: one that does not fit is left out, and smaller ones of the same or
    lower priority may still fit after it. The kept records keep their input order.
    """
    costs = [count_tokens(r.text + "\n", encoding_name) for r in records]
    order = sorted(range(len(records)), key=lambda i: (records[i].priority, i))
    kept: set[int] = set()
    used = 0
    for i in order:
        if used + costs[i] <= budget:
            kept.add(i)
            used += costs[i]
    texts = [records[i].text for i in range(len(records)) if i in kept]
    return Fitted(texts=texts, tokens=used, dropped=len(records) - len(kept))
