"""The phrases a draft states figures in, and where each figure is found on record.

Each rule is a pattern whose group ``v`` is the figure and a key naming its source: a field of
the client or deal named closest before it, a count of a draft section, or a figure of the
whole scope (pipeline, targets, meetings). The words are those of the templated summary and
the plain variants a model uses ("ARR of $2,850,000", "coverage is 3.84x").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from evals.draft_truth import ClientFacts, DealFacts, Truth, grade, health_band

KINDS = ("reason", "deal", "meeting", "client", "person")
BASE = 0xE000  # masked names are private-use characters, a block of 512 per kind
DIMENSIONS = {
    "metrics": "metrics", "economic buyer": "economic_buyer",
    "decision criteria": "decision_criteria", "decision process": "decision_process",
    "paper process": "paper_process", "identify pain": "identify_pain",
    "champion": "champion", "competition": "competition",
}  # fmt: skip
Found = tuple[str, Any, str]
"""(entity, the value on record, the source's name)."""
NOTHING: Found = ("", None, "no record")


@dataclass
class Line:
    """One line with its names masked, and what each mask stands for."""

    where: str
    raw: str
    text: str
    entities: dict[str, Any]
    truth: Truth
    draft: dict[str, Any]
    client: ClientFacts | None
    deal: DealFacts | None

    @staticmethod
    def char(kind: str, index: int) -> str:
        """The mask of the ``index``-th name of ``kind``."""
        return chr(BASE + 512 * KINDS.index(kind) + index)

    @staticmethod
    def kind_of(char: str) -> str | None:
        """The kind of name ``char`` masks (None for ordinary text)."""
        block = (ord(char) - BASE) // 512
        return KINDS[block] if ord(char) >= BASE and block < len(KINDS) else None

    def before(self, kind: str, pos: int) -> Any:
        """The entity of ``kind`` named closest before ``pos``, else the line's default."""
        for char in reversed(self.text[:pos]):
            if self.kind_of(char) == kind:
                return self.entities[char]
        return {"client": self.client, "deal": self.deal}.get(kind)

    def after(self, kind: str, pos: int) -> Any:
        """The entity of ``kind`` named first after ``pos``."""
        return next((self.entities[c] for c in self.text[pos:] if self.kind_of(c) == kind), None)


def resolve(line: Line, m: re.Match[str], key: str) -> Found:
    """Where the figure ``m`` states is on record, per the rule's ``key``."""
    pos = m.start("v") if m.group("v") is not None else m.start("w")
    scope, _, name = key.partition(":")
    t = line.truth
    if scope == "client":
        client: ClientFacts | None = line.before("client", pos)
        if client is None and not t.account and name in ("arr", "health", "nps", "open_p1s"):
            return ("the portfolio", _portfolio(t, name), "the client table")
        return _client(client, name, t.today) if client else NOTHING
    if scope == "deal":
        deal: DealFacts | None = line.before("deal", pos)
        if deal is None:
            return ("", t.pipeline, "the pipeline") if name == "weighted" else NOTHING
        if name == "grade":
            return (
                deal.name,
                grade(deal.total) if deal.total is not None else None,
                "the MEDDPICC table",
            )
        if name == "dimension":
            scores = deal.meddpicc or {}
            return (deal.name, scores.get(DIMENSIONS[m.group("d").lower()]), "the MEDDPICC table")
        return (deal.name, getattr(deal, name), "the pipeline")
    if scope == "section":
        items: list[dict[str, Any]] = line.draft["sections"][name.split(".")[0]]
        field, _, wanted = name.partition(".")[2].partition("=")
        value = sum(str(i.get(field)) == wanted for i in items) if field else len(items)
        return ("", value, f"the draft's {name.split('.')[0]} section")
    return SCOPE[name](line, m)


def _client(c: ClientFacts, name: str, today: date) -> Found:
    if name.startswith("then"):
        value = c.before[("then_on", "then_health", "then_nps").index(name)] if c.before else None
        return (c.name, value, "the health history")
    if name.startswith("stored"):
        found = [re.search(rf"(\d+) {name[7:]}", r) for r in c.reasons]
        return (c.name, next((int(f[1]) for f in found if f), None), "the stored churn prediction")
    if name == "days":
        return (c.name, (c.renewal - today).days if c.renewal else None, "the client record")
    if name == "score":
        return (c.name, c.score, "the stored churn prediction")
    source = "the support history" if name == "open_p1s" else "the client record"
    return (c.name, getattr(c, name), source)


def _portfolio(t: Truth, what: str) -> Any:
    known = [getattr(c, what) for c in t.clients if getattr(c, what) is not None]
    if what in ("arr", "open_p1s"):
        return sum(known, Decimal(0))
    # README gives no rounding for a mean: half up to a whole point, as people round.
    mean = Decimal(sum(known)) / len(known) if known else None
    return mean.quantize(Decimal(1), ROUND_HALF_UP) if mean is not None else None


def _targets(line: Line, m: re.Match[str]) -> Found:
    """A target figure; "achieved" and "remaining" belong to the target named before them."""
    head, t = line.text[: m.start("v")].lower(), line.truth
    kind = "total_acv" if head.rfind("total acv") > head.rfind("weighted acv") else "weighted_acv"
    target, actual = t.quarter_total(f"{kind}_target"), t.quarter_total(f"{kind}_actual")
    word = m.group(0).split()[0].lower()
    value = {"achieved": actual, "remaining": max(target - actual, Decimal(0))}.get(word, target)
    return (f"FY{t.fiscal_year} {kind.replace('_', ' ')}", value, "the targets table")


def _coverage(line: Line, _m: re.Match[str]) -> Found:
    t = line.truth
    remaining = t.quarter_total("weighted_acv_target") - t.quarter_total("weighted_acv_actual")
    if remaining <= 0:
        return ("the pipeline", None, "the targets table (target met: no coverage)")
    value = (t.pipeline / remaining).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return ("the pipeline", value, "the targets table")


def _trend(line: Line, m: re.Match[str]) -> Found:
    moves = {"fell": 0, "rose": 0, "held": 0}
    for c in line.truth.clients:
        then = c.before[1] if c.before else None
        if then is not None and c.health is not None:
            moves["fell" if c.health < then else "rose" if c.health > then else "held"] += 1
    return ("", moves[m.group(0).split()[0].lower()], "the health history")


def _last_contact(line: Line, m: re.Match[str]) -> Found:
    name = line.before("person", m.start("v"))
    seen = line.truth.people.get(name) if name else None
    kept = [i for i in line.truth.existing_map if i.get("name") == name and i.get("last_contact")]
    if kept:  # a map entry keeps its own later date (the merge moves dates forward only)
        stored = date.fromisoformat(str(kept[0]["last_contact"]))
        seen = max(seen, stored) if seen else stored
    return (name or "", seen, "the stakeholder table")


def _held(line: Line, m: re.Match[str]) -> Found:
    """A meeting's date: one held with the client named after it, in the look-back window."""
    client = line.after("client", m.end("v"))
    dates = [
        d.isoformat() for d, _t, c in line.truth.meetings if client is None or c == client.name
    ]
    said = m.group("v")
    return ("", said if said in dates else next(iter(dates), None), "the meetings table")


def _due(line: Line, m: re.Match[str]) -> Found:
    """An action's date in the summary: the due date of that action in the draft's list."""
    client = line.after("client", m.end("v"))
    name = client.name if client else None
    mine = [a for a in line.draft["sections"]["actions"] if a.get("client_name") == name]
    # The action whose title the line quotes; a model's own wording: any action of the client.
    dues = [a["due_date"] for a in mine if str(a["title"]) in line.raw]
    dues = dues or [a["due_date"] for a in mine]
    said = m.group("v")
    return (name or "", said if said in dues else next(iter(dues), None), "the draft's action list")


SCOPE: dict[str, Callable[[Line, re.Match[str]], Found]] = {
    "today": lambda line, _m: ("", line.truth.today, "the evaluation date"),
    "latest": lambda line, _m: (
        "", line.truth.meetings[0][0] if line.truth.meetings else None, "the meetings table"
    ),
    "meetings": lambda line, _m: ("", len(line.truth.meetings), "the meetings table"),
    "held": _held,
    "met": lambda line, _m: ("", len({c for *_x, c in line.truth.meetings}), "the meetings table"),
    "clients": lambda line, _m: ("", len(line.truth.clients), "the client table"),
    "band": lambda line, m: ("", sum(
        health_band(c.health) == _band(m.group(0)) for c in line.truth.clients
    ), "the client table"),
    "risk_band": lambda line, m: ("", sum(
        (c.band or "not scored") == m.group("b") for c in line.truth.clients
    ), "the churn-prediction table"),
    "targets": _targets, "coverage": _coverage, "trend": _trend,
    "last_contact": _last_contact, "due": _due,
}  # fmt: skip


def _band(phrase: str) -> str:
    word = phrase.split(" ", 1)[1]
    return "unknown" if word.startswith("without") else word.replace(" ", "_")


INT, NUM, DATE = r"-?\d+", r"-?\d+(?:\.\d+)?", r"\d{4}-\d{2}-\d{2}"
IS = r"(?:(?:of|is|was|at|stands at|:)\s+)?"  # "ARR of $1", "NPS is 42", "coverage: 3.1x"
MONEY = r"-?\$\d+(?:,\d{3})*(?:\.\d+)?"
Resolver = Callable[[Line, re.Match[str]], Found]


def _rule(pattern: str, label: str, key: str) -> tuple[re.Pattern[str], str, Resolver]:
    return re.compile(pattern, re.IGNORECASE), label, lambda line, m: resolve(line, m, key)


# Order matters: a figure is read by the first rule that finds it.
RULES = (
    _rule(rf"as of (?P<v>{DATE})", "the as-of date", "scope:today"),
    _rule(rf"on (?P<v>{DATE}) health was", "the trend's baseline date", "client:then_on"),
    _rule(rf"health was (?P<v>{INT})", "health then", "client:then_health"),
    _rule(rf"NPS was (?P<v>{INT})", "NPS then", "client:then_nps"),
    _rule(rf"latest (?P<v>{DATE})", "the latest meeting", "scope:latest"),
    _rule(rf"(?:meeting|met) (?:on )?(?P<v>{DATE})", "a meeting", "scope:held"),
    _rule(rf"last contact (?P<v>{DATE})", "the last contact", "scope:last_contact"),
    _rule(rf"renewal (?:on |date )?(?P<v>{DATE})", "the renewal date", "client:renewal"),
    _rule(rf"closes (?:on )?(?P<v>{DATE})", "the close date", "deal:close"),
    _rule(rf"by (?P<v>{DATE})", "the due date", "scope:due"),
    _rule(r"\(in (?P<v>\d+) days\)|renewal in (?P<w>\d+) days", "days to renewal", "client:days"),
    _rule(r"MEDDPICC (?P<v>\d+)/40", "the MEDDPICC total", "deal:total"),
    _rule(r"MEDDPICC \d+/40 \((?P<v>[A-F])\)", "the MEDDPICC grade", "deal:grade"),
    _rule(rf"(?P<d>{'|'.join(DIMENSIONS)}) (?P<v>\d+)/5", "the MEDDPICC score", "deal:dimension"),
    _rule(rf"open weighted ACV {IS}(?P<v>{MONEY})", "open weighted ACV", "deal:weighted"),
    _rule(rf"(?:weighted|total) ACV target {IS}(?P<v>{MONEY})", "the target", "scope:targets"),
    _rule(rf"(?:achieved|remaining) (?P<v>{MONEY})", "the figure", "scope:targets"),
    _rule(rf"weighted ACV {IS}(?P<v>{MONEY})", "weighted ACV", "deal:weighted"),
    _rule(rf"\bARR {IS}(?P<v>{MONEY})", "ARR", "client:arr"),
    _rule(rf"\bACV {IS}(?P<v>{MONEY})", "ACV", "deal:acv"),
    _rule(rf"\bTCV {IS}(?P<v>{MONEY})", "TCV", "deal:tcv"),
    _rule(rf"(?:covers |coverage {IS})(?P<v>{NUM})x?", "coverage", "scope:coverage"),
    _rule(rf"SLA met {IS}(?P<v>{NUM})%", "support SLA met", "client:sla_pct"),
    _rule(rf"\bhealth (?:score )?{IS}(?P<v>{INT})", "health", "client:health"),
    _rule(rf"\bNPS {IS}(?P<v>{INT})", "NPS", "client:nps"),
    _rule(rf"score (?P<v>{NUM})", "the churn-risk score", "client:score"),
    _rule(r"(?P<v>\d+) (?:open P1|P1 tickets? open)", "open P1s", "client:open_p1s"),
    _rule(r"(?P<v>\d+) SLA breach", "SLA breaches", "client:stored:SLA breach"),
    _rule(r"(?P<v>\d+) support tickets?", "support tickets", "client:stored:support ticket"),
    _rule(r"(?P<v>\d+) open deals?", "open deals in the plan", "section:opportunities"),
    _rule(r"(?P<v>\d+) marked focus", "focus deals", "section:opportunities.focus_deal=True"),
    _rule(r"(?P<v>\d+) stakeholders?", "stakeholders mapped", "section:stakeholders"),
    _rule(
        r"(?P<v>\d+) strong\b", "strong relationships", "section:stakeholders.relationship=strong"
    ),
    _rule(r"(?P<v>\d+) weak\b", "weak relationships", "section:stakeholders.relationship=weak"),
    _rule(r"(?:fell|rose|held) at (?P<v>\d+)", "clients by health trend", "scope:trend"),
    _rule(r"(?P<v>\d+) meetings?\b", "meetings", "scope:meetings"),
    _rule(r"with (?P<v>\d+) of \d+ clients", "clients met", "scope:met"),
    _rule(r"(?P<v>\d+) clients?\b", "clients in scope", "scope:clients"),
    _rule(
        r"(?P<v>\d+) (?:healthy|at risk|critical|without a health score)\b", "clients", "scope:band"
    ),
    _rule(r"(?P<v>\d+) (?P<b>low|medium|not scored)\b", "clients in the band", "scope:risk_band"),
)
