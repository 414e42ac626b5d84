"""``chasen digest``: compose a risk digest, schedule digests, and see what was sent."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal

import typer

from cli.options import JsonFlag, parse_date
from cli.output import print_json, print_table
from cli.session import database, unit_of_work
from core.database import transaction
from core.errors import ValidationError
from core.models import User
from planning.directory import get_user_by_email
from risk.digest import Digest, compose_digest
from risk.digest_render import chart_png, to_blocks, to_markdown
from risk.schedule_repository import deliveries
from risk.schedules import (
    DEFAULT_CRON,
    latest_period,
    schedule_of,
    schedule_zone,
    upsert_schedule,
)

app = typer.Typer(
    help="Risk digests: what changed in a person's clients (or a region).",
    invoke_without_command=True,
)

Format = Literal["markdown", "blocks", "json"]


@app.callback()
def digest_command(
    ctx: typer.Context,
    owner: Annotated[
        str | None, typer.Option("--owner", help="E-mail of the recipient (owner or manager).")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="A region's digest (for managers).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Period start (default: schedule).")] = None,
    until: Annotated[str | None, typer.Option(help="Period end (default: schedule).")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the digest instead of sending it.")
    ] = False,
    output: Annotated[
        str, typer.Option("--format", help="markdown, blocks (Slack Block Kit) or json.")
    ] = "markdown",
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also write the risk chart to this PNG file.")
    ] = None,
) -> None:
    """Compose the digest for ``--owner`` over the latest period; ``--dry-run`` prints it."""
    if ctx.invoked_subcommand is not None:
        return
    if owner is None:
        raise ValidationError("--owner EMAIL is required (or a sub-command: status, schedule)")
    if output not in ("markdown", "blocks", "json"):
        raise ValidationError(f"--format must be markdown, blocks or json, not {output!r}")
    if not dry_run:
        _send_now(owner, region)
        return
    with unit_of_work() as session:
        user = get_user_by_email(session, owner)
        start, end = _period(user, parse_date(since, "--since"), parse_date(until, "--until"))
        scope = "region" if region else "owner"
        digest = compose_digest(
            session, user, period_start=start, period_end=end, scope=scope, region=region
        )
    _print(digest, output)
    if chart is not None:
        chart.write_bytes(chart_png(digest))


def _send_now(owner: str, region: str | None) -> None:
    """Send the recipient's digest for its schedule's latest period (at most once)."""
    from scheduler.digest_jobs import deliver_digest
    from scheduler.slack_delivery import poster_from_settings

    poster = poster_from_settings()
    with database() as db:
        with transaction(db.sessions) as session:
            user = get_user_by_email(session, owner)
            schedule = schedule_of(session, user, region)
            schedule_id = schedule.id
            period = latest_period(schedule.cron, schedule_zone(schedule, user), datetime.now(UTC))
        outcome = deliver_digest(db.sessions, schedule_id, period.end, poster)
    print(f"digest for {owner}, period ending {period.end:%Y-%m-%d %H:%M %Z}: {outcome}")


def _period(user: User, since: date | None, until: date | None) -> tuple[date, date]:
    """Explicit dates, else the latest period of a weekly schedule in the user's zone."""
    if since is not None and until is not None:
        if since >= until:
            raise ValidationError("--since must be before --until")
        return since, until
    if since is None and until is None:
        period = latest_period(DEFAULT_CRON, user.timezone, datetime.now(UTC))
        return period.start.date(), period.end.date()
    end = until or datetime.now(UTC).date()
    return since or end - timedelta(days=7), end


def _print(digest: Digest, output: str) -> None:
    if output == "markdown":
        print(to_markdown(digest), end="")
    elif output == "blocks":
        print(json.dumps({"blocks": to_blocks(digest)}, indent=2, ensure_ascii=False))
    else:
        print_json(
            {
                "subject": digest.subject,
                "recipient": digest.recipient_email,
                "period": [digest.period_start, digest.period_end],
                "clients": digest.clients,
                "model": digest.model,
                "band_counts": digest.band_counts,
                "items": [
                    {**vars(item), "client_id": str(item.client_id)} for item in digest.items
                ],
            }
        )


@app.command("schedule")
def schedule_command(
    user: Annotated[str, typer.Option("--user", help="Recipient's e-mail.")],
    region: Annotated[str | None, typer.Option(help="Send the region's digest.")] = None,
    cron: Annotated[str, typer.Option(help="When, in cron syntax.")] = DEFAULT_CRON,
    timezone: Annotated[
        str | None, typer.Option(help="IANA zone (default: the recipient's).")
    ] = None,
    channel: Annotated[
        str | None, typer.Option(help="Slack channel (default: a direct message).")
    ] = None,
) -> None:
    """Create or change a digest schedule."""
    with unit_of_work() as session:
        recipient = get_user_by_email(session, user)
        schedule = upsert_schedule(
            session,
            recipient,
            scope="region" if region else "owner",
            region=region,
            cron=cron,
            timezone=timezone,
            channel=channel,
        )
        zone = schedule_zone(schedule, recipient)
        print(f"digest for {recipient.email}: {schedule.cron} ({zone}) -> {channel or 'DM'}")


@app.command("status")
def status_command(
    status: Annotated[
        str | None, typer.Option(help="Only deliveries with this status (pending/sent/failed).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_json: JsonFlag = False,
) -> None:
    """Recent digest deliveries: sent, pending, or failed with the reason."""
    with unit_of_work() as session:
        rows = [
            {
                "recipient": user.email,
                "scope": schedule.region or "own clients",
                "period_end": delivery.period_end,
                "status": delivery.status,
                "attempts": delivery.attempts,
                "channel": delivery.channel,
                "sent_at": delivery.sent_at,
                "last_error": delivery.last_error,
            }
            for delivery, schedule, user in deliveries(session, status=status, limit=limit)
        ]
    if as_json:
        print_json(rows)
        return
    print_table(
        "Digest deliveries",
        ["recipient", "scope", "period end", "status", "attempts", "sent", "error"],
        (
            [
                r["recipient"],
                r["scope"],
                r["period_end"],
                r["status"],
                r["attempts"],
                r["sent_at"],
                r["last_error"],
            ]
            for r in rows
        ),
    )
