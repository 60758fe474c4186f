"""The Bot Connector through the SDK's ``TeamsConnectorClient``, with failures mapped to
the outbox's retry policy.

429 waits for ``Retry-After``; 412 (a concurrent update), 5xx and dropped
connections are retried with the outbox's backoff; 413 is the caller's cue to
split and resend (:class:`TooLarge`); 400/403/404 are permanent and reported to
the agents; 401 drops the cached token and is retried once the token is new.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import aiohttp
from microsoft_agents.activity import Activity
from microsoft_agents.activity.teams import TeamsChannelAccount
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from bot.channels.teams.auth import OutboundTokens, TokenError
from bot.core.contract import DeliveryError

log = logging.getLogger(__name__)

T = TypeVar("T")
PERMANENT = frozenset({400, 403, 404, 405})
MAX_RETRY_AFTER = 600.0


class TooLarge(DeliveryError):
    """413: the activity is over Teams' size limit; split it and send the parts."""

    def __init__(self) -> None:
        super().__init__("teams: http_413 too large", permanent=True)


def retry_after(headers: object) -> float | None:
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    if not value:
        return None
    if str(value).strip().isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        return max(0.0, (parsedate_to_datetime(str(value)) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def delivery_error(exc: BaseException, tokens: OutboundTokens | None = None) -> DeliveryError:
    """A connector or token failure as the outbox understands it."""
    if isinstance(exc, aiohttp.ClientResponseError):
        status = exc.status
        if status == 413:
            return TooLarge()
        if status == 429:
            return DeliveryError("teams: http_429", retry_after=retry_after(exc.headers or {}))
        if status == 401 and tokens is not None:
            tokens.forget()
            return DeliveryError("teams: http_401 token refused")
        return DeliveryError(f"teams: http_{status}", permanent=status in PERMANENT)
    if isinstance(exc, TokenError):
        return DeliveryError(f"teams: token http_{exc.status}")
    return DeliveryError(f"teams: {type(exc).__name__}")


class Connector:
    """Connector calls for one bot: a client per service URL, each call mapped on failure."""

    def __init__(self, tokens: OutboundTokens) -> None:
        self._tokens = tokens

    @asynccontextmanager
    async def client(self, service_url: str) -> AsyncIterator[TeamsConnectorClient]:
        if not service_url.startswith(("https://", "http://")):
            raise DeliveryError("teams: address without a service URL", permanent=True)
        try:
            token = await self._tokens.token()
        except (TokenError, aiohttp.ClientError, TimeoutError) as exc:
            raise delivery_error(exc) from exc
        client = TeamsConnectorClient(endpoint=service_url, token=token)
        try:
            yield client
        finally:
            await client.close()

    async def call(self, service_url: str, what: Callable[[TeamsConnectorClient], Awaitable[T]],
                   name: str) -> T:  # fmt: skip
        async with self.client(service_url) as client:
            try:
                return await what(client)
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = delivery_error(exc, self._tokens)
                log.warning("teams call failed call=%s error=%s permanent=%s",
                            name, error, error.permanent)  # fmt: skip
                raise error from exc

    async def send(self, service_url: str, conversation: str, activity: Activity) -> str:
        """Post an activity to a conversation (a chat, a channel, a thread); its id."""
        sent = await self.call(
            service_url, lambda c: c.conversations.send_to_conversation(conversation, activity),
            "send",
        )  # fmt: skip
        return str(sent.id or "")

    async def update(
        self, service_url: str, conversation: str, activity_id: str, activity: Activity
    ) -> None:
        """Replace a message the bot posted (a case card that changed)."""
        activity.id = activity_id
        await self.call(
            service_url,
            lambda c: c.conversations.update_activity(conversation, activity_id, activity),
            "update",
        )

    async def member(self, service_url: str, conversation: str, user: str) -> TeamsChannelAccount:
        """The SDK's member lookup (name, email, user principal name) in a conversation."""
        return await self.call(
            service_url, lambda c: c.get_conversation_member(conversation, user), "member"
        )
