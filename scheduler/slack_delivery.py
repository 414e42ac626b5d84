"""Posting ChaSen's messages (digests, alerts) to Slack channels and people's DMs.

:class:`SlackPoster` wraps ``slack_sdk.WebClient``. Transient failures are retried inside the
client: rate limits (HTTP 429, after the ``Retry-After`` Slack sends), server errors (5xx, with
exponential backoff) and dropped connections. What retrying cannot fix, or what is still
failing after the retries, becomes one :class:`DeliveryError` that names the Slack error code
and the destination, and says whether a later attempt (a job retry) may succeed.

An image goes into the thread of the message it belongs to. ``chat.postMessage`` cannot carry
a file, and sharing an upload with blocks (``files.completeUploadExternal``) happens
asynchronously without returning the message's ``ts``; posting first gives the ``ts`` that
addresses the message, and the thread keeps the chart beside the text it illustrates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from http.client import RemoteDisconnected
from typing import Any
from urllib.error import URLError

import psycopg
from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.jobs import Job
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import OperationalError

from core.errors import ChaSenError, ConfigurationError, DatabaseUnavailableError
from core.settings import SlackSettings, get_settings

# Slack's own codes for failures on its side; any other code is about the request itself.
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_SLACK_CODE = re.compile(r"^[a-z_]+$")


@dataclass(frozen=True)
class PostedMessage:
    """Where a message landed: its conversation, its ``ts``, and the image's file id."""

    channel: str
    ts: str
    file_id: str | None = None


class DeliveryError(ChaSenError):
    """Slack did not take a message; ``retryable`` says whether trying later may succeed.

    ``posted`` is set when the message went out but its image did not: retry only the upload
    (:meth:`SlackPoster.upload_image`), not the message.
    """

    code = "delivery_failed"

    def __init__(
        self,
        message: str,
        *,
        slack_error: str,
        destination: str,
        retryable: bool,
        posted: PostedMessage | None = None,
    ) -> None:
        super().__init__(
            message, slack_error=slack_error, destination=destination, retryable=retryable
        )
        self.slack_error = slack_error
        self.destination = destination
        self.retryable = retryable
        self.posted = posted


class SlackRetry(BaseRetryStrategy):
    """A job's retries after what may pass: Slack's rate limits and outages, dropped
    connections, the database going away; never a refused token, channel or user.

    Waits grow tenfold: 10 s, 100 s, ~17 min, ~3 h, ~28 h, up to ``max_retries`` retries.
    """

    def __init__(self, max_retries: int) -> None:
        self.max_retries = max_retries

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        """Retry passing failures until the retries run out."""
        if not passing(exception) or job.attempts >= self.max_retries:
            return None
        return RetryDecision(retry_in={"seconds": 10 ** (job.attempts + 1)})


def passing(exception: BaseException) -> bool:
    """Whether trying again later may succeed: Slack's rate limits and outages, dropped
    connections, and the database going away, however that reached the job (SQLAlchemy's or
    psycopg's own error, or as ChaSen's DatabaseUnavailableError from a transaction)."""
    if isinstance(exception, DeliveryError):
        return exception.retryable
    return isinstance(
        exception, OSError | OperationalError | psycopg.OperationalError | DatabaseUnavailableError
    )


