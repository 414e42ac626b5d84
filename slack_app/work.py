"""What a Slack job works with: the delivery, the database, Slack, and ChaSen when needed."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from agent.checkpoints import open_checkpointer
from agent.runner import ChaSen, TurnResult
from core.bootstrap import Database
from core.database import transaction
from scheduler.slack_delivery import PostedMessage, SlackPoster
from slack_app import replies
from slack_app.approval_blocks import proposal_message
from slack_app.blocks import answer_message, unknown_user_message
from slack_app.identity import SlackIdentity, identify
from slack_app.messages import Message


@dataclass
class Work:
    """One recorded delivery being handled by a job."""

    database: Database
    poster: SlackPoster
    event_id: str
    payload: dict[str, Any]
    today: date = field(default_factory=date.today)
    _stack: ExitStack = field(default_factory=ExitStack)
    _chasen: ChaSen | None = None

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The database's session factory."""
        return self.database.sessions

    def chasen(self) -> ChaSen:
        """ChaSen on this database, with a checkpointer opened for the job's duration."""
        if self._chasen is None:
            checkpointer = self._stack.enter_context(open_checkpointer(self.database, 2))
            self._chasen = ChaSen(self.database, checkpointer, today=self.today)
        return self._chasen

    def close(self) -> None:
        """Close what :meth:`chasen` opened."""
        self._stack.close()

    def identify(self, slack_user_id: str) -> SlackIdentity:
        """The ChaSen user behind a Slack member (linked by e-mail the first time)."""
        with transaction(self.sessions) as session:
            return identify(session, self.poster, slack_user_id)

    def send(self, outgoing: list[replies.Outgoing]) -> None:
        """Store this delivery's reply, then send it."""
        replies.send(self.sessions, self.poster, self.event_id, outgoing)

    def working(
        self, destination: str, message: Message, thread_ts: str | None = None
    ) -> PostedMessage:
        """The status message, posted once (see :func:`slack_app.replies.working`)."""
        return replies.working(
            self.sessions, self.poster, self.event_id, destination, message, thread_ts
        )

    def reply_of(self, result: TurnResult, *, with_answer: bool = True) -> list[Message]:
        """What a run has to say: its answer (unless ``with_answer`` is false), then a message
        per proposal waiting for a decision."""
        messages: list[Message] = []
        if result.answer and with_answer:
            context = f"ChaSen · {self.chasen().model.label}"
            messages.append(answer_message(result.answer, context=context, notices=result.notices))
        return messages + [proposal_message(d) for d in result.decisions]

    def turn_messages(
        self, result: TurnResult, status: PostedMessage, thread_ts: str | None
    ) -> list[replies.Outgoing]:
        """A run's reply: the status message becomes the answer (or the first proposal), and
        any further proposals follow in the thread."""
        messages = self.reply_of(result) or [
            answer_message("\n".join(result.notices) or "Done: there was nothing more to say.")
        ]
        first, *rest = messages
        thread = thread_ts or status.ts
        return [replies.update(status, first, thread_ts)] + [
            replies.post(status.channel, m, thread) for m in rest
        ]

    def unknown(self, who: SlackIdentity) -> Message:
        """The explanation for a Slack member ChaSen does not know."""
        return unknown_user_message(who.email)
