"""Matching rows of the finance workbook (BURC) to the deals in the pipeline.

A BURC row is the same deal as a stored opportunity of the same client when, in this order:

1. **External id**: the row's external id is the opportunity's.
2. **Same name**: the names agree ignoring case, punctuation and spacing ("EMR - Renewal" is
   "emr renewal"). This is the upsert key, so the deal is updated even when the ACV moved; the
   report notes an ACV outside the tolerance.
3. **Similar name and ACV**: the *match names* agree and the ACVs agree within the tolerance.
   A match name is the name without the client's own name ("Barwon Health - EMR" -> "emr"),
   fiscal-period tags (FY26, FY2026, FY25/26, 2026, Q3, H1), filler words (the, and, of, for,
   deal, opportunity, opp) and the word renewal (renewals, renew): BURC lines of recurring
   revenue add "Renewal FY26" to the CRM's name. Because the ACV must agree too, "EMR" and
   "EMR renewal" only match when they are worth the same. Of several such deals the one with
   the closest ACV wins.

The ACV tolerance is 2% of the pipeline deal's ACV or $1,000, whichever is larger (inclusive).
A row that matches no deal is a new deal. A deal with another external id than the row's is
never matched by name.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

TOLERANCE_SHARE = Decimal("0.02")
TOLERANCE_FLOOR = Decimal(1000)
_FILLER = frozenset({"the", "and", "of", "for", "deal", "opportunity", "opp"})
_RENEWAL = frozenset({"renewal", "renewals", "renew"})
_PERIOD = re.compile(r"^(?:fy(?:\d{2}|\d{4})|(?:19|20)\d{2}|q[1-4]|h[12])$")

How = Literal["external id", "same name", "similar name and ACV"]


def key_name(name: str) -> str:
    """The name without case, punctuation or extra spacing (the upsert key)."""
    text = unicodedata.normalize("NFKC", name).casefold().replace("&", " and ")
    return " ".join(re.findall(r"[^\W_]+", text))


def match_name(name: str, client_name: str) -> str:
    """The name reduced to what tells deals apart (see the module's rules)."""
    words = key_name(name).split()
    client = key_name(client_name).split()
    for start in range(len(words) - len(client) + 1):
        if client and words[start : start + len(client)] == client:
            words = words[:start] + words[start + len(client) :]
            break
    # "FY25/26" splits into "fy25" and "26"; a bare two-digit number right after one goes too.
    kept: list[str] = []
    previous_period = False
    for word in words:
        period = bool(_PERIOD.match(word)) or (
            previous_period and len(word) == 2 and word.isdigit()
        )
        if not period and word not in _FILLER and word not in _RENEWAL:
            kept.append(word)
        previous_period = period
    return " ".join(kept) or key_name(name)


def acv_agrees(pipeline_acv: Decimal, burc_acv: Decimal) -> bool:
    """Within 2% of the pipeline's ACV or $1,000, whichever is larger."""
    allowed = max(abs(pipeline_acv) * TOLERANCE_SHARE, TOLERANCE_FLOOR)
    return abs(burc_acv - pipeline_acv) <= allowed


@dataclass(frozen=True)
class Match:
    """The stored deal a row is, and by which rule (or a reason it cannot be decided)."""

    deal: dict[str, Any] | None
    how: How | None = None
    problem: str | None = None
    acv_moved: bool = False


class DealIndex:
    """The stored opportunities, indexed for the three rules."""

    def __init__(self, deals: Iterable[dict[str, Any]], client_names: dict[uuid.UUID, str]):
        self.deals = list(deals)
        self._by_external = {d["external_id"]: d for d in self.deals if d["external_id"]}
        self._by_key: dict[tuple[uuid.UUID, str], dict[str, Any]] = {}
        self._by_match: dict[tuple[uuid.UUID, str], list[dict[str, Any]]] = defaultdict(list)
        for deal in self.deals:
            client = deal["client_id"]
            self._by_key[(client, key_name(deal["name"]))] = deal
            self._by_match[(client, match_name(deal["name"], client_names[client]))].append(deal)

    def find(
        self,
        client_id: uuid.UUID,
        client_name: str,
        name: str,
        acv: Decimal,
        external_id: str | None,
    ) -> Match:
        """The deal this row is, by the module's rules; ``Match(None)`` for a new deal."""
        if external_id and external_id in self._by_external:
            deal = self._by_external[external_id]
            if deal["client_id"] != client_id:
                return Match(None, problem=f"external id {external_id!r} is a deal of "
                             "another client")  # fmt: skip
            return Match(deal, "external id")
        same = self._by_key.get((client_id, key_name(name)))
        if same is not None:
            if external_id and same["external_id"] and same["external_id"] != external_id:
                return Match(None, problem=f"the deal {same['name']!r} exists with external id "
                             f"{same['external_id']!r}, not {external_id!r}")  # fmt: skip
            return Match(same, "same name", acv_moved=not acv_agrees(same["acv"], acv))
        candidates = [
            deal
            for deal in self._by_match.get((client_id, match_name(name, client_name)), [])
            if not (external_id and deal["external_id"]) and acv_agrees(deal["acv"], acv)
        ]
        if not candidates:
            return Match(None)
        best = min(candidates, key=lambda d: (abs(d["acv"] - acv), d["name"]))
        return Match(best, "similar name and ACV")
