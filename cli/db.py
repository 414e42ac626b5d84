"""``chasen db``: schema migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.output import console
from cli.session import database
from core import schema

app = typer.Typer(help="Create and migrate ChaSen's database schema.", no_args_is_help=True)


@app.command()
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Migrate the database up (default: to the newest revision)."""
    with database(migrate=False, check_schema=False) as db:
        schema.upgrade(db.engine, revision)
        console.print(f"{db.describe()} is at revision {schema.current_revision(db.engine)}")


@app.command()
def downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision; 'base' empties the schema.")],
) -> None:
    """Migrate the database down to REVISION."""
    with database(migrate=False, check_schema=False) as db:
        schema.downgrade(db.engine, revision)
        console.print(f"{db.describe()} is at revision {schema.current_revision(db.engine)}")


@app.command()
def current() -> None:
    """Show the database's revision and the newest one this code knows."""
    with database(migrate=False, check_schema=False) as db:
        have = schema.current_revision(db.engine) or "none"
        console.print(f"{db.describe()}\nrevision {have} (head {schema.head_revision(db.engine)})")
