"""``chasen chat``, ``chasen draft``, ``chasen approvals`` and ``chasen decide``: ChaSen in a
terminal, with every proposed change shown for a decision."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.options import JsonFlag
from cli.output import console, print_json, print_table
from cli.session import database
from core.errors import ValidationError

if TYPE_CHECKING:  # the agent's libraries load only when a command needs them
    from agent.runner import ChaSen, PendingDecision, TurnResult

UserOption = Annotated[str, typer.Option("--user", help="E-mail of the person ChaSen acts for.")]


@contextmanager
def running() -> Iterator[ChaSen]:
    """ChaSen on the configured database, with its Postgres checkpointer."""
    from agent.checkpoints import open_checkpointer
    from agent.runner import ChaSen

    with database() as db, open_checkpointer(db) as checkpointer:
        yield ChaSen(db, checkpointer)


def chat_command(
    user: UserOption,
    message: Annotated[
        str | None, typer.Argument(help="One message; none: a conversation.")
    ] = None,
    thread: Annotated[str | None, typer.Option("--thread", help="Continue this thread.")] = None,
) -> None:
    """Talk to ChaSen: one message, or a conversation until an empty line."""
    with running() as chasen:
        person = chasen.person(user)
        if message is not None:
            _show(chasen.chat(person, message, thread_id=thread))
            return
        console.print(f"ChaSen ({chasen.model.label}) for {person.name}. Empty line to stop.")
        while line := typer.prompt("you", default="", show_default=False).strip():
            result = chasen.chat(person, line, thread_id=thread)
            thread = result.thread_id
            while result.status == "waiting":
                _show(result)
                result = _decide_interactively(chasen, person.email, result)
            _show(result)


def draft_command(
    user: UserOption,
    client: Annotated[str | None, typer.Option("--client", help="Account plan client.")] = None,
    plan: Annotated[str | None, typer.Option("--plan", help="Draft into this plan id.")] = None,
    fiscal_year: Annotated[int | None, typer.Option("--fiscal-year")] = None,
) -> None:
    """Generate a plan draft (account for --client, else the CSE's territory); it waits for
    a decision (``chasen decide``)."""
    from agent.state import DraftInput

    request = DraftInput()
    if plan:
        request["plan_id"] = plan
    if client:
        request["client"] = client
    if fiscal_year:
        request["fiscal_year"] = fiscal_year
    with running() as chasen:
        _show(chasen.draft(chasen.person(user), request))


def approvals_command(user: UserOption, as_json: JsonFlag = False) -> None:
    """Decisions waiting for this person."""
    with running() as chasen:
        pending = chasen.pending(chasen.person(user))
    if as_json:
        print_json([_decision_json(d) for d in pending])
        return
    print_table(
        "Waiting for your decision",
        ["thread", "interrupt", "kind", "what"],
        [[d.thread_id, d.interrupt_id, d.kind, d.description.splitlines()[0]] for d in pending],
    )


def decide_command(
    user: UserOption,
    thread: Annotated[str, typer.Argument(help="The thread the decision waits in.")],
    interrupt: Annotated[str, typer.Argument(help="The interrupt id (chasen approvals).")],
    decision: Annotated[str, typer.Argument(help="accept, reject, or reply.")],
    text: Annotated[str | None, typer.Option("--text", help="The reply, for reply.")] = None,
) -> None:
    """Accept, reject or reply to a waiting proposal."""
    with running() as chasen:
        _show(chasen.resume(chasen.person(user), thread, interrupt, _response(decision, text)))


def _response(decision: str, text: str | None) -> dict[str, Any]:
    if decision == "accept":
        return {"type": "accept"}
    if decision == "reject":
        return {"type": "ignore"}
    if decision == "reply" and text:
        return {"type": "response", "args": text}
    raise ValidationError("decide with accept, reject, or reply --text TEXT")


def _decide_interactively(chasen: ChaSen, email: str, result: TurnResult) -> TurnResult:
    decision = result.decisions[0]
    answer = typer.prompt("accept / reject / or type a reply", default="reject").strip()
    kind = answer if answer in ("accept", "reject") else "reply"
    response = _response(kind, answer if kind == "reply" else None)
    return chasen.resume(
        chasen.person(email), result.thread_id, decision.interrupt_id or "", response
    )


def _show(result: TurnResult) -> None:
    for decision in result.decisions:
        console.print(f"[bold]Waiting for a decision[/bold] ({decision.kind})", highlight=False)
        console.print(decision.description, highlight=False, markup=False)
        console.print(
            f"decide: chasen decide --user EMAIL {result.thread_id} {decision.interrupt_id} "
            "accept|reject|reply",
            highlight=False,
        )
    if result.answer:
        console.print(result.answer, highlight=False, markup=False)
    usage = result.usage
    if usage.get("model_calls"):
        console.print(
            f"[dim]{usage['model_calls']} model calls, {usage.get('input_tokens', 0)} tokens in, "
            f"{usage.get('output_tokens', 0)} out[/dim]"
        )


def _decision_json(decision: PendingDecision) -> dict[str, Any]:
    return {
        "approval_id": str(decision.approval_id),
        "thread_id": decision.thread_id,
        "interrupt_id": decision.interrupt_id,
        "graph": decision.graph,
        "kind": decision.kind,
        "plan_id": str(decision.plan_id) if decision.plan_id else None,
        "description": decision.description,
    }
