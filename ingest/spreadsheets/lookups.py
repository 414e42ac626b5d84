"""People and clients, loaded once per import so that no row costs a query."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Client, User


class UnknownReferenceError(ValueError):
    """A name or e-mail in the file that names nobody (or more than one person)."""


class People:
    """Users by e-mail and by name (both any case)."""

    def __init__(self, session: Session) -> None:
        rows = session.execute(select(User.id, User.email, User.name)).all()
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

    def email(self, user_id: uuid.UUID | None) -> str | None:
        """The e-mail of a user id (for reports), None for None."""
        return None if user_id is None else self._emails.get(user_id, str(user_id))


def client_key(name: str) -> str:
    """How client names are compared: any case, any spacing."""
    return " ".join(name.casefold().split())


class Clients:
    """Every client's stored columns, by :func:`client_key` of its name."""

    def __init__(self, session: Session) -> None:
        table = Client.__table__
        self.rows: dict[str, dict[str, Any]] = {
            client_key(row["name"]): dict(row) for row in session.execute(select(table)).mappings()
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
