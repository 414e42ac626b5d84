"""The bolt app: ChaSen's listeners on the configured workspace's bot token and secret."""

from __future__ import annotations

import logging

from slack_bolt import App

from core.bootstrap import Database
from core.errors import ConfigurationError
from core.settings import SlackSettings
from scheduler.slack_delivery import SlackPoster, poster_from_settings
from slack_app.listeners import register


def create_bolt_app(
    database: Database,
    settings: SlackSettings,
    poster: SlackPoster | None = None,
    *,
    socket_mode: bool = False,
) -> App:
    """The Slack app on ``database``; ConfigurationError without a bot token or (over HTTP) a
    signing secret. Over Socket Mode requests come on a connection the app opened with its
    app token, so there is no signature to check.

    Listeners run before the acknowledgement (``process_before_response``): they only record
    and queue, so the answer to Slack still comes within its three seconds, and nothing is
    left running in memory after it. The token is checked on the first request, not here, so
    that starting the API needs no network.
    """
    secret = settings.signing_secret.get_secret_value() if settings.signing_secret else ""
    if not secret and not socket_mode:
        raise ConfigurationError(
            "SLACK_SIGNING_SECRET is not set: the Slack app needs it to verify that requests "
            "come from Slack (Basic Information > App Credentials in the app's settings)."
        )
    poster = poster or poster_from_settings(settings)
    app = App(
        signing_secret=secret,
        request_verification_enabled=not socket_mode,
        client=poster.client,
        process_before_response=True,
        token_verification_enabled=False,
        logger=logging.getLogger("chasen.slack.bolt"),
    )
    register(app, database, poster)
    return app
