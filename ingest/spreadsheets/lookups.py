"""People and clients, loaded once per import so that no row costs a query."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from core.models import Client
from ingest.spreadsheets import repository
from ingest.spreadsheets.records import SourceRow


class UnknownReferenceError(ValueError):
    """A name or e-mail in the file that names nobody (or more than one person)."""


class People:
    """Users by e-mail and by name (both any case)."""

    def __init__(self, session: Session) -> None:
        rows = repository.users(session)
        self._by_email = {email.casefold(): id_ for id_, email, _ in rows}
        self._emails = {id_: email for id_, email, _ in rows}
        by_name: dict[str, list[uuid.UUID]] = defaultdict(list)
        for id_, _, name in rows:
            by_name[" ".join(name.casefold().split())].append(id_)
        self._by_name = dict(by_name)

    def resolve(self, text: str) -> uuid.UUID:
        """The id of the user with this e-mail or name; UnknownReferenceError otherwise."""
        key = " ".join(text.casefold().split())
        if "@" in key:
            if key in self._by_email:
                return self._by_email[key]
            raise UnknownReferenceError(f"no user with e-mail {text!r}")
        found = self._by_name.get(key, [])
        if len(found) == 1:
            return found[0]
        if found:
            raise UnknownReferenceError(f"{len(found)} users are named {text!r}: give the e-mail")
        raise UnknownReferenceError(f"no user with e-mail or name {text!r}")

    def resolve_field(self, row: SourceRow, field: str) -> None:
        """Set ``<field>_id`` from the person the row's ``field`` names, or note the problem."""
        if field in row.values:
            try:
                row.values[f"{field}_id"] = self.resolve(row.values[field])
            except UnknownReferenceError as error:
                row.problems.append(f"{field}: {error}")

    def email(self, user_id: uuid.UUID | None) -> str | None:
        """The e-mail of a user id (for reports), None for None."""
        return None if user_id is None else self._emails.get(user_id, str(user_id))

    def shown(
        self, found: Mapping[str, tuple[Any, Any]], user_columns: Mapping[str, str]
    ) -> dict[str, tuple[Any, Any]]:
        """Changes as a person reads them: each user-id column of ``user_columns`` under its
        name there (``{"cse_id": "cse"}``), with e-mails instead of ids."""
        return {
            user_columns.get(column, column): (
                (self.email(before), self.email(after))
                if column in user_columns
                else (before, after)
            )
            for column, (before, after) in found.items()
        }


def client_key(name: str) -> str:
    """How client names are compared: any case, any spacing."""
    return " ".join(name.casefold().split())


class Clients:
    """Every client's stored columns, by :func:`client_key` of its name."""

    def __init__(self, session: Session) -> None:
        self.rows: dict[str, dict[str, Any]] = {
            client_key(row["name"]): row for row in repository.stored_rows(session, Client)
        }
        self._by_id = {row["id"]: row for row in self.rows.values()}

    def find(self, name: str) -> dict[str, Any] | None:
        """The client with this name (any case), if any."""
        return self.rows.get(client_key(name))

    def get(self, client_id: uuid.UUID) -> dict[str, Any]:
        """The stored client with this id."""
        return self._by_id[client_id]

    def name(self, client_id: uuid.UUID) -> str:
        """The stored name of a client id."""
        return str(self._by_id[client_id]["name"])
