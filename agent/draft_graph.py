"""The plan-draft graph behind "Generate Plan Draft".

load_context -> draft_sections (gather the data, draft all eight sections) -> write_narrative
(the model's executive summary, or the templated one offline) -> review (a person accepts,
edits or rejects the whole draft) -> done. Nothing is written before the decision; an accepted
draft is written section by section through the plan service in one transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime
from pydantic import RootModel
from sqlalchemy.orm import Session

from agent import models
from agent.context import ChaSenContext
from agent.inbox import HumanResponse, edited_args
from agent.narrative import facts_prompt
from agent.prompts import EMPHASIS_FOCUS, MODEL_DOWN_NOTICE, NARRATIVE_PROMPT
from agent.review import Question, ask, settle
from agent.state import DraftInput, DraftState
from core.errors import ValidationError
from core.identity import Person
from core.models import User
from planning import permissions
from planning.diff import json_diff
from planning.drafting import DraftRequest, Source, draft_sections, gather, sources_line
from planning.plan_repository import PlanFilters
from planning.proposals import parse_plan_id
from planning.records import NewPlan
from planning.sections import SECTION_MODELS, SECTIONS, validate_section
from planning.service import PlanService
from planning.workflow import EDITABLE_STATUSES


def load_context(state: DraftState, runtime: Runtime[ChaSenContext]) -> dict[str, Any]:
    """Resolve what to draft: the plan (or client / territory), its owner, year and emphasis."""
    ctx = runtime.context
    person = ctx.acting_person()
    with ctx.session_factory()() as session:
        request = resolve_request(session, person, state, ctx.day())
    return {"request": request}


def resolve_request(
    session: Session, person: Person, state: DraftInput, today: date
) -> dict[str, Any]:
    """The draft's subject as plain data, checked against ``person``'s permissions."""
    service = PlanService(session)
    if state.get("plan_id"):
        plan = service.get_plan(parse_plan_id(str(state["plan_id"])))
        permissions.check_plan_edit(session, person, plan)
        if plan.status not in EDITABLE_STATUSES:
            raise ValidationError(f"plan {plan.id} is {plan.status}; only open plans are drafted")
        owner = session.get(User, plan.owner_id) if plan.owner_id else None
        return {
            "plan_id": str(plan.id),
            "version": plan.version,
            "plan_type": plan.plan_type,
            "fiscal_year": plan.fiscal_year,
            "owner": _person_json(Person.of(owner) if owner else person),
            "emphasis": plan.primary_owner_role or _emphasis(person),
            "client_id": str(plan.client_id) if plan.client_id else None,
            "territory": plan.territory,
        }
    fiscal_year = int(state.get("fiscal_year") or today.year)
    client = None
    if state.get("client"):
        client = permissions.client_named(session, person, str(state["client"]))
    plan_type = state.get("plan_type") or (
        "account" if client or person.role == "CAM" else "territory"
    )
    if plan_type == "account" and client is None:
        raise ValidationError("an account plan draft needs a client: name one")
    territory = None if client else (state.get("territory") or person.territory)
    if plan_type == "territory" and person.role != "CSE":
        raise ValidationError("territory plans belong to a CSE; draft an account plan instead")
    existing = PlanService(session).open_plan_for(
        person,
        PlanFilters(
            plan_type=plan_type,
            fiscal_year=fiscal_year,
            client_id=client.id if client else None,
            territory=None if client else territory,
        ),
    )
    return {
        "plan_id": str(existing.id) if existing else None,
        "version": existing.version if existing else None,
        "plan_type": plan_type,
        "fiscal_year": fiscal_year,
        "owner": _person_json(person),
        "emphasis": _emphasis(person),
        "client_id": str(client.id) if client else None,
        "territory": client.territory if client else territory,
    }


def draft(state: DraftState, runtime: Runtime[ChaSenContext]) -> dict[str, Any]:
    """Gather the data and draft every section, with the offline summary to start from."""
    ctx = runtime.context
    request = state["request"]
    with ctx.session_factory()() as session:
        current = (
            PlanService(session).get_plan(uuid.UUID(request["plan_id"])).sections
            if request["plan_id"]
            else empty_sections()
        )
        data = gather(
            session,
            _draft_request(request),
            ctx.day(),
            current_stakeholders=current.get("stakeholders") or [],
        )
        sections = draft_sections(data)
        facts, _fitted = facts_prompt(data, ctx.budgets.narrative_facts_tokens)
        session.rollback()
    return {
        "sections": sections,
        "current": current,
        "facts": facts,
        "sources": [s.as_json() for s in data.sources],
        "narrative_offline": True,
    }


def empty_sections() -> dict[str, Any]:
    """A new plan's sections as the database defaults them (lists empty, objects empty)."""
    return {n: [] if issubclass(SECTION_MODELS[n], RootModel) else {} for n in SECTIONS}


def write_narrative(state: DraftState, runtime: Runtime[ChaSenContext]) -> dict[str, Any]:
    """The executive summary in the model's words, from the facts only (offline: kept as is)."""
    ctx = runtime.context
    if ctx.model.offline:
        return {}
    request = state["request"]
    subject = (
        state["sections"]["portfolio"][0]["name"]
        if request["plan_type"] == "account"
        else (request["territory"])
    )
    message = NARRATIVE_PROMPT.format(
        plan_type=request["plan_type"],
        subject=subject,
        owner=request["owner"]["name"],
        emphasis=request["emphasis"],
        emphasis_focus=EMPHASIS_FOCUS.get(request["emphasis"], ""),
        facts=state["facts"],
    )
    try:
        reply = models.invoke(ctx.model, [HumanMessage(content=message)])
    except models.ModelUnavailableError as down:
        return {"notices": [MODEL_DOWN_NOTICE.format(reason=down)], "model_down": [str(down)]}
    sources = sources_line([Source(**s) for s in state["sources"]])
    summary = f"{str(reply.message.content).strip()}\n\n{sources}"
    sections = {
        **state["sections"],
        "value": {**state["sections"]["value"], "executive_summary": summary},
    }
    usage = {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens}
    return {
        "sections": {**sections, "value": validate_section("value", sections["value"])},
        "narrative_offline": False,
        "usage": {**usage, "model_calls": 1},
    }


