"""Slack delivery: the real slack_sdk WebClient against the local mock of the Web API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from core.errors import ConfigurationError
from core.settings import SlackSettings
from scheduler.slack_delivery import DeliveryError, PostedMessage, SlackPoster, poster_from_settings
from tests.slack_stub import VALID_TOKEN, SlackStub, channel_id, running_slack_stub

BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "Churn risk this week"}},
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Barwon Health* rose to 0.71"}},
]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def stub() -> Iterator[SlackStub]:
    with running_slack_stub() as running:
        yield running


def poster_for(stub: SlackStub, token: str = VALID_TOKEN) -> SlackPoster:
    # A tiny backoff keeps server-error retries fast; Retry-After is what the stub says.
    return SlackPoster(token, api_url=stub.api_url, max_retries=2, backoff_s=0.01)


def test_posting_to_a_user_opens_the_dm_and_posts_text_and_blocks(stub: SlackStub) -> None:
    posted = poster_for(stub).post("U024BE7LH", text="Churn risk digest", blocks=BLOCKS)

    assert [call.method for call in stub.calls] == ["conversations.open", "chat.postMessage"]
    opened, message = stub.calls
    assert opened.params == {"users": "U024BE7LH"}
    assert opened.headers["authorization"] == f"Bearer {VALID_TOKEN}"
    assert message.headers["content-type"].startswith("application/json")
    assert message.params == {"channel": "D024BE7LH", "text": "Churn risk digest", "blocks": BLOCKS}
    assert posted == PostedMessage(channel="D024BE7LH", ts=posted.ts, file_id=None)
    assert stub.messages == [{**message.params, "ts": posted.ts}]


def test_a_channel_name_is_posted_to_directly_and_answered_with_its_id(stub: SlackStub) -> None:
    posted = poster_for(stub).post("#cs-digest", text="hello", blocks=None)

    assert [call.method for call in stub.calls] == ["chat.postMessage"]
    assert stub.calls[0].params == {"channel": "#cs-digest", "text": "hello"}
    assert posted.channel == channel_id("cs-digest")


def test_a_rate_limit_is_waited_out_and_the_message_posted_once(stub: SlackStub) -> None:
    stub.fail("chat.postMessage", status=429, retry_after=0)

    posted = poster_for(stub).post("C0DIGEST", text="digest", blocks=BLOCKS)

    attempts = stub.calls_to("chat.postMessage")
    assert len(attempts) == 2
    assert attempts[0].params == attempts[1].params
    assert [(m["channel"], m["ts"]) for m in stub.messages] == [(posted.channel, posted.ts)]


def test_a_rate_limit_that_outlasts_the_retries_is_retryable(stub: SlackStub) -> None:
    stub.fail("chat.postMessage", status=429, retry_after=0, times=10)

    with pytest.raises(DeliveryError, match="ratelimited") as caught:
        poster_for(stub).post("C0DIGEST", text="digest", blocks=None)

    assert caught.value.retryable is True
    assert len(stub.calls_to("chat.postMessage")) == 3
    assert stub.messages == []


def test_an_unreachable_slack_is_retried_then_retryable() -> None:
    with running_slack_stub() as stopped:
        api_url = stopped.api_url  # nothing listens there once the block ends
    poster = SlackPoster(VALID_TOKEN, api_url=api_url, max_retries=1, backoff_s=0.01)

    with pytest.raises(DeliveryError, match="connection_error") as caught:
        poster.post("C0DIGEST", text="digest", blocks=None)

    assert caught.value.retryable is True
    assert caught.value.slack_error == "connection_error"


def test_server_errors_that_outlast_the_retries_are_retryable(stub: SlackStub) -> None:
    stub.fail("chat.postMessage", status=500, times=10)

    with pytest.raises(DeliveryError) as caught:
        poster_for(stub).post("C0DIGEST", text="digest", blocks=None)

    assert caught.value.retryable is True
    assert caught.value.slack_error == "http_500"
    assert "C0DIGEST" in caught.value.message
    assert len(stub.calls_to("chat.postMessage")) == 3  # the first try and two retries


def test_an_unknown_channel_is_not_retryable_and_named(stub: SlackStub) -> None:
    stub.fail("chat.postMessage", error="channel_not_found")

    with pytest.raises(DeliveryError) as caught:
        poster_for(stub).post("#no-such-channel", text="digest", blocks=None)

    assert caught.value.retryable is False
    assert caught.value.slack_error == "channel_not_found"
    assert "channel_not_found" in str(caught.value)
    assert "#no-such-channel" in str(caught.value)
    assert len(stub.calls_to("chat.postMessage")) == 1


def test_an_invalid_token_is_not_retryable(stub: SlackStub) -> None:
    poster = poster_for(stub, token="xoxb-revoked")

    with pytest.raises(DeliveryError, match="invalid_auth") as caught:
        poster.post("U024BE7LH", text="digest", blocks=None)
    assert caught.value.retryable is False
    with pytest.raises(DeliveryError, match="invalid_auth"):
        poster.check()
    assert poster_for(stub).check()["team_id"] == "T0TEST"


def test_an_image_is_uploaded_into_the_thread_of_the_message(stub: SlackStub) -> None:
    posted = poster_for(stub).post(
        "U024BE7LH", text="digest", blocks=BLOCKS, image_png=PNG, image_title="Risk trend"
    )

    assert [call.method for call in stub.calls] == [
        "conversations.open",
        "chat.postMessage",
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    assert posted.file_id is not None
    assert stub.uploads == {posted.file_id: PNG}
    requested = stub.calls_to("files.getUploadURLExternal")[0].params
    assert requested["length"] == str(len(PNG))
    complete = stub.calls_to("files.completeUploadExternal")[0].params
    assert complete["channel_id"] == posted.channel == "D024BE7LH"
    assert complete["thread_ts"] == posted.ts
    assert json.loads(complete["files"]) == [{"id": posted.file_id, "title": "Risk trend"}]


def test_a_failed_upload_says_the_message_itself_went_out(stub: SlackStub) -> None:
    stub.fail("files.completeUploadExternal", error="not_in_channel")

    with pytest.raises(DeliveryError) as caught:
        poster_for(stub).post("C0DIGEST", text="digest", blocks=None, image_png=PNG)

    assert caught.value.slack_error == "not_in_channel"
    assert caught.value.retryable is False
    assert caught.value.posted is not None
    assert caught.value.posted.channel == "C0DIGEST"


def test_a_missing_token_names_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="SLACK_BOT_TOKEN"):
        poster_from_settings(SlackSettings(bot_token=None))


def test_the_settings_configure_the_poster(stub: SlackStub) -> None:
    settings = SlackSettings(bot_token=SecretStr(VALID_TOKEN), api_url=stub.api_url)
    assert settings.configured
    poster_from_settings(settings).post("C0DIGEST", text="hi", blocks=None)
    assert len(stub.calls_to("chat.postMessage")) == 1
