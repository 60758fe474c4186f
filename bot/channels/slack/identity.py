"""Slack Web API failures as delivery errors, and who a Slack user is (users.info)."""

from __future__ import annotations

import logging
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.contract import DeliveryError, Sender

log = logging.getLogger(__name__)

# Errors that retrying cannot fix; anything else from the API is worth another try later.
_TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def delivery_error(exc: BaseException) -> DeliveryError:
    """A Web API failure of any shape as a delivery error saying whether a later retry
    can help: 429 and 5xx and connection trouble are transient, other API errors are not."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = int(getattr(response, "status_code", 0) or 0)
        data = getattr(response, "data", None)
        error = str(data.get("error") if isinstance(data, dict) else "") or f"http_{status}"
        headers = {str(k).lower(): v for k, v in (getattr(response, "headers", None) or {}).items()}
        retry = headers.get("retry-after")
        retry = retry[0] if isinstance(retry, list) and retry else retry
        transient = status == 429 or status >= 500 or error in _TRANSIENT_ERRORS
        return DeliveryError(
            f"slack: {error}", permanent=not transient, retry_after=_seconds(retry)
        )
    return DeliveryError(f"slack: {type(exc).__name__}", permanent=False)


def _seconds(raw: object) -> float | None:
    try:
        value = float(str(raw))
    except (TypeError, ValueError):
        return None
    return value if 0 <= value <= 3600 else None


class Identities:
    """users.info answers by user id, kept in memory only and only for a while."""

    def __init__(self, client: AsyncWebClient, ttl: float) -> None:
        self._client = client
        self._ttl = ttl
        self._known: dict[str, tuple[float, Sender]] = {}

    async def sender(self, user_id: str) -> Sender:
        known = self._known.get(user_id)
        if known and known[0] > time.monotonic():
            return known[1]
        try:
            answer = await self._client.users_info(user=user_id)
            user = answer.get("user") or {}
            profile = user.get("profile") or {}
            if not isinstance(user, dict) or not isinstance(profile, dict):
                raise TypeError("users.info answered something that is not a user")
        except Exception as exc:
            # Any failure shape (an API error, an HTML page from a proxy, a timeout):
            # without an email the turn still gets answers; entitlement asks again later.
            log.warning("slack users.info failed error=%s", delivery_error(exc))
            return Sender(id=user_id)
        sender = Sender(
            id=user_id,
            name=user.get("real_name") or profile.get("real_name") or None,
            email=profile.get("email") or None,
            is_bot=bool(user.get("is_bot")),
        )
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[user_id] = (time.monotonic() + self._ttl, sender)
        return sender


