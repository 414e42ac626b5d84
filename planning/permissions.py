"""Who may see and change what: the one policy the API, the agent's tools and Slack all use.

- CSEs see the clients of their territory (and those they are the CSE of), and plans they own,
  collaborate on, or that cover what they see.
- CAMs see the clients they oversee.
- Managers see their region.
- Admins see everything.

Only a plan's owner and collaborators (and admins) edit it. A plan is approved by a manager of
its region or an admin who does not own it.

People see their own targets; managers those of their region's people; admins everyone's.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.orm import Session

from core.errors import NotFoundError, PermissionDeniedError
from core.identity import Person
from core.models import Client, StrategicPlan, User
from planning import directory


class PlanLike(Protocol):
    """What the policy reads of a plan (an ORM row or a :class:`PlanSummary`)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def primary_owner(self) -> str: ...
    @property
    def owner_id(self) -> uuid.UUID | None: ...
    @property
    def collaborators(self) -> list[str] | None: ...
    @property
    def territory(self) -> str | None: ...
    @property
    def client_id(self) -> uuid.UUID | None: ...


def client_filter(person: Person) -> ColumnElement[bool]:
    """A WHERE clause on ``clients`` selecting what ``person`` may see."""
    if person.role == "admin":
        return true()
    if person.role == "manager":
        return Client.region == person.region if person.region else false()
    if person.role == "CAM":
        return Client.cam_id == person.id
    if person.role == "CSE":
        mine = [Client.cse_id == person.id]
        if person.territory:
            mine.append(Client.territory == person.territory)
        collaborating = exists(
            select(StrategicPlan.id).where(
                StrategicPlan.client_id == Client.id,
                StrategicPlan.collaborators.overlap([person.email, person.name]),
            )
        )
        return or_(*mine, collaborating)
    return false()


def plan_filter(person: Person) -> ColumnElement[bool]:
    """A WHERE clause on ``strategic_plans`` selecting the plans ``person`` may read
    (the SQL twin of :func:`can_view_plan`)."""
    if person.role == "admin":
        return true()
    plans = StrategicPlan
    visible_client = select(Client.id).where(Client.id == plans.client_id, client_filter(person))
    allowed = [
        plans.owner_id == person.id,
        plans.collaborators.overlap([person.email, person.name]),
        exists(visible_client),
    ]
    if person.role == "CSE" and person.territory:
        allowed.append(plans.client_id.is_(None) & (plans.territory == person.territory))
    if person.role == "manager" and person.region:
        allowed.append(plans.client_id.is_(None) & _territory_in_region(plans, person.region))
    return or_(*allowed)


def _territory_in_region(plan: PlanLike | type[StrategicPlan], region: str) -> ColumnElement[bool]:
    """A territory plan is in a region when its owner works there or clients of its territory
    are there. The owner counts because a CSE's territory is a label ("VIC + NZ") that no
    single client carries."""
    owner_there = select(User.id).where(User.id == plan.owner_id, User.region == region)
    clients_there = select(Client.id).where(
        Client.territory == plan.territory, Client.region == region
    )
    return exists(owner_there) | exists(clients_there)


def visible_clients(session: Session, person: Person, territory: str | None = None) -> list[Client]:
    """The clients ``person`` may see (optionally of one territory), by name."""
    query = select(Client).where(client_filter(person)).order_by(Client.name)
    if territory is not None:
        query = query.where(Client.territory == territory)
    return list(session.scalars(query))


def can_view_client(session: Session, person: Person, client_id: uuid.UUID) -> bool:
    """True when ``person`` may see the client."""
    query = select(Client.id).where(Client.id == client_id, client_filter(person))
    return session.scalar(query) is not None


def check_client(session: Session, person: Person, client: Client) -> None:
    """Raise PermissionDeniedError unless ``person`` may see ``client``."""
    if not can_view_client(session, person, client.id):
        raise PermissionDeniedError(
            f"{person.name} ({person.role}) cannot see {client.name}: it is outside "
            f"their {_scope_word(person)}",
            client=client.name,
        )


def client_named(session: Session, person: Person, name_or_id: str) -> Client:
    """The client ``name_or_id`` names (NotFoundError), if ``person`` may see it
    (PermissionDeniedError)."""
    client = directory.find_client(session, name_or_id)
    check_client(session, person, client)
    return client


def territory_in_reach(session: Session, person: Person, territory: str) -> str:
    """``territory`` as the clients spell it (any case), when ``person`` sees at least one of
    its clients: NotFoundError when no client is in it, PermissionDeniedError when all of
    them are out of reach. Neither error names, counts or describes a client."""
    known = directory.territories(session)
    found = next((t for t in known if t.casefold() == territory.strip().casefold()), None)
    if found is None:
        raise NotFoundError(
            f"No territory {territory!r}; the territories are {', '.join(known)}",
            territory=territory,
        )
    if not visible_clients(session, person, found):
        # Someone who sees part of a territory gets that part; no part at all is a refusal.
        raise PermissionDeniedError(
            f"{person.name} ({person.role}) cannot see the clients of {found}: the territory "
            "is outside their reach",
            territory=found,
        )
    return found


def client_in_reach(session: Session, person: Person, client_id: uuid.UUID) -> Client:
    """The client with this id (NotFoundError), if ``person`` may see it
    (PermissionDeniedError)."""
    client = directory.get_client(session, client_id)
    check_client(session, person, client)
    return client