def review(state: DraftState, runtime: Runtime[ChaSenContext]) -> dict[str, Any]:
    """Put the whole draft before a person; write it once if they accept or edit it."""
    ctx = runtime.context
    request = state["request"]
    sections = state["sections"]
    changes = {n: len(json_diff(state["current"].get(n), sections[n])) for n in SECTIONS}
    question = Question(
        graph="plan_draft",
        kind="plan_draft",
        action="apply_plan_draft",
        args={
            "plan_id": request["plan_id"],
            "plan_type": request["plan_type"],
            "fiscal_year": request["fiscal_year"],
            "sections": sections,
            "changes": changes,
            "sources": state["sources"],
            "offline": state.get("narrative_offline", True),
        },
        description=describe_draft(state, changes),
        plan_id=uuid.UUID(request["plan_id"]) if request["plan_id"] else None,
        client_id=uuid.UUID(request["client_id"]) if request["client_id"] else None,
    )
    approval, response = ask(ctx, question)

    def apply(session: Session, person: Person, decided: HumanResponse) -> str:
        chosen = dict(sections)
        if decided.type == "edit":
            chosen.update(edited_sections(edited_args(decided)))
        return write_draft(session, person, request, chosen)

    decision = settle(ctx, approval, response, apply)
    return {"outcome": decision.outcome, "status": decision.status}


def edited_sections(args: dict[str, Any]) -> dict[str, Any]:
    """The sections a person edited, each validated (a ValidationError names the problem)."""
    edited = args.get("sections")
    if not isinstance(edited, dict) or not edited:
        raise ValidationError("an edit of a draft gives the changed sections under 'sections'")
    return {name: validate_section(name, data) for name, data in edited.items()}


def write_draft(
    session: Session, person: Person, request: dict[str, Any], sections: dict[str, Any]
) -> str:
    """Write every section of the draft through the plan service, creating the plan if new."""
    service = PlanService(session)
    if request["plan_id"]:
        plan = service.get_plan(uuid.UUID(request["plan_id"]))
        version = int(request["version"])
    else:
        plan = service.ensure_plan(_new_plan(request), person.actor)
        version = plan.version
    permissions.check_plan_edit(session, person, plan)
    written = service.write_sections(
        plan.id, sections, expected_version=version, actor=person.actor
    )
    subject = plan.client_name or plan.territory
    return (
        f"Written: the FY{plan.fiscal_year} {plan.plan_type} plan for {subject} "
        f"(plan {plan.id}) is now at version {written.version}, approved by {person.name}."
    )


def describe_draft(state: DraftState, changes: dict[str, int]) -> str:
    """The draft as a person reviews it: what changes per section, and the summary."""
    request = state["request"]
    label = "offline draft (no language model)" if state.get("narrative_offline", True) else "draft"
    lines = [
        f"**{request['plan_type'].capitalize()} plan {label}, FY{request['fiscal_year']}**",
        "Changes per section: " + ", ".join(f"{n} {c}" for n, c in changes.items()),
        "",
        str(state["sections"]["value"].get("executive_summary") or ""),
    ]
    return "\n".join(lines)


def build_draft_graph(
    checkpointer: BaseCheckpointSaver[Any] | None = None,
) -> CompiledStateGraph[DraftState, ChaSenContext, DraftState, DraftState]:
    """The plan-draft graph, compiled with ``checkpointer`` (None: the server provides one)."""
    builder = StateGraph(DraftState, context_schema=ChaSenContext)
    builder.add_node("load_context", load_context)
    builder.add_node("draft_sections", draft)
    builder.add_node("write_narrative", write_narrative)
    builder.add_node("review", review)
    builder.add_edge(START, "load_context")
    builder.add_edge("load_context", "draft_sections")
    builder.add_edge("draft_sections", "write_narrative")
    builder.add_edge("write_narrative", "review")
    builder.add_edge("review", END)
    return builder.compile(checkpointer=checkpointer, name="plan_draft")


def _draft_request(request: dict[str, Any]) -> DraftRequest:
    owner = request["owner"]
    return DraftRequest(
        plan_type=request["plan_type"],
        fiscal_year=request["fiscal_year"],
        owner=Person(**{**owner, "id": uuid.UUID(owner["id"])}),
        emphasis=request["emphasis"],
        client_id=uuid.UUID(request["client_id"]) if request["client_id"] else None,
        territory=request["territory"],
    )  # fmt: skip


def _new_plan(request: dict[str, Any]) -> NewPlan:
    owner = request["owner"]
    return NewPlan(
        plan_type=request["plan_type"],
        fiscal_year=request["fiscal_year"],
        primary_owner=owner["name"],
        primary_owner_role=owner["role"] if owner["role"] in ("CSE", "CAM") else None,
        owner_id=uuid.UUID(owner["id"]),
        territory=request["territory"],
        client_id=uuid.UUID(request["client_id"]) if request["client_id"] else None,
    )


def _person_json(person: Person) -> dict[str, Any]:
    return {**asdict(person), "id": str(person.id)}


def _emphasis(person: Person) -> str:
    return "CAM" if person.role == "CAM" else "CSE"
