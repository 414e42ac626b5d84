"""The offline planner: the chat graph's stand-in for a language model when none is configured.

It reads the person's request with fixed patterns, calls the same tools a model would (as
ordinary tool calls, so the graph, permissions and approvals are the same), and words the
answer from the tool results with templates. Every answer says it was produced offline.

A request is read in three steps: the client it names (its full name, its initials, or a
distinctive part of it such as "Central Adelaide"), the territories it names ("NZ", "New
Zealand"), then what it asks for, from the words left once the client's name is taken out
(every client's name holds words such as "Health" or "Service" that would read as a request).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from sqlalchemy.orm import Session

from agent.prompts import OFFLINE_HELP, OFFLINE_LABEL, OFFLINE_WHICH_CLIENT
from core.models import Client
from planning import directory
from planning.permissions import is_owner
from planning.plan_repository import PlanFilters
from planning.service import PlanService
from tools.context import ToolContext

ACTION_DAYS = 14
PLANS_CONSIDERED = 200
"""Plans read to find the one a request means ("my territory plan"), newest change first."""
QUERY_CHARS = 500
"""The longest query search_transcripts takes."""


@dataclass(frozen=True)
class Intent:
    """A pattern of request and the tool it is answered with."""

    pattern: re.Pattern[str]
    tool: str
    needs_client: bool = False


# What someone said in meetings is a search whatever it was about ("what did they say about
# the risk?"), so these words are read first. "say" counts after did/does/has ("what should I
# say?" asks for advice, not for a quote).
SEARCH_WORDS = re.compile(
    r"\b(?:said|says|saying|mention(?:s|ed|ing)?|discussed|talked about|told us|transcripts?|"
    r"meeting notes|search|find where)\b"
    r"|\b(?:did|does|do|has|have)\b[^.?!]*\bsay\b"
    r"|\b(?:meetings?|calls?|conversations?) (?:with|about)\b"
    r"|\b(?:latest|last|recent|previous) (?:meetings?|calls?|conversations?)\b"
)

INTENTS: tuple[Intent, ...] = (
    Intent(re.compile(r"\bcomments?\b[^.?!]*\bplan\b|\bplan comments?\b"), "read_comments"),
    Intent(SEARCH_WORDS, "search_transcripts"),
    Intent(re.compile(r"economic buyer|stakeholder|champion|relationship|sponsor"),
           "list_stakeholders", needs_client=True),
    Intent(re.compile(r"\brisk|churn|at.risk"), "churn_risk"),
    Intent(re.compile(r"opportunit|pipeline|meddpicc|deal"), "opportunities"),
    Intent(re.compile(r"\bgap\b|close the gap|hit (?:my )?target|behind target"),
           "gap_to_target"),
    Intent(re.compile(r"performance|tracking|burc|readiness|drill"), "performance_summary"),
    Intent(re.compile(r"target|coverage|quota|\bacv\b"), "targets_and_coverage"),
    Intent(re.compile(r"suggest|next step|what should"), "suggest_actions", needs_client=True),
    Intent(re.compile(r"snapshot|health|\bnps\b|how is|how are"), "client_snapshot",
           needs_client=True),
    Intent(re.compile(r"\bplans?\b"), "find_plans"),
    Intent(re.compile(r"portfolio|my clients|territory|accounts"), "portfolio"),
    Intent(re.compile(r"who (is|are)"), "list_stakeholders", needs_client=True),
)  # fmt: skip
ADD_ACTION = re.compile(
    r"\badd (?:an? )?(?:action|task)(?: item)?(?: to| for)?\s+(?P<what>.+)", re.I
)

TERRITORY_TOOLS = frozenset({"churn_risk", "portfolio"})
"""Tools that take a territory: a request naming territories gets one call per territory."""
UNIT_TOOLS = frozenset({"client_snapshot", "performance_summary"})
"""Tools whose question, asked of a territory ("how is NZ doing?"), is its performance."""
TERRITORY_NAMES = {
    "new zealand": "NZ",
    "aotearoa": "NZ",
    "victoria": "VIC",
    "western australia": "WA",
    "south australia": "SA",
}
"""What people call a territory besides its code; used only for codes the clients carry."""
REFERS_BACK = re.compile(r"\b(?:they|them|their|theirs|it|its)\b", re.I)
"""Words that point at the client of an earlier message ("what did they say?")."""
PLAN_ID = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE
)
MANY_PLANS = re.compile(r"\bplans\b|\b(?:list|which|any|every)\b[^.?!]*\bplan\b")
"""A request for plans (a list), not for one plan's content."""
SEARCH_VERB = re.compile(r"\b(?:search|find|look)\b", re.I)
TOPIC_MARKER = re.compile(r"\b(?:about|regarding|concerning|mention(?:s|ed|ing)?|for)\b", re.I)
"""What precedes the topic of a search: "about the renewal", "mentioned Mobile Nursing"."""
ASKING = frozenset(
    {
        "what", "was", "were", "is", "are", "did", "does", "do", "has", "have", "had", "said",
        "say", "says", "saying", "in", "on", "at", "of", "with", "to", "from", "our", "my",
        "the", "a", "an", "latest", "last", "recent", "recently", "previous", "meeting",
        "meetings", "call", "calls", "conversation", "conversations", "summarise", "summarize",
        "summary", "give", "me", "show", "tell", "us", "please", "search", "find", "where",
        "transcript", "transcripts", "notes", "all", "every", "any", "they", "them", "their",
        "we", "i", "you", "mentioned", "discussed", "talked", "told",
    }
)  # fmt: skip
"""Words of a search request that ask rather than say what to look for."""
SUMMARY_QUERY = "decisions, next steps, concerns and risks"
"""The search for a request with no topic ("summarise our meetings with X")."""
LEADING_FILLER = re.compile(r"^(?:the|our|their|its|a|an)\s+", re.I)