class _AnyServerErrorRetryHandler(ServerErrorRetryHandler):
    """slack_sdk's handler retries 500 and 503 only; a 502 or 504 is just as passing."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code >= 500


def retry_handlers(*, max_retries: int = 3, backoff_s: float = 0.5) -> list[RetryHandler]:
    """Retries for rate limits (``Retry-After``), 5xx and dropped connections.

    The handlers share one count of attempts per request: ``max_retries`` bounds them all.
    Server and connection errors wait ``backoff_s * 2**attempt`` seconds, with jitter.
    """
    backoff = BackoffRetryIntervalCalculator(backoff_factor=backoff_s)
    return [
        RateLimitErrorRetryHandler(max_retry_count=max_retries),
        _AnyServerErrorRetryHandler(max_retry_count=max_retries, interval_calculator=backoff),
        ConnectionErrorRetryHandler(
            max_retry_count=max_retries,
            interval_calculator=backoff,
            error_types=[URLError, ConnectionError, RemoteDisconnected, TimeoutError],
        ),
    ]


class SlackPoster:
    """Posts messages (and an optional PNG) to a channel or a person's DM."""

    def __init__(
        self,
        token: str,
        *,
        api_url: str = "https://slack.com/api/",
        max_retries: int = 3,
        backoff_s: float = 0.5,
        timeout_s: int = 30,
    ) -> None:
        self.client = WebClient(
            token=token,
            base_url=api_url,
            timeout=timeout_s,
            retry_handlers=retry_handlers(max_retries=max_retries, backoff_s=backoff_s),
        )

    def check(self) -> dict[str, Any]:
        """Ask Slack who the token belongs to (``auth.test``); a bad token raises."""
        return self.call("auth.test", "(token)", lambda: self.client.auth_test().data)

    def conversation_for(self, destination: str) -> str:
        """The conversation to post to: a user id's DM (opened if need be), else as given."""
        if not _USER_ID.match(destination):
            return destination
        data = self.call(
            "conversations.open",
            destination,
            lambda: self.client.conversations_open(users=destination).data,
        )
        return str(data["channel"]["id"])

    def post(
        self,
        destination: str,
        *,
        text: str,
        blocks: list[dict[str, Any]] | None,
        image_png: bytes | None = None,
        image_title: str = "",
        thread_ts: str | None = None,
    ) -> PostedMessage:
        """Post ``text`` and ``blocks`` to a channel (id or name) or a user (``U…``/``W…``).

        ``text`` is the notification and screen-reader fallback of the blocks. With
        ``image_png`` the image is uploaded into the message's thread; with ``thread_ts`` the
        message is a reply in that thread.
        """
        channel = self.conversation_for(destination)
        data = self.call(
            "chat.postMessage",
            destination,
            lambda: (
                self.client.chat_postMessage(
                    channel=channel, text=text, blocks=blocks, thread_ts=thread_ts
                ).data
            ),
        )
        # Slack answers with the channel's id even when it was addressed by name.
        posted = PostedMessage(channel=str(data["channel"]), ts=str(data["ts"]))
        if image_png is None:
            return posted
        try:
            return self.upload_image(posted, image_png, title=image_title)
        except DeliveryError as error:
            error.posted = posted
            raise

    def update(
        self, posted: PostedMessage, *, text: str, blocks: list[dict[str, Any]] | None
    ) -> PostedMessage:
        """Replace the text and blocks of a message ChaSen posted (``chat.update``)."""
        self.call(
            "chat.update",
            posted.channel,
            lambda: (
                self.client.chat_update(
                    channel=posted.channel, ts=posted.ts, text=text, blocks=blocks
                ).data
            ),
        )
        return posted

    def respond(self, response_url: str, *, text: str, blocks: list[dict[str, Any]] | None) -> None:
        """Answer a command or click privately, through the ``response_url`` Slack gave it."""
        hook = WebhookClient(
            response_url, timeout=self.client.timeout, retry_handlers=self.client.retry_handlers
        )
        try:
            response = hook.send(
                text=text, blocks=blocks, response_type="ephemeral", replace_original=False
            )
        except (SlackClientError, OSError) as exc:
            raise DeliveryError(
                f"Slack response_url failed: connection_error ({exc})",
                slack_error="connection_error",
                destination="response_url",
                retryable=True,
            ) from exc
        if response.status_code != 200:
            status = response.status_code
            raise DeliveryError(
                f"Slack response_url failed: http_{status} {response.body[:100]}",
                slack_error=f"http_{status}",
                destination="response_url",
                retryable=status == 429 or status >= 500,
            )

    def upload_image(self, posted: PostedMessage, image_png: bytes, *, title: str) -> PostedMessage:
        """Upload a PNG into the thread of ``posted``; the result carries its file id."""
        return self.upload_file(
            posted.channel,
            image_png,
            filename="chart.png",
            title=title or "chart",
            thread_ts=posted.ts,
        )

    def upload_file(
        self,
        destination: str,
        content: bytes,
        *,
        filename: str,
        title: str,
        thread_ts: str | None = None,
        comment: str | None = None,
    ) -> PostedMessage:
        """Share a file in a channel or a member's DM (in a thread when ``thread_ts``)."""
        channel = self.conversation_for(destination)
        data = self.call(
            "files.upload",
            destination,
            lambda: (
                self.client.files_upload_v2(
                    file=content,
                    filename=filename,
                    title=title,
                    channel=channel,
                    thread_ts=thread_ts,
                    initial_comment=comment,
                ).data
            ),
        )
        return PostedMessage(channel=channel, ts=thread_ts or "", file_id=str(data["file"]["id"]))

    def call(
        self, method: str, destination: str, call: Callable[[], dict[str, Any] | bytes]
    ) -> dict[str, Any]:
        """Run one Web API call; its failures become one :class:`DeliveryError`."""
        try:
            data = call()
        except SlackApiError as exc:
            raise _api_error(method, destination, exc) from exc
        except (SlackClientError, OSError) as exc:
            # Connection failures that outlived the retries, or a failed upload POST.
            raise DeliveryError(
                f"Slack {method} to {destination} failed: connection_error ({exc})",
                slack_error="connection_error",
                destination=destination,
                retryable=True,
            ) from exc
        if not isinstance(data, dict):  # only file downloads answer with bytes
            raise DeliveryError(
                f"Slack {method} to {destination} answered with a file, not JSON",
                slack_error="unexpected_response",
                destination=destination,
                retryable=False,
            )
        return data


def _api_error(method: str, destination: str, exc: SlackApiError) -> DeliveryError:
    status = int(exc.response.status_code)
    data = exc.response.data if isinstance(exc.response.data, dict) else {}
    reported = str(data.get("error", ""))
    code = reported if _SLACK_CODE.match(reported) else f"http_{status}"
    retryable = status == 429 or status >= 500 or code in TRANSIENT_ERRORS
    after = " after retries" if retryable else ""
    return DeliveryError(
        f"Slack {method} to {destination} failed{after}: {code}",
        slack_error=code,
        destination=destination,
        retryable=retryable,
    )


def poster_from_settings(settings: SlackSettings | None = None) -> SlackPoster:
    """A poster for the configured workspace; ConfigurationError without a bot token."""
    settings = settings or get_settings().slack
    if not settings.configured:
        raise ConfigurationError(
            "SLACK_BOT_TOKEN is not set: ChaSen needs a bot token (xoxb-...) to post to Slack."
        )
    assert settings.bot_token is not None  # configured checked it
    return SlackPoster(settings.bot_token.get_secret_value(), api_url=settings.api_url)
