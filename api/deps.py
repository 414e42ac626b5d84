"""What each request gets: the acting person (from a token or an API key) and a transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from agent.runner import ChaSen
from api.problems import ApiError
from api.tokens import TokenError, verify
from core.bootstrap import Database
from core.database import transaction
from core.errors import NotFoundError
from core.identity import Person
from core.settings import Settings
from planning import directory

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="chasen"'}


# Async on purpose: FastAPI runs a plain ``def`` dependency in a worker thread, and a thread
# hop for each trivial getter costs more than the getter.
async def settings_of(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def database_of(request: Request) -> Database:
    """The app's database."""
    database: Database = request.app.state.database
    return database


async def chasen_of(request: Request) -> ChaSen:
    """The app's agent runner."""
    chasen: ChaSen = request.app.state.chasen
    return chasen


def unit_of_work(database: Annotated[Database, Depends(database_of)]) -> Iterator[Session]:
    """One transaction for one request: committed when the endpoint returns normally."""
    with transaction(database.sessions) as session:
        yield session


def current_person(
    request: Request,
    settings: Annotated[Settings, Depends(settings_of)],
    session: Annotated[Session, Depends(unit_of_work, scope="function")],
) -> Person:
    """The signed-in person: a bearer JWT, or a service API key acting as a named user.

    Looked up in the request's own transaction (one connection per request, not two)."""
    email = _email_of(request, settings)
    try:
        return Person.of(directory.get_active_user(session, email))
    except NotFoundError as unknown:
        raise ApiError(401, "unknown_user", unknown.message, CHALLENGE) from None


def _email_of(request: Request, settings: Settings) -> str:
    key = request.headers.get("X-API-Key")
    if key is not None:
        email = settings.api.api_keys.get(key)
        if email is None:
            raise ApiError(401, "invalid_api_key", "the API key is not valid", CHALLENGE)
        return email
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "not_authenticated",
            "send 'Authorization: Bearer <token>' (or an X-API-Key for services)",
            CHALLENGE,
        )
    try:
        claims = verify(settings.api, token.strip())
    except TokenError as error:
        raise ApiError(401, "invalid_token", str(error), CHALLENGE) from None
    return str(claims["email"])


PersonDep = Annotated[Person, Depends(current_person)]
# "function": the transaction commits before the response is sent, so a client that has its
# 201 can read what it wrote, and a failed commit is an error response rather than a lie.
SessionDep = Annotated[Session, Depends(unit_of_work, scope="function")]
ChaSenDep = Annotated[ChaSen, Depends(chasen_of)]
SettingsDep = Annotated[Settings, Depends(settings_of)]