# Words of client names too common to name one client alone ("the health of ...", "which
# group ..."); with a distinctive word beside them ("Central Adelaide") they still count.
GENERIC_WORDS = frozenset(
    {
        "and", "of", "the", "for", "health", "healthcare", "hospital", "service", "services",
        "network", "local", "group", "system", "authority", "department", "public", "social",
        "national", "university",
    }
)  # fmt: skip
SHORTEST_DISTINCTIVE_WORD = 5
"""A single word shorter than this ("WA", "Te", "east") does not name a client."""
NOT_INITIALS = frozenset({"and", "of", "the", "for"})
SHORTEST_INITIALS = 3

# Words, with an inner apostrophe typed straight or curly (U+2019): "Women's".
_TOKEN = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)?")
_POSSESSIVE = re.compile(r"['\u2019]s$")


def next_message(messages: Sequence[AnyMessage], ctx: ToolContext) -> AIMessage:
    """The offline planner's next message: tool calls for a new request, or the answer."""
    last = messages[-1] if messages else None
    if isinstance(last, ToolMessage):
        return AIMessage(content=compose_answer(_results_of_turn(messages)))
    request = str(last.content) if isinstance(last, HumanMessage) else ""
    history = [str(m.content) for m in messages if isinstance(m, HumanMessage)][:-1]
    with ctx.reading() as session:
        calls = route(session, ctx, request, history)
    if isinstance(calls, str):
        return AIMessage(content=f"{calls}\n\n{OFFLINE_LABEL}")
    return AIMessage(content="", tool_calls=calls)


