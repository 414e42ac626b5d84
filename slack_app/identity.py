"""Who is writing: a Slack member as a ChaSen user, by Slack id or else by e-mail.

A member not linked yet is looked up by the e-mail Slack has for them (``users.info``); when an
active ChaSen user has that address, the Slack id is linked to them for next time. Everyone
else is nobody ChaSen knows, and every action runs with the permissions of the person found.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.identity import Person
from planning import directory
from scheduler.slack_delivery import DeliveryError, SlackPoster


@dataclass(frozen=True)
class SlackIdentity:
    """The ChaSen user behind a Slack member (None when there is none) and the e-mail
    Slack gave for them, if it was asked."""

    person: Person | None
    email: str | None = None


def identify(session: Session, poster: SlackPoster, slack_user_id: str) -> SlackIdentity:
    """The active ChaSen user behind ``slack_user_id``, linking them by e-mail on first use."""
    user = directory.find_user_by_slack_id(session, slack_user_id)
    if user is not None:
        return SlackIdentity(Person.of(user) if user.active else None, user.email)
    email = slack_email(poster, slack_user_id)
    user = directory.find_user_by_email(session, email) if email else None
    if user is None or not user.active:
        return SlackIdentity(None, email)
    directory.link_slack_user(session, user, slack_user_id)
    return SlackIdentity(Person.of(user), email)


def slack_email(poster: SlackPoster, slack_user_id: str) -> str | None:
    """The e-mail in the member's Slack profile; None for a member Slack does not know, a
    bot, or a workspace that hides addresses. Passing failures raise (the job retries)."""
    try:
        data = poster.call(
            "users.info",
            slack_user_id,
            lambda: poster.client.users_info(user=slack_user_id).data,
        )
    except DeliveryError as error:
        if error.retryable:
            raise
        return None
    user = data.get("user") or {}
    email = (user.get("profile") or {}).get("email")
    return str(email).strip().lower() if email and not user.get("is_bot") else None
