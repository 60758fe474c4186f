"""The Agents SDK's aiohttp hosting on the request path, after the bot's own token check.

As Slack's mount hands a verified request to bolt, the Teams mount hands a
verified request to the SDK's ``CloudAdapter``: it parses the activity, runs the
turn pipeline and writes the HTTP answer (202 for a message, the invoke
response for a card click or a dialog). The turn itself only stores what
arrived (:class:`~bot.channels.teams.inbound.Inbound`); nothing is sent from the
request, so the connector clients the adapter builds for each activity get no
token (fetching one would put Microsoft's token endpoint on the acknowledgement
path). A turn that fails, storing included, is not answered with a message to the
user (the SDK's default): the request fails and Teams delivers it again.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from microsoft_agents.activity import Activity, InvokeResponse
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from microsoft_agents.hosting.core.channel_service_client_factory_base import (
    ChannelServiceClientFactoryBase,
)
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from bot.channels.teams.auth import Claims
from bot.channels.teams.inbound import Inbound

# A claim of the bot's own: the channels the token's signing key is endorsed for.
ENDORSED = "supportbot:endorsements"
TOKEN_SERVICE = "https://api.botframework.com"


def identity_of(claims: Claims) -> ClaimsIdentity:
    """A verified token as the SDK's claims identity."""
    raw = dict(claims.raw)
    if claims.endorsements is not None:
        raw[ENDORSED] = sorted(claims.endorsements)
    return ClaimsIdentity(raw, authentication_type="Bearer")


class _NoOutbound(ChannelServiceClientFactoryBase):
    """Clients without tokens: replies leave through the outbox, never from the request."""

    async def create_connector_client(
        self, context: Any, claims_identity: Any, service_url: str, audience: str,
        scopes: Any = None, use_anonymous: bool = False,
    ) -> TeamsConnectorClient:  # fmt: skip
        # The adapter builds this before the turn runs: the activity's service URL must be
        # the token's before anything is made for it (the adapter answers 401).
        claimed = str(claims_identity.get_claim_value("serviceurl") or "")
        if not _same_service(claimed, service_url):
            raise PermissionError("serviceurl")
        return TeamsConnectorClient(endpoint=service_url, token="")

    async def create_user_token_client(
        self, context: Any, claims_identity: Any, use_anonymous: bool = False
    ) -> UserTokenClient:
        return UserTokenClient(TOKEN_SERVICE, "")


class Receiver:
    """The SDK's agent for ``/api/messages``: checks the activity against its token, stores
    it, and answers an invoke with what :class:`Inbound` returns."""

    def __init__(self, inbound: Inbound) -> None:
        self._inbound = inbound

    async def on_turn(self, context: TurnContext) -> None:
        activity, identity = context.activity, context.identity
        claimed = str(identity.get_claim_value("serviceurl") or "")
        if not _same_service(claimed, activity.service_url):
            raise PermissionError("serviceurl")  # the adapter answers 401
        endorsed = identity.get_claim_value(ENDORSED)
        if endorsed is not None and str(activity.channel_id or "") not in endorsed:
            raise PermissionError("endorsement")
        answer = await self._inbound.handle(activity)
        if activity.type == "invoke":
            response = InvokeResponse(status=200, body=answer)
            await context.send_activity(Activity(type="invokeResponse", value=response))


class _Verified:
    """The request as the SDK's ``HttpRequestProtocol`` reads it, with the identity the bot
    verified (the SDK's own aiohttp adapter reads it from a plain request key)."""

    def __init__(self, request: web.Request, identity: ClaimsIdentity) -> None:
        self._request = request
        self._identity = identity

    @property
    def method(self) -> str:
        return self._request.method

    @property
    def headers(self) -> Any:
        return self._request.headers

    async def json(self) -> Any:
        return await self._request.json()

    def get_claims_identity(self) -> ClaimsIdentity:
        return self._identity

    def get_path_param(self, name: str) -> str:
        return self._request.match_info[name]


class Hosted(CloudAdapter):
    """``CloudAdapter`` taking the identity from the bot's own check (not a request key)."""

    async def process_verified(
        self, request: web.Request, identity: ClaimsIdentity, agent: Receiver
    ) -> web.Response:
        answer = await self.process_request(_Verified(request, identity), agent)
        return self._to_aiohttp_response(answer)


def adapter() -> Hosted:
    hosted = Hosted(channel_service_client_factory=_NoOutbound())
    hosted.on_turn_error = None  # fail the request (Teams retries); never message the user
    return hosted


def _same_service(claimed: str, given: str | None) -> bool:
    return bool(given) and claimed.rstrip("/").casefold() == str(given).rstrip("/").casefold()