def route(
    session: Session, ctx: ToolContext, request: str, history: Sequence[str] = ()
) -> list[dict[str, Any]] | str:
    """Tool calls that answer ``request``, or a reply when no tool fits."""
    text = request.strip()
    # Every client, not only visible ones: the tools refuse what the person may not see.
    clients = directory.list_clients(session)
    mention = client_mention(text, clients)
    earlier = next((m.client for h in reversed(history) if (m := client_mention(h, clients))), None)
    client = mention.client if mention else earlier
    if match := ADD_ACTION.search(text):
        return _add_action(session, ctx, match.group("what"), client)
    rest = mention.outside(text) if mention else text
    territories = territories_in(rest, clients)
    lowered = rest.lower()
    for intent in INTENTS:
        if not intent.pattern.search(lowered):
            continue
        if mention:
            named: Client | None = mention.client
        elif intent.needs_client or REFERS_BACK.search(rest):
            named = earlier
        else:
            named = None
        return _answer_with(session, ctx, intent, rest, named, territories)
    return OFFLINE_HELP


def _answer_with(
    session: Session,
    ctx: ToolContext,
    intent: Intent,
    rest: str,
    client: Client | None,
    territories: Sequence[str],
) -> list[dict[str, Any]] | str:
    """The calls of ``intent`` for a request (``rest``: its words without the client's name)."""
    tool = intent.tool
    if tool == "read_comments":
        # The plan is found as for reading it; when it is not clear, find_plans lists them.
        calls = _plan_calls(session, ctx, rest, client)
        return [_call("read_comments", c["args"]) if c["name"] == "read_plan" else c for c in calls]
    if tool == "find_plans":
        return _plan_calls(session, ctx, rest, client)
    if client is None and territories:
        if tool in TERRITORY_TOOLS:
            return [_call(tool, {"territory": t}) for t in territories]
        if tool in UNIT_TOOLS:
            unit = "performance_summary"
            return [_call(unit, {"level": "territory", "key": t}) for t in territories]
    if intent.needs_client and client is None:
        return OFFLINE_WHICH_CLIENT
    return [_call(tool, _args(tool, rest, client))]


# --------------------------------------------------------------------------- clients


@dataclass(frozen=True)
class Mention:
    """A client named in a request, and where: the spans of the words that name it."""

    client: Client
    spans: tuple[tuple[int, int], ...]

    def outside(self, text: str) -> str:
        """``text`` with the words naming the client replaced by a space."""
        parts, last = [], 0
        for start, end in sorted(self.spans):
            parts.append(text[last:start])
            last = max(last, end)
        parts.append(text[last:])
        return " ".join(parts)


@dataclass(frozen=True)
class _Token:
    word: str
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    """The words of ``text`` in lower case, without a possessive "'s"."""
    return [
        _Token(_POSSESSIVE.sub("", m.group(0).casefold()), m.start(), m.end())
        for m in _TOKEN.finditer(text)
    ]


def client_mention(text: str, clients: Sequence[Client]) -> Mention | None:
    """The client ``text`` names: its full name (the longest when several are named), else
    its initials ("CALHN"), else the one client with the longest run of words of its name
    ("Central Adelaide"). A run of one word must be a distinctive word; a run that several
    clients share ("Adelaide", "Te Whatu Ora") names none of them."""
    words = _tokens(text)
    full = [
        Mention(c, spans)
        for c in clients
        if (spans := _runs(words, [t.word for t in _tokens(c.name)]))
    ]
    if full:
        return max(full, key=lambda m: len(m.client.name))
    if initialled := _by_initials(text, clients):
        return initialled
    # Territory names such as "South Australia" hold words of client names ("South
    # Metropolitan"): a territory is not a client.
    words = [t for t in words if not _inside(t, _territory_spans(text, TERRITORY_NAMES))]
    best: list[Mention] = []
    longest = 0
    for client in clients:
        length, spans = _longest_run(words, [t.word for t in _tokens(client.name)])
        if length == 0 or length < longest:
            continue
        if length > longest:
            best, longest = [], length
        best.append(Mention(client, spans))
    return best[0] if len(best) == 1 else None


def _runs(words: Sequence[_Token], name: Sequence[str]) -> tuple[tuple[int, int], ...]:
    """Where the whole of ``name`` appears, word for word, in ``words``."""
    size = len(name)
    return tuple(
        (words[i].start, words[i + size - 1].end)
        for i in range(len(words) - size + 1)
        if size and [t.word for t in words[i : i + size]] == list(name)
    )


