"""Slack on the server: a slack-bolt ``AsyncApp`` at ``POST /slack/events`` or over
Socket Mode, with the Web API client the channel delivers through."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import parse_body
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.base import Host, Receive
from bot.channels.slack.channel import SlackChannel
from bot.channels.slack.payloads import NAME
from bot.core.contract import InboundMessage, ReplyAddress
from bot.core.logs import failure, where
from bot.core.settings import Settings

log = logging.getLogger(__name__)

SLACK_EVENTS_PATH = "/slack/events"


class SlackMode(StrEnum):
    OFF = "off"
    HTTP = "http"
    SOCKET = "socket"


def slack_mode(settings: Settings) -> SlackMode:
    """HTTP with a bot token and signing secret; Socket Mode when an app token is set too."""
    if settings.slack_bot_token and settings.slack_app_token:
        return SlackMode.SOCKET
    if settings.slack_bot_token and settings.slack_signing_secret:
        return SlackMode.HTTP
    return SlackMode.OFF


def slack_client(settings: Settings) -> AsyncWebClient:
    """The Web API client: Slack's address unless overridden, with retries that honour
    Retry-After on 429, back off on 500/503 and reconnect on dropped connections."""
    base_url = settings.slack_api_base_url or AsyncWebClient.BASE_URL
    return AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        timeout=15,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=2),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def agent_desk(settings: Settings) -> ReplyAddress | None:
    """The Slack agents' channel as a shared agent surface, when configured."""
    if slack_mode(settings) is SlackMode.OFF or not settings.slack_agent_channel:
        return None
    return ReplyAddress.of(NAME, {"channel": settings.slack_agent_channel})


class SlackMount:
    """Slack joining the server (see :class:`bot.channels.base.Mount`)."""

    name = NAME

    def __init__(self, settings: Settings, mode: SlackMode) -> None:
        self.mode = mode
        self._settings = settings
        self.client = slack_client(settings)
        self.bolt: AsyncApp | None = None
        self._channel: SlackChannel | None = None

    @property
    def channel(self) -> SlackChannel:
        assert self._channel is not None, "mount() first"
        return self._channel

    def status(self) -> str:
        return self.mode.value

    def mount(self, web_app: web.Application, host: Host) -> None:
        settings = self._settings
        self.bolt = AsyncApp(
            client=self.client,
            signing_secret=settings.slack_signing_secret or "",
            # The listeners only ack and hand over to `spawn`; waiting for them costs
            # nothing, and bolt then starts no untracked tasks of its own.
            process_before_response=True,
            logger=logging.getLogger("slack_bolt"),
        )
        self._channel = SlackChannel(
            self.client,
            team_id=settings.slack_team_id,
            agent_channel=settings.slack_agent_channel,
            texts=host.texts,
            agent_lang=settings.agent_language,
            clock=host.clock,
        )

        self._channel.attach(
            self.bolt, inbox=_storing(host.receive), spawn=host.spawn, desk=host.desk,
            handle_kind=host.handle_kind, deliver=host.deliver,
        )  # fmt: skip
        self.bolt.error(_answer_for_failure)
        # One HTTP session (kept-alive connections to Slack) for the process's life,
        # instead of slack_sdk's default of a new session, and TLS handshake, per call.
        web_app.on_startup.append(self._open_session)
        web_app.on_cleanup.append(self._close_session)
        if self.mode is SlackMode.SOCKET:
            socket = AsyncSocketModeHandler(
                self.bolt, settings.slack_app_token, web_client=self.client
            )
            web_app.on_startup.append(lambda _: socket.connect_async())
            web_app.on_shutdown.append(lambda _: socket.close_async())
        else:
            web_app.router.add_post(SLACK_EVENTS_PATH, _events_endpoint(self.bolt, settings))
        log.info("slack on: mode=%s", self.mode.value)


    async def _open_session(self, _: web.Application) -> None:
        self.client.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.client.timeout)
        )

    async def _close_session(self, _: web.Application) -> None:
        if self.client.session is not None:
            await self.client.session.close()


def slack_mount(settings: Settings) -> SlackMount | None:
    """Slack's mount when it is configured; says in one log line when it is not."""
    mode = slack_mode(settings)
    if mode is SlackMode.OFF:
        log.warning(
            "slack off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (and SLACK_APP_TOKEN "
            "for Socket Mode) to serve Slack"
        )
        return None
    return SlackMount(settings, mode)


class NotStored(Exception):
    """Storing a request in the inbox failed: answered 5xx, so that Slack sends it again."""


def _storing(receive: Receive) -> Receive:
    async def store(message: InboundMessage) -> None:
        try:
            await receive(message)
        except Exception as exc:
            raise NotStored from exc

    return store


async def _answer_for_failure(error: Exception) -> BoltResponse | None:
    """A failure while bolt handles a verified request: 5xx only when storing failed (Slack
    retries); anything else means a payload whose shape no Slack request has (bolt's own
    matchers and our parsers trip on it), answered 400. Logged by type, never by content."""
    if isinstance(error, NotStored):
        failure(log, "slack request not stored", error.__cause__ or error)
        return None
    log.warning("slack request malformed error=%s at=%s", type(error).__name__, where(error))
    return BoltResponse(status=400, body="malformed request")


Endpoint = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Slack's own payloads stay far below this; anything bigger is not Slack.
MAX_BODY = 1024 * 1024


def _events_endpoint(bolt: AsyncApp, settings: Settings) -> Endpoint:
    verifier = SignatureVerifier(settings.slack_signing_secret or "")

    async def events(request: web.Request) -> web.StreamResponse:
        # Verify, then parse: without both signature headers the body is never read,
        # and a body is interpreted only once its signature holds.
        headers = dict(request.headers)
        stamp = headers.get("X-Slack-Request-Timestamp", "")
        signature = headers.get("X-Slack-Signature", "")
        # hmac.compare_digest raises on a non-ASCII string: such a signature is no signature.
        if not (signature and signature.isascii() and stamp.isascii() and stamp.isdigit()):
            return web.Response(status=401, text="invalid signature")
        if (request.content_length or 0) > MAX_BODY:
            return web.Response(status=413, text="too large")
        raw = await request.read()
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            body = None
        if body is None or not verifier.is_valid_request(body, headers):
            return web.Response(status=401, text="invalid signature")
        try:
            parsed: object = parse_body(body, request.content_type)
        except (ValueError, RecursionError):
            parsed = None
        if not isinstance(parsed, dict):
            return web.Response(status=400, text="malformed body")
        try:
            # Bolt reads ids from the body as it builds the request, and its matchers (and
            # its error handler) index the body as Slack shapes it: a field of the wrong
            # type raises there. Such a body was never Slack's: refused, not a 5xx.
            bolt_request = AsyncBoltRequest(body=body, query=request.query_string, headers=headers)
            response = await bolt.async_dispatch(bolt_request)
        except Exception as exc:
            log.warning("slack request malformed error=%s at=%s", type(exc).__name__, where(exc))
            return web.Response(status=400, text="malformed body")
        return await to_aiohttp_response(response)

    return events