def check_targets(person: Person, owner: User) -> None:
    """Raise PermissionDeniedError unless ``person`` may see ``owner``'s targets: their own,
    their region's people for managers, anyone's for admins."""
    if person.role == "admin" or owner.id == person.id:
        return
    if person.role == "manager" and person.region and owner.region == person.region:
        return
    raise PermissionDeniedError(
        f"{person.name} ({person.role}) cannot see the targets of {owner.name}: CSEs and CAMs "
        "see their own, managers their region's",
        owner=owner.email,
    )


def is_owner(person: Person, plan: PlanLike) -> bool:
    """True when ``person`` owns ``plan``."""
    if plan.owner_id is not None:
        return plan.owner_id == person.id
    return person.is_named(plan.primary_owner)


def is_collaborator(person: Person, plan: PlanLike) -> bool:
    """True when ``person`` is named among ``plan``'s collaborators."""
    return any(person.is_named(label) for label in plan.collaborators or [])


def can_view_plan(session: Session, person: Person, plan: PlanLike) -> bool:
    """True when ``person`` may read ``plan``."""
    if person.role == "admin" or is_owner(person, plan) or is_collaborator(person, plan):
        return True
    if plan.client_id is not None:
        return can_view_client(session, person, plan.client_id)
    if person.role == "CSE":
        return plan.territory is not None and plan.territory == person.territory
    if person.role == "manager" and person.region:
        return bool(session.scalar(select(_territory_in_region(plan, person.region))))
    return False


def can_edit_plan(person: Person, plan: PlanLike) -> bool:
    """True when ``person`` may change ``plan``'s sections (owner, collaborator or admin)."""
    return person.role == "admin" or is_owner(person, plan) or is_collaborator(person, plan)


def can_approve_plan(session: Session, person: Person, plan: PlanLike) -> bool:
    """True when ``person`` may approve ``plan``: a manager of its region or an admin, not
    its owner."""
    if is_owner(person, plan):
        return False
    if person.role == "admin":
        return True
    return person.role == "manager" and can_view_plan(session, person, plan)


APPROVER_MOVES = frozenset({"approve", "request_changes"})
"""Workflow moves made by a plan's approvers; the others are made by its editors."""


def can_move_plan(session: Session, person: Person, plan: PlanLike, action: str) -> bool:
    """True when ``person`` may make the workflow move ``action`` on ``plan``."""
    if action in APPROVER_MOVES:
        return can_approve_plan(session, person, plan)
    return can_edit_plan(person, plan)


def check_plan_move(session: Session, person: Person, plan: PlanLike, action: str) -> None:
    """Raise PermissionDeniedError unless ``person`` may make the move ``action``."""
    if action in APPROVER_MOVES:
        check_plan_view(session, person, plan)
        check_plan_approve(session, person, plan)
    else:
        check_plan_edit(session, person, plan)


def check_plan_create(
    session: Session, person: Person, owner_id: uuid.UUID | None, client_id: uuid.UUID | None
) -> None:
    """Raise PermissionDeniedError unless ``person`` may create a plan for this owner and
    client: CSEs and CAMs create their own plans, for clients they see."""
    if person.role in ("CSE", "CAM") and owner_id not in (None, person.id):
        raise PermissionDeniedError(f"{person.name} can only create plans they own")
    if client_id is not None and not can_view_client(session, person, client_id):
        raise PermissionDeniedError(
            f"{person.name} ({person.role}) cannot plan for client {client_id}: it is outside "
            f"their {_scope_word(person)}",
            client_id=client_id,
        )


def check_plan_view(session: Session, person: Person, plan: PlanLike) -> None:
    """Raise PermissionDeniedError unless ``person`` may read ``plan``."""
    if not can_view_plan(session, person, plan):
        raise PermissionDeniedError(
            f"{person.name} ({person.role}) cannot see plan {plan.id}: it is outside "
            f"their {_scope_word(person)}",
            plan_id=plan.id,
        )


def check_plan_edit(session: Session, person: Person, plan: PlanLike) -> None:
    """Raise PermissionDeniedError unless ``person`` may change ``plan``."""
    check_plan_view(session, person, plan)
    if not can_edit_plan(person, plan):
        raise PermissionDeniedError(
            f"{person.name} may read plan {plan.id} but not change it: only its owner "
            f"({plan.primary_owner}) and collaborators edit it",
            plan_id=plan.id,
        )


def check_plan_approve(session: Session, person: Person, plan: PlanLike) -> None:
    """Raise PermissionDeniedError unless ``person`` may approve ``plan``."""
    if is_owner(person, plan):
        raise PermissionDeniedError(
            f"{person.name} owns plan {plan.id} and cannot approve it; ask a manager "
            "or another approver",
            plan_id=plan.id,
        )
    if not can_approve_plan(session, person, plan):
        raise PermissionDeniedError(
            f"{person.name} ({person.role}) cannot approve plan {plan.id}: plans are "
            "approved by a manager of their region or an admin",
            plan_id=plan.id,
        )


def _scope_word(person: Person) -> str:
    return {
        "CSE": f"territory ({person.territory or 'none'})",
        "CAM": "accounts",
        "manager": f"region ({person.region or 'none'})",
    }.get(person.role, "access")
