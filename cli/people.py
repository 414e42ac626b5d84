"""``chasen users`` and ``chasen clients``: list and add people and clients."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import typer

from cli.options import JsonFlag
from cli.output import console, money, print_json, print_table
from cli.session import unit_of_work
from core.models import Client, User
from planning import directory

users_app = typer.Typer(
    help="People who use ChaSen (CSEs, CAMs, managers, admins).", no_args_is_help=True
)
clients_app = typer.Typer(help="Client accounts in the portfolio.", no_args_is_help=True)


def user_row(user: User) -> dict[str, Any]:
    """A user as a JSON-ready dict."""
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "territory": user.territory,
        "region": user.region,
        "slack_user_id": user.slack_user_id,
    }


def client_row(client: Client) -> dict[str, Any]:
    """A client as a JSON-ready dict."""
    return {
        "id": client.id,
        "name": client.name,
        "territory": client.territory,
        "region": client.region,
        "segment": client.segment,
        "arr": client.arr,
        "health_score": client.health_score,
        "nps": client.nps,
        "renewal_date": client.renewal_date,
        "cse_id": client.cse_id,
        "cam_id": client.cam_id,
    }


@users_app.command("list")
def list_users(
    role: Annotated[
        str | None, typer.Option(help="Only this role: CSE, CAM, manager, admin.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """List users by name."""
    with unit_of_work() as session:
        rows = [user_row(u) for u in directory.list_users(session, role)]
    if as_json:
        print_json(rows)
        return
    print_table(
        "Users",
        ["name", "email", "role", "territory", "region"],
        [[r["name"], r["email"], r["role"], r["territory"], r["region"]] for r in rows],
    )


@users_app.command("add")
def add_user(
    name: Annotated[str, typer.Option(help="Full name.")],
    email: Annotated[str, typer.Option(help="E-mail, the user's key.")],
    role: Annotated[str, typer.Option(help="CSE, CAM, manager or admin.")],
    territory: Annotated[str | None, typer.Option(help="e.g. 'VIC + NZ'.")] = None,
    region: Annotated[str | None, typer.Option(help="e.g. 'Australia+NZ'.")] = None,
    slack_user_id: Annotated[str | None, typer.Option(help="Slack member id, e.g. U0123.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a user."""
    with unit_of_work() as session:
        user = directory.add_user(
            session,
            {
                "name": name,
                "email": email,
                "role": role,
                "territory": territory,
                "region": region,
                "slack_user_id": slack_user_id,
            },
        )
        row = user_row(user)
    if as_json:
        print_json(row)
    else:
        console.print(f"Added {row['name']} <{row['email']}> ({row['role']}), id {row['id']}")


@clients_app.command("list")
def list_clients(
    territory: Annotated[str | None, typer.Option(help="Only this territory, e.g. VIC.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List clients by name."""
    with unit_of_work() as session:
        rows = [client_row(c) for c in directory.list_clients(session, territory)]
    if as_json:
        print_json(rows)
        return
    print_table(
        "Clients",
        ["name", "territory", "segment", "ARR", "health", "NPS", "renewal"],
        [
            [
                r["name"],
                r["territory"],
                r["segment"],
                money(r["arr"]),
                r["health_score"],
                r["nps"],
                r["renewal_date"],
            ]
            for r in rows
        ],
    )


@clients_app.command("add")
def add_client(
    name: Annotated[str, typer.Option(help="Client name (unique).")],
    territory: Annotated[str, typer.Option(help="e.g. VIC, NZ, WA, SA, Asia, Guam.")],
    region: Annotated[str, typer.Option(help="e.g. Australia+NZ or Asia+Guam.")],
    segment: Annotated[str | None, typer.Option()] = None,
    arr: Annotated[Decimal, typer.Option(help="Annual recurring revenue.")] = Decimal(0),
    health_score: Annotated[int | None, typer.Option(help="0-100.")] = None,
    nps: Annotated[int | None, typer.Option(help="-100 to 100.")] = None,
    renewal_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    cse: Annotated[str | None, typer.Option(help="E-mail of the CSE.")] = None,
    cam: Annotated[str | None, typer.Option(help="E-mail of the CAM.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a client."""
    with unit_of_work() as session:
        client = directory.add_client(
            session,
            {
                "name": name,
                "territory": territory,
                "region": region,
                "segment": segment,
                "arr": arr,
                "health_score": health_score,
                "nps": nps,
                "renewal_date": renewal_date,
                "cse_email": cse,
                "cam_email": cam,
            },
        )
        row = client_row(client)
    if as_json:
        print_json(row)
    else:
        console.print(f"Added client {row['name']} ({row['territory']}), id {row['id']}")
