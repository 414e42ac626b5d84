"""The ``chasen`` console script: one entry point with sub-commands."""

from __future__ import annotations

import logging

import typer

from cli import (
    agent,
    db,
    demo,
    digest,
    evals,
    export,
    imports,
    people,
    plans,
    serve,
    slack,
    transcripts,
    worker,
)
from cli import risk as risk_cli
from cli.output import errors
from core.errors import (
    ChaSenError,
    ConfigurationError,
    ConflictError,
    DatabaseUnavailableError,
    NotFoundError,
    PermissionDeniedError,
    SchemaOutdatedError,
    ValidationError,
)
from core.settings import get_settings

app = typer.Typer(
    name="chasen",
    help="ChaSen, the AI planning assistant for customer success: plans, portfolio, risk.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(people.users_app, name="users")
app.add_typer(people.clients_app, name="clients")
app.add_typer(plans.app, name="plans")
app.command("demo")(demo.demo_command)
app.command("seed-demo")(demo.seed_command)
app.add_typer(transcripts.ingest_app, name="ingest")
app.add_typer(imports.app, name="import")
app.command("stakeholders")(transcripts.stakeholders_command)
app.command("search")(transcripts.search_command)
app.add_typer(risk_cli.app, name="risk")
app.add_typer(digest.app, name="digest")
app.command("worker")(worker.worker_command)
app.command("chat")(agent.chat_command)
app.command("draft")(agent.draft_command)
app.command("approvals")(agent.approvals_command)
app.command("decide")(agent.decide_command)
app.command("export")(export.export_command)
app.command("serve")(serve.serve_command)
app.command("token")(serve.token_command)
app.command("slack")(slack.slack_command)
app.command("eval")(evals.eval_command)

# Exit codes by error kind, so scripts can tell them apart (2 is click's usage error).
EXIT_CODES: list[tuple[type[ChaSenError], int]] = [
    (NotFoundError, 3),
    (ValidationError, 4),
    (ConflictError, 5),
    (PermissionDeniedError, 6),
    (DatabaseUnavailableError, 7),
    (SchemaOutdatedError, 8),
    (ConfigurationError, 9),
]


def exit_code(error: ChaSenError) -> int:
    """The process exit code for a domain error."""
    return next((code for kind, code in EXIT_CODES if isinstance(error, kind)), 1)


def main() -> None:
    """Run the CLI; domain errors become one clear line on stderr and an exit code."""
    logging.basicConfig(level=get_settings().log_level)
    try:
        app()
    except ChaSenError as error:
        errors.print(f"[red]error:[/red] {error.message}", highlight=False)
        for problem in error.details.get("errors", [])[:10]:
            errors.print(f"  {problem['path']}: {problem['message']}", highlight=False)
        raise SystemExit(exit_code(error)) from None
