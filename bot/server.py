"""The one web server: ``GET /healthz`` and every chat platform's endpoint.

Slack joins as a slack-bolt ``AsyncApp`` at ``POST /slack/events`` (or over
Socket Mode); Teams' Bot Framework adapter joins the same ``web.Application``
at its own route later, through the same kind of mount (see :func:`build`).
Requests are acknowledged first; the turns they start run as tracked
background work that is awaited on shutdown, so none is lost silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.request.internals import parse_body
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack import SlackChannel
from bot.config import Settings
from bot.contract import Channel, DeliveryError, InboundMessage, OutboundReply, ReplyAddress
from bot.outbox import Route as OutboxRoute
from bot.ports import Delivery, Recipient

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

SLACK = "slack"
SLACK_EVENTS_PATH = "/slack/events"
# Direct replies get a few quick tries; the outbox keeps what must survive longer.
REPLY_ATTEMPTS = 4
DRAIN_SECONDS = 20.0


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


class BackgroundWork:
    """Tasks started after an ack: kept until done, failures logged, awaited on shutdown."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        self._idle.clear()
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not self._tasks:
            self._idle.set()
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error(
                "background work failed task=%s error=%s",
                task.get_name(),
                type(error).__name__,
                exc_info=error,
            )

    async def idle(self) -> None:
        """Wait until no work is running (tests and benchmarks wait on this)."""
        await self._idle.wait()

    async def drain(self, within: float = DRAIN_SECONDS) -> None:
        """Let running work finish; cancel what is still running after ``within`` seconds."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=within)
        for task in pending:
            task.cancel()
        if pending:
            log.error("shutdown cancelled unfinished work count=%d", len(pending))
            await asyncio.wait(pending)


Keep = Callable[[Sequence[OutboundReply]], Awaitable[None]]


async def deliver(
    channel: Channel, message: InboundMessage, replies: Sequence[OutboundReply], keep: Keep
) -> None:
    """Send a turn's replies one by one, retrying transient failures a few times.

    One reply at a time, so a retry never repeats a reply that already arrived.
    What still cannot be sent is kept in the outbox, which retries it later (and
    reports it to the agents if it never gets through): never dropped.
    """
    for index, reply in enumerate(replies):
        for attempt in range(1, REPLY_ATTEMPTS + 1):
            try:
                await channel.send(message.address, (reply,))
                break
            except Exception as exc:
                # Anything unexpected from the adapter is kept for the outbox too.
                transient = isinstance(exc, DeliveryError) and not exc.permanent
                if not transient or attempt == REPLY_ATTEMPTS:
                    log.warning(
                        "reply kept for later channel=%s error=%s",
                        message.channel,
                        type(exc).__name__,
                    )
                    await keep(replies[index:])
                    return
                assert isinstance(exc, DeliveryError)
                await asyncio.sleep(exc.retry_after or 0.5 * 2**attempt)


def agent_desks(settings: Settings) -> tuple[ReplyAddress, ...]:
    """The shared agent surfaces this server draws cases on (for ``App.start``)."""
    if slack_mode(settings) is SlackMode.OFF or not settings.slack_agent_channel:
        return ()
    return (ReplyAddress.of(SLACK, {"channel": settings.slack_agent_channel}),)


@dataclass(frozen=True, slots=True)
class Served:
    """What the server runs; kept on the web application for startup, shutdown and tests."""

    app: App
    work: BackgroundWork
    slack: SlackChannel | None
    slack_mode: SlackMode
    bolt: AsyncApp | None
    stop: asyncio.Event


SERVED = web.AppKey("served", Served)


def build(app: App) -> web.Application:
    """The web application with health, Slack (when configured) and room for Teams.

    While it runs it also delivers the outbox for the channels it serves and
    alerts agents before targets pass.
    """
    web_app = web.Application()
    work = BackgroundWork()
    mode = slack_mode(app.settings)
    slack, bolt = _mount_slack(web_app, app, work, mode)
    routes: dict[str, OutboxRoute] = {}
    if slack is not None:
        routes[SLACK] = OutboxRoute(channel=slack)
    # Teams joins here: `_mount_teams(web_app, app, work)` adds POST /api/messages and
    # its channel to `routes`.
    stop = asyncio.Event()
    web_app[SERVED] = Served(app=app, work=work, slack=slack, slack_mode=mode, bolt=bolt, stop=stop)
    web_app.router.add_get("/healthz", _healthz)

    async def deliver_and_alert(_: web.Application) -> AsyncIterator[None]:
        loops = [
            asyncio.create_task(app.alerts.run(stop), name="due-alerts"),
            asyncio.create_task(app.housekeeping(stop), name="housekeeping"),
        ]
        if routes:
            dispatcher = app.dispatcher(routes)
            loops.append(asyncio.create_task(dispatcher.run(stop), name="outbox"))
        yield
        stop.set()
        await work.drain()
        await asyncio.gather(*loops)

    web_app.cleanup_ctx.append(deliver_and_alert)
    return web_app


def _mount_slack(
    web_app: web.Application, app: App, work: BackgroundWork, mode: SlackMode
) -> tuple[SlackChannel | None, AsyncApp | None]:
    settings = app.settings
    if mode is SlackMode.OFF:
        log.warning(
            "slack off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (and SLACK_APP_TOKEN "
            "for Socket Mode) to serve Slack"
        )
        return None, None
    client = slack_client(settings)
    bolt = AsyncApp(
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        # The listeners only ack and hand over to `work`; waiting for them costs nothing,
        # and bolt then starts no untracked tasks of its own.
        process_before_response=True,
        logger=logging.getLogger("slack_bolt"),
    )
    channel = SlackChannel(
        client,
        team_id=settings.slack_team_id,
        agent_channel=settings.slack_agent_channel,
        texts=app.texts,
        agent_lang=settings.agent_language,
        clock=app.clock,
    )

    async def inbox(message: InboundMessage) -> None:
        replies = await app.engine.handle(message)

        async def keep(unsent: Sequence[OutboundReply]) -> None:
            delivery = Delivery(
                address=message.address, recipient=Recipient.CUSTOMER, replies=tuple(unsent)
            )
            await app.storage.deliver_now([delivery], at=app.clock())
            app.wake()

        if replies:
            await deliver(channel, message, replies, keep)

    async def claim(message_id: str) -> bool:
        return await app.storage.claim(SLACK, message_id, at=app.clock())

    channel.attach(bolt, inbox=inbox, spawn=work.spawn, desk=app.desk, claim=claim)
    if mode is SlackMode.SOCKET:
        socket = AsyncSocketModeHandler(bolt, settings.slack_app_token, web_client=client)
        web_app.on_startup.append(lambda _: socket.connect_async())
        web_app.on_shutdown.append(lambda _: socket.close_async())
    else:
        web_app.router.add_post(SLACK_EVENTS_PATH, _events_endpoint(bolt, settings))
    log.info("slack on: mode=%s", mode.value)
    return channel, bolt


def _events_endpoint(bolt: AsyncApp, settings: Settings) -> Any:
    verifier = SignatureVerifier(settings.slack_signing_secret or "")

    async def events(request: web.Request) -> web.StreamResponse:
        body = await request.text()
        headers = dict(request.headers)
        try:
            parsed: object = parse_body(body, request.content_type)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            # Bolt would crash parsing this before it verifies anything; answer as it
            # would have: 401 for a forgery, and only then 400 for a broken body.
            if not verifier.is_valid_request(body, headers):
                return web.Response(status=401, text="invalid signature")
            return web.Response(status=400, text="malformed body")
        bolt_request = AsyncBoltRequest(body=body, query=request.query_string, headers=headers)
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    return events


async def _healthz(request: web.Request) -> web.Response:
    served = request.app[SERVED]
    status = {"server": "up", "slack": served.slack_mode.value}
    try:
        async with asyncio.timeout(3):
            await served.app.database.ping()
    except Exception as exc:  # the answer *is* the report: any failure means "not ready"
        return web.json_response(
            {**status, "status": "unavailable", "reason": f"database: {type(exc).__name__}"},
            status=503,
        )
    return web.json_response({**status, "status": "ok", "database": "up"})
