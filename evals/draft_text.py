"""Every number in a draft's text, checked against the portfolio's tables.

A line is read in three passes. Churn reasons and names (deals, meetings, clients, people) are
masked first, so that a figure is attributed to the entity named closest before it and a digit
in a name is never taken for a figure; a churn reason must be one of the stored prediction's
own reasons for the client it is given for. Known phrases are then read: "ARR $2,850,000" is
the ARR of the client named before it (the portfolio's in a territory line naming none),
"Competition 3/5" a MEDDPICC score of the deal named before it, and so on. A number left over
must equal a figure on record of an entity the line names, else it is reported as matching
nothing. A look-back window ("the last 90 days") must be the README's 90 days. Fiscal years,
quarter and ticket labels and the /5 and /40 scales are labels, not figures, and are left out;
source ids are the grounding check's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from evals.draft_rules import DATE, MONEY, RULES, Line
from evals.draft_truth import LOOKBACK_DAYS, ClientFacts, DealFacts, Truth

CITATION = re.compile(r"\[S\d+\]")
LABELS = re.compile(r"\bFY\d{4}\b|\bQ[1-4]\b|\bP[1-4](?=s?\b)|(?<=\d)/(?:5|40)\b")
WINDOW = re.compile(r"(?:last|over|past|in the|within|the) (\d+) days", re.IGNORECASE)
# A fraction left over ("3/6") is one figure: only "/5" and "/40" are scales.
NUMBER = re.compile(rf"{MONEY}|{DATE}|\d+/\d+|(?<![\w./])-?\d+(?:\.\d+)?(?:%|x\b)?")
YEAR = re.compile(r"(?:19|20)\d{2}")


@dataclass(frozen=True)
class Claim:
    """One figure of a draft beside its source (``expected`` None: nothing on record matches)."""

    where: str
    label: str
    entity: str
    said: str
    expected: str | None
    source: str
    ok: bool

    def problem(self) -> str:
        """The mismatch in words, naming the figure and what the source says."""
        subject = f" for {self.entity}" if self.entity else ""
        if self.expected is None:
            return f"{self.where} says {self.said}{subject}, which matches nothing on record"
        return (
            f"{self.where} says {self.label} {self.said}{subject}; "
            f"{self.source} says {self.expected}"
        )


@dataclass(frozen=True)
class TextCheck:
    """The figures of a text, and how many labels were recognised and left out."""

    claims: list[Claim]
    excluded: int


def check_text(
    text: str,
    where: str,
    truth: Truth,
    draft: dict[str, Any],
    *,
    client: ClientFacts | None = None,
    deal: DealFacts | None = None,
) -> TextCheck:
    """Check every number of ``text`` (line by line; a "Sources:" line only lists sources).

    ``client`` and ``deal`` are what a line is about when it names nothing (a risk's client,
    an opportunity's deal); an account plan's lines are about its client by default.
    """
    if client is None and truth.account and truth.clients:
        client = truth.clients[0]
    claims: list[Claim] = []
    excluded = 0
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("Sources:"):
            continue
        line = mask(raw, where, truth, draft, client, deal)
        taken = [m.span() for m in LABELS.finditer(line.text)]
        excluded += len(taken)
        for window in WINDOW.finditer(line.text):
            # Every window a draft states is the README's 90-day look-back.
            taken.append(window.span(1))
            said, ok = window.group(1), int(window.group(1)) == LOOKBACK_DAYS
            claims.append(Claim(where, "the look-back", "", f"{said} days",
                                f"{LOOKBACK_DAYS} days", "the README", ok))  # fmt: skip
        claims += _reasons(line)
        for pattern, label, resolve in RULES:
            for match in pattern.finditer(line.text):
                group = "v" if match.group("v") is not None else "w"
                if _overlaps(match.span(group), taken):
                    continue
                taken.append(match.span(group))
                entity, value, source = resolve(line, match)
                said = match.group(group)
                expected = shown(value, said) if value is not None else "no such figure"
                claims.append(
                    Claim(where, label, entity, said, expected, source, matches(said, value))
                )
        for match in NUMBER.finditer(line.text):
            if _overlaps(match.span(), taken):
                continue
            if YEAR.fullmatch(match.group()):
                excluded += 1
                continue
            claims.append(_loose(line, match.group()))
    return TextCheck(claims, excluded)


def mask(
    raw: str,
    where: str,
    truth: Truth,
    draft: dict[str, Any],
    client: ClientFacts | None,
    deal: DealFacts | None,
) -> Line:
    """The line with citations blanked and each churn reason and name masked by one character."""
    text = CITATION.sub(" ", raw)
    people = [*truth.people, *(str(i.get("name")) for i in truth.existing_map)]
    named: list[tuple[str, str, Any]] = [
        *(("reason", r, r) for c in truth.clients for r in c.reasons),
        *(("deal", d.name, d) for d in truth.deals),
        *(("meeting", title, title) for _on, title, _c in truth.meetings),
        *(("client", c.name, c) for c in truth.clients),
        *(("person", p, p) for p in people),
    ]
    order = {"reason": 0, "deal": 1, "meeting": 2, "client": 3, "person": 4}
    # Longest first within a kind, so "WA Health - Outpatient Scheduling" goes before "WA Health".
    named.sort(key=lambda n: (order[n[0]], -len(n[1])))
    entities: dict[str, Any] = {}
    for kind, name, entity in named:
        pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w%])")
        if not pattern.search(text):
            continue
        char = Line.char(kind, len([c for c in entities if Line.kind_of(c) == kind]))
        entities[char] = entity
        text = pattern.sub(char, text)
    return Line(where, raw, text, entities, truth, draft, client, deal)


def _reasons(line: Line) -> list[Claim]:
    """Each masked churn reason, checked against the stored reasons of its client."""
    claims = []
    for pos, char in enumerate(line.text):
        if Line.kind_of(char) != "reason":
            continue
        phrase = str(line.entities[char])
        client: ClientFacts | None = line.before("client", pos)
        ok = client is not None and phrase in client.reasons
        stored = "; ".join(client.reasons) if client else "no client"
        entity = client.name if client else ""
        claims.append(
            Claim(
                line.where, "the churn reason", entity, f"'{phrase}'",
                f"'{phrase}'" if ok else stored, "the stored churn prediction", ok,
            )
        )  # fmt: skip
    return claims


def _loose(line: Line, said: str) -> Claim:
    """A number no phrase explains: accepted when it equals a figure of an entity named."""
    entities = [e for c, e in line.entities.items() if Line.kind_of(c) in ("client", "deal")]
    entities += [e for e in (line.client, line.deal) if e is not None]
    values: list[Any] = [line.truth.pipeline, len(line.truth.clients), line.truth.today]
    values += [held for held, _title, _client in line.truth.meetings]
    for entity in entities:
        # Dimension scores (0-5) are left out: small numbers would match almost anything.
        values += [v for k, v in vars(entity).items() if k not in ("id", "reasons", "meddpicc")]
        if isinstance(entity, ClientFacts) and entity.before:
            values += list(entity.before)
    names = ", ".join(sorted({str(getattr(e, "name", "")) for e in entities}))
    ok = any(matches(said, v) for v in values)
    return Claim(line.where, "figure", names, said, said if ok else None, "the records", ok)


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def parse(said: str) -> Decimal | date | str:
    """A figure as written: a date, an amount, a number (``%`` and ``x`` dropped), or text."""
    if re.fullmatch(DATE, said):
        return date.fromisoformat(said)
    number = said.replace("$", "").replace(",", "").rstrip("%x")
    if re.fullmatch(r"-?\d+(?:\.\d+)?", number):
        return Decimal(number)
    return said


def matches(said: str, value: Any) -> bool:
    """Whether the figure as written states ``value`` (to the precision written)."""
    if value is None:
        return False
    written = parse(said)
    if isinstance(written, Decimal) and isinstance(value, int | float | Decimal):
        if isinstance(value, bool):
            return False
        places = Decimal(1).scaleb(min(0, int(written.as_tuple().exponent)))
        return written == Decimal(str(value)).quantize(places, ROUND_HALF_UP)
    if isinstance(written, date) and isinstance(value, str):
        return written.isoformat() == value
    return bool(written == value)


def shown(value: Any, like: str) -> str:
    """``value`` written the way ``like`` is: ``$1,150,000``, ``95.74%``, ``3.84x``, a date."""
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, int | float | Decimal) or isinstance(value, bool):
        return str(value)
    written = parse(like)
    places = -int(written.as_tuple().exponent) if isinstance(written, Decimal) else 0
    amount = Decimal(str(value)).quantize(Decimal(1).scaleb(-max(places, 0)), ROUND_HALF_UP)
    if "$" in like:
        return f"-${-amount:,}" if amount < 0 else f"${amount:,}"
    return f"{amount}{'%' if like.endswith('%') else 'x' if like.endswith('x') else ''}"
