"""ChaSen's two graphs, compiled for LangGraph's own tools (see ``langgraph.json``).

The dev server, Studio and Agent Chat UI load ``chat`` and ``plan_draft`` from here and supply
their own checkpointer; ChaSen's API, Slack app and CLI compile the same graphs with the Postgres
checkpointer through :class:`agent.runner.ChaSen`.
"""

from __future__ import annotations

from agent.chat_graph import build_chat_graph
from agent.draft_graph import build_draft_graph

chat = build_chat_graph()
plan_draft = build_draft_graph()

__all__ = ["build_chat_graph", "build_draft_graph", "chat", "plan_draft"]
