"""Teams on the server: ``POST /api/messages``, verified, stored, acknowledged at once.

Verify, then parse: the bearer token is checked (:mod:`bot.channels.teams.auth`)
before the body is read; a request without a valid token gets 401 and changes
nothing. The SDK's ``CloudAdapter`` then parses the activity and runs the turn
(:mod:`bot.channels.teams.hosting`), which checks it against the token's ``serviceurl``,
tenants outside ``TEAMS_ALLOWED_TENANTS`` are answered and ignored, and what is
left is stored in the inbox before Teams hears that it arrived. The turn runs
later in an inbox worker; replies go out through the outbox to the stored
conversation reference. A retried activity has the same id, so the inbox keeps
it once, in any process.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from aiohttp import web
from pydantic import ValidationError

from bot.channels.base import Host
from bot.channels.teams.activities import NAME
from bot.channels.teams.auth import InboundAuth, OutboundTokens, Unauthorized, token_url
from bot.channels.teams.channel import TeamsChannel
from bot.channels.teams.connector import Connector
from bot.channels.teams.hosting import Hosted, Receiver, adapter, identity_of
from bot.channels.teams.inbound import Inbound
from bot.core.contract import ReplyAddress
from bot.core.settings import Settings

log = logging.getLogger(__name__)

TEAMS_PATH = "/api/messages"
MAX_BODY = 1024 * 1024


def teams_on(settings: Settings) -> bool:
    return bool(settings.teams_app_id and settings.teams_app_password and settings.teams_tenant_id)


def allowed_tenants(settings: Settings) -> frozenset[str]:
    named = {t.strip().lower() for t in settings.teams_allowed_tenants.split(",") if t.strip()}
    return frozenset(named or {(settings.teams_tenant_id or "").lower()})


def agent_desk(settings: Settings) -> ReplyAddress | None:
    """The Teams agents' channel as a shared agent surface, when configured."""
    if not teams_on(settings) or not settings.teams_agent_channel:
        return None
    return ReplyAddress.of(NAME, {"serviceUrl": settings.teams_service_url,
                                  "conversation": settings.teams_agent_channel})  # fmt: skip


class TeamsMount:
    """Teams joining the server (see :class:`bot.channels.base.Mount`)."""

    name = NAME

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._channel: TeamsChannel | None = None
        self.auth: InboundAuth | None = None
        self.inbound: Inbound | None = None
        self.adapter: Hosted | None = None
        self.receiver: Receiver | None = None

    @property
    def channel(self) -> TeamsChannel:
        assert self._channel is not None, "mount() first"
        return self._channel

    def status(self) -> str:
        return "http"

    def mount(self, web_app: web.Application, host: Host) -> None:
        settings = self._settings
        # One session for tokens and keys, opened lazily on the server's loop.
        session = _LazySession()
        self.auth = InboundAuth(
            app_id=settings.teams_app_id or "", metadata_url=settings.teams_openid_metadata_url,
            session=session,  # type: ignore[arg-type]
        )  # fmt: skip
        tokens = OutboundTokens(
            app_id=settings.teams_app_id or "", password=settings.teams_app_password or "",
            token_url=token_url(settings.teams_token_url, settings.teams_tenant_id),
            session=session,  # type: ignore[arg-type]
        )  # fmt: skip
        self._channel = TeamsChannel(Connector(tokens))
        self.inbound = Inbound(self._channel, host, allowed=allowed_tenants(settings))
        self.adapter = adapter()
        self.receiver = Receiver(self.inbound)
        web_app.router.add_post(TEAMS_PATH, self._endpoint)
        web_app.on_cleanup.append(lambda _: session.close())
        log.info("teams on: agents_channel=%s", "yes" if settings.teams_agent_channel else "no")

    async def _endpoint(self, request: web.Request) -> web.StreamResponse:
        assert self.auth is not None and self.adapter is not None and self.receiver is not None
        try:
            claims = await self.auth.verify(request.headers.get("Authorization"))
        except Unauthorized as refusal:
            log.info("teams request refused reason=%s", refusal)
            return web.json_response({"error": "unauthorized"}, status=401)
        if (request.content_length or 0) > MAX_BODY:
            return web.Response(status=413, text="too large")
        # Verified: now the SDK parses the activity and runs the (storing) turn.
        try:
            answer = await self.adapter.process_verified(
                request, identity_of(claims), self.receiver
            )
        except (ValidationError, RecursionError):
            return web.Response(status=400, text="malformed activity")
        if answer is not None and answer.status == 401:
            log.info("teams request refused reason=activity does not match its token")
        return answer or web.Response(status=200)


class _LazySession:
    """An aiohttp session made on first use (on the running loop), closed on cleanup."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def _get(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._get().get(*args, **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> Any:
        return self._get().post(*args, **kwargs)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def teams_mount(settings: Settings) -> TeamsMount | None:
    """Teams' mount when configured; says in one log line when it is not."""
    if not teams_on(settings):
        log.warning(
            "teams off: set TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID to serve Teams"
        )
        return None
    return TeamsMount(settings)