def _longest_run(
    words: Sequence[_Token], name: Sequence[str]
) -> tuple[int, tuple[tuple[int, int], ...]]:
    """The longest run of consecutive words of ``name`` that ``words`` holds in order (0 when
    none names the client), and where it appears."""
    for size in range(len(name) - 1, 0, -1):
        spans: list[tuple[int, int]] = []
        for start in range(len(name) - size + 1):
            part = name[start : start + size]
            if _distinctive(part):
                spans += _runs(words, part)
        if spans:
            return size, tuple(spans)
    return 0, ()


def _distinctive(part: Sequence[str]) -> bool:
    """Whether words of a client's name, found together, can name it."""
    own = [w for w in part if w not in GENERIC_WORDS]
    if len(part) > 1:
        return bool(own)
    return bool(own) and len(own[0]) >= SHORTEST_DISTINCTIVE_WORD


def _by_initials(text: str, clients: Sequence[Client]) -> Mention | None:
    """The one client whose initials ("NUHS") ``text`` writes as a word in capitals."""
    found: list[Mention] = []
    for client in clients:
        letters = "".join(
            w[0] for w in (t.word for t in _tokens(client.name)) if w not in NOT_INITIALS
        ).upper()
        if len(letters) < SHORTEST_INITIALS:
            continue
        spans = tuple(
            (m.start(), m.end()) for m in re.finditer(rf"(?<![\w]){letters}(?![\w])", text)
        )
        if spans:
            found.append(Mention(client, spans))
    return found[0] if len(found) == 1 else None


def _inside(token: _Token, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start <= token.start and token.end <= end for start, end in spans)


# --------------------------------------------------------------------------- territories


def territories_in(text: str, clients: Sequence[Client]) -> list[str]:
    """The territories ``text`` names, by their code ("NZ", any case) or their name ("New
    Zealand"), in the order named; only territories the clients carry."""
    known = {c.territory for c in clients}
    named = {code: code for code in known} | {
        name: code for name, code in TERRITORY_NAMES.items() if code in known
    }
    found = sorted(
        (start, named[key])
        for key in named
        for start, _ in _territory_spans(text, {key: named[key]})
    )
    return list(dict.fromkeys(code for _, code in found))


def _territory_spans(text: str, names: dict[str, str]) -> list[tuple[int, int]]:
    return [
        (m.start(), m.end())
        for name in names
        for m in re.finditer(rf"(?<![\w]){re.escape(name)}(?![\w])", text, re.IGNORECASE)
    ]


# --------------------------------------------------------------------------- plans


def _plan_calls(
    session: Session, ctx: ToolContext, rest: str, client: Client | None
) -> list[dict[str, Any]]:
    """read_plan for a request about one plan (its id, "my territory plan", "the <client>
    plan"); find_plans for a list, or when the plan meant is not clear."""
    if found := PLAN_ID.search(rest):
        return [_call("read_plan", {"plan_id": found.group(0)})]
    if not MANY_PLANS.search(rest.lower()):
        plan = _plan_to_read(session, ctx, rest.lower(), client)
        if plan is not None:
            return [_call("read_plan", {"plan_id": str(plan)})]
    return [_call("find_plans", {"client": client.name if client else None})]


def _plan_to_read(
    session: Session, ctx: ToolContext, lowered: str, client: Client | None
) -> uuid.UUID | None:
    """The plan a request for one plan means, among those the person may read (newest change
    first, archived ones left out): the client's plan, else the person's own (of the type
    named), else, for a CSE, their territory's. None when there is none, or plans of more than
    one client or territory (find_plans lists them)."""
    kind = next((k for k in ("territory", "account") if f"{k} plan" in lowered), None)
    filters = PlanFilters(client_id=client.id) if client else PlanFilters(plan_type=kind)
    service = PlanService(session)
    plans = [
        p
        for p in service.list_plans(filters, PLANS_CONSIDERED, visible_to=ctx.person)
        if p.status != "archived"
    ]
    if client is None:
        territory = ctx.person.territory
        plans = [p for p in plans if is_owner(ctx.person, p)] or [
            p for p in plans if p.client_id is None and territory and p.territory == territory
        ]
    subjects = {p.client_id or p.territory for p in plans}
    return plans[0].id if len(subjects) == 1 else None


