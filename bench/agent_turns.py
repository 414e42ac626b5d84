"""The chat graph's own overhead per turn, against LangGraph's prebuilt tool-calling agent.

Both agents answer the same question through the same model: a local OpenAI-compatible stub on
loopback (``tests.openai_stub``) that answers every turn with one ``churn_risk`` tool call and
then, once it sees the tool's result, a fixed text. So each turn is two model calls and one
tool call over loopback on either side, and the difference is what each graph adds around them.

Ours is ``ChaSen.chat`` as the CLI, API and Slack app call it: the run recorded in ``agent_runs``
(start and finish), the system prompt with the person's scope and a token-budgeted history, the
tools built for the asking person, write proposals held back, and the thread checkpointed in
PostgreSQL. The peer is ``langgraph.prebuilt.create_react_agent`` over the same ChatOpenAI
settings, the same tools and the same Postgres checkpointer, with nothing else. Each turn starts
a fresh thread; turns alternate between the two so that both share the machine's noise. The
target: our median turn at most 1.5 times the peer's.
"""

from __future__ import annotations

import statistics
import time
import uuid
import warnings
from datetime import date
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.prebuilt import create_react_agent

from agent.chat_graph import toolbox
from agent.checkpoints import open_checkpointer
from agent.context import ChaSenContext, ModelSettings
from agent.models import chat_model
from agent.runner import ChaSen
from bench.corpus import p95_ms
from bench.result import Result
from core.bootstrap import Database, scratch_database
from core.database import transaction
from core.identity import Person
from ingest.demo_data import ANU
from ingest.demo_seed import seed_demo
from tests.openai_stub import OpenAIStub, Reply, running_stub, text_reply, tool_call_reply

NAME = "agent_turn_overhead"
TODAY = date(2026, 11, 20)
CLIENT = "Barwon Health"
QUESTION = f"What's the churn risk at {CLIENT}?"
ANSWER = f"{CLIENT}'s churn risk, with its reasons, is in the churn_risk result above."
WARM_UP = 2
TARGET = 1.5

PeerAgent = CompiledStateGraph[Any, Any, Any, Any]


def _responder(body: dict[str, Any]) -> Reply:
    """The stub model: call the tool first, answer once the tool's result is in the request."""
    messages = body.get("messages") or []
    if messages and messages[-1].get("role") == "tool":
        return text_reply(ANSWER)
    return tool_call_reply("churn_risk", {"client": CLIENT})


def _check_turn(stub: OpenAIStub, before: int, who: str) -> None:
    """Exactly two model calls, and the second carried a real (not an error) tool result."""
    sent = [r["body"] for r in stub.requests[before:]]
    assert len(sent) == 2, f"{who}: {len(sent)} model calls in a turn, expected 2"
    last = sent[-1]["messages"][-1]
    assert last["role"] == "tool" and CLIENT in str(last["content"]), f"{who}: {last}"
    assert not str(last["content"]).startswith("ERROR"), f"{who}: {last['content']}"
    assert not stub.problems, f"the stub rejected a request: {stub.problems}"


def _ours(chasen: ChaSen, anu: Person, stub: OpenAIStub) -> float:
    before = len(stub.requests)
    began = time.perf_counter()
    result = chasen.chat(anu, QUESTION, thread_id=f"bench-ours-{uuid.uuid4()}")
    elapsed = time.perf_counter() - began
    assert result.status == "done" and result.answer == ANSWER, result.answer
    _check_turn(stub, before, "ours")
    return elapsed


def _peer(agent: PeerAgent, stub: OpenAIStub) -> float:
    config: RunnableConfig = {"configurable": {"thread_id": f"bench-peer-{uuid.uuid4()}"}}
    before = len(stub.requests)
    began = time.perf_counter()
    output = agent.invoke({"messages": [("user", QUESTION)]}, config)
    elapsed = time.perf_counter() - began
    last = output["messages"][-1]
    assert isinstance(last, AIMessage) and last.content == ANSWER, last
    _check_turn(stub, before, "peer")
    return elapsed


def _measure(db: Database, turns: int) -> Result:
    with running_stub() as stub, open_checkpointer(db) as checkpointer:
        # A function of the request never runs out, however many turns are taken.
        stub.script.extend([_responder] * 10_000)
        model = ModelSettings(base_url=stub.base_url, api_key="test", max_retries=0, offline=False)
        chasen = ChaSen(db, checkpointer, model=model, today=TODAY)
        anu = chasen.person(ANU)
        tool_ctx = ChaSenContext(person=anu, sessions=db.sessions, today=TODAY, model=model).tools()
        with warnings.catch_warnings():
            # Deprecated in favour of langchain.agents.create_agent; it still works.
            warnings.simplefilter("ignore")
            peer = create_react_agent(
                model=chat_model(model), tools=toolbox(tool_ctx), checkpointer=checkpointer
            )
        for _ in range(WARM_UP):
            _ours(chasen, anu, stub)
            _peer(peer, stub)
        ours: list[float] = []
        theirs: list[float] = []
        for turn in range(turns):
            # Alternate who goes first, so neither always follows the other's garbage.
            if turn % 2 == 0:
                ours.append(_ours(chasen, anu, stub))
                theirs.append(_peer(peer, stub))
            else:
                theirs.append(_peer(peer, stub))
                ours.append(_ours(chasen, anu, stub))
    ours_ms = [s * 1000 for s in ours]
    peer_ms = [s * 1000 for s in theirs]
    return Result(
        bench=NAME,
        ours=statistics.median(ours_ms),
        peer=statistics.median(peer_ms),
        unit="ms",
        target=TARGET,
        higher_is_better=False,
        note=(
            f"median ms per chat turn over {turns} alternating turns on fresh threads: ChaSen "
            f"{statistics.median(ours_ms):.1f} (p95 {p95_ms(ours):.1f}) vs prebuilt "
            f"create_react_agent {statistics.median(peer_ms):.1f} (p95 {p95_ms(theirs):.1f}); "
            "both make 2 stub-model calls and 1 churn_risk call per turn over loopback, "
            "Postgres checkpointer; ours also records the run"
        ),
    )


def run(quick: bool = False) -> Result:
    """Seed the demo in a fresh embedded database, then time both agents turn by turn."""
    turns = 10 if quick else 40
    with scratch_database() as db:
        with transaction(db.sessions) as session:
            seed_demo(session, today=TODAY)
        return _measure(db, turns)