# --------------------------------------------------------------------------- answers


def compose_answer(results: Sequence[ToolMessage]) -> str:
    """The answer to a turn, from its tool results, labelled as offline."""
    parts = []
    for result in results:
        content = str(result.content)
        if content.startswith("ERROR"):
            parts.append("I could not do that: " + content.split(": ", 1)[-1])
        elif result.name == "list_stakeholders":
            parts.append(_stakeholder_answer(content))
        else:
            parts.append(content)
    return "\n\n".join([*parts, OFFLINE_LABEL])


def _results_of_turn(messages: Sequence[AnyMessage]) -> list[ToolMessage]:
    results: list[ToolMessage] = []
    for message in reversed(messages):
        if isinstance(message, ToolMessage):
            results.append(message)
        elif isinstance(message, AIMessage) and message.tool_calls:
            break
    return list(reversed(results))


def _stakeholder_answer(content: str) -> str:
    buyers = [line for line in content.splitlines() if "economic_buyer" in line]
    if not buyers:
        return content
    lead = buyers[0].lstrip("-* ").strip()
    return f"Economic buyer: {lead}\n\n{content}"


def _args(tool: str, rest: str, client: Client | None) -> dict[str, Any]:
    name = client.name if client else None
    if tool == "search_transcripts":
        return {"query": search_query(rest), "client": name, "limit": 5}
    if tool in ("portfolio", "targets_and_coverage", "gap_to_target", "performance_summary"):
        return {}
    return {"client": name}


def search_query(text: str) -> str:
    """What to search the meetings for: the words after the last "about", "regarding",
    "mentioned" (or "for", after "search" or "find"); else the request's own words once the
    asking is taken out; else, for a bare "summarise our meetings", what a summary is made of."""
    markers = [
        m
        for m in TOPIC_MARKER.finditer(text)
        if m.group(0).casefold() != "for" or SEARCH_VERB.search(text[: m.start()])
    ]
    if markers:
        topic = " ".join(text[markers[-1].end() :].split())
        topic = LEADING_FILLER.sub("", topic).strip(" ?.!,;:'\"")
    else:
        kept = [m.group(0) for m in _TOKEN.finditer(text) if m.group(0).lower() not in ASKING]
        topic = " ".join(kept)
    return (topic or SUMMARY_QUERY)[:QUERY_CHARS]


def _call(tool: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"name": tool, "args": args, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}


def _add_action(
    session: Session, ctx: ToolContext, what: str, client: Client | None
) -> list[dict[str, Any]] | str:
    plan = _plan_to_change(session, ctx, client)
    if plan is None:
        subject = client.name if client else "your territory"
        return (
            f"I found no draft or in-review plan for {subject} that you can edit, so there is "
            "nowhere to add the action. Create the plan first."
        )
    title = what.strip().rstrip(".")
    title = title[:1].upper() + title[1:]
    item = {
        "title": title,
        "owner": ctx.person.name,
        "due_date": (ctx.today + timedelta(days=ACTION_DAYS)).isoformat(),
        "priority": "high",
        "client_name": client.name if client else None,
    }
    args = {"plan_id": str(plan), "section": "actions", "operation": "add_item", "item": item}
    return [_call("propose_section_change", args)]


def _plan_to_change(session: Session, ctx: ToolContext, client: Client | None) -> uuid.UUID | None:
    filters = (
        PlanFilters(client_id=client.id)
        if client
        else PlanFilters(plan_type="territory", territory=ctx.person.territory)
    )
    plan = PlanService(session).open_plan_for(ctx.person, filters)
    return plan.id if plan else None
