"""Tokens: Bot Framework's inbound JWTs checked, and the bot's own outbound token.

Inbound (Bot Framework's "authenticate requests from the service"): the bearer
token's signature must verify with a key from the OpenID metadata's ``jwks_uri``,
its issuer must be the metadata's, its audience the bot's app id, it must be
within its validity period (five minutes of clock skew), and its ``serviceurl``
claim must match the activity's, and a key endorsed for named channels only signs
those channels' activities (both checked by the mount once the body is read).
Keys are fetched with aiohttp, cached, and refetched when a token names an
unknown key id, at most once a minute, with one fetch in flight: the event loop
never blocks on the network. (The SDK's own validator cannot be pointed at
another metadata document and does not check ``serviceurl``; it also reads the
keys with a blocking client in a thread.)

Outbound: the client-credentials grant against ``TEAMS_TOKEN_URL`` for the Bot
Framework scope, cached until shortly before it expires.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
from jwt import PyJWK

log = logging.getLogger(__name__)

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
LEEWAY_SECONDS = 300
REFRESH_AFTER = 24 * 3600.0  # Bot Framework rotates keys; a day's cache is the guidance
MIN_REFETCH = 60.0  # an unknown key id refetches at most this often
TIMEOUT = aiohttp.ClientTimeout(total=10)


class Unauthorized(Exception):
    """The request's token does not check out (the reason is for the logs only)."""


@dataclass(frozen=True, slots=True)
class Claims:
    """What a verified token says: the service it came from and who sent it."""

    app_id: str
    service_url: str
    raw: Mapping[str, Any]
    # The channels the signing key is endorsed for (Bot Framework publishes them with each
    # key); None when the key names none.
    endorsements: frozenset[str] | None = None


class InboundAuth:
    """Checks Bot Framework's bearer tokens against keys from the OpenID metadata."""

    def __init__(self, *, app_id: str, metadata_url: str, session: aiohttp.ClientSession) -> None:
        self._app_id = app_id
        self._metadata_url = metadata_url
        self._session = session
        self._keys: dict[str, PyJWK] = {}
        self._endorsed: dict[str, frozenset[str]] = {}
        self._issuer: str | None = None
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()
        # Unknown key ids refetch the keys at most this often (a flood of made-up key ids
        # costs one fetch a minute, not one per request).
        self.min_refetch = MIN_REFETCH

    async def verify(self, authorization: str | None) -> Claims:
        """The claims of a valid ``Authorization: Bearer …`` header; else :class:`Unauthorized`."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or " " in token:
            raise Unauthorized("no bearer token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("malformed token") from exc
        kid = header.get("kid")
        if header.get("alg") != "RS256" or not isinstance(kid, str):
            raise Unauthorized("unexpected algorithm or key id")
        key = await self._key(kid)
        try:
            claims = jwt.decode(
                token, key=key, algorithms=["RS256"], audience=self._app_id,
                issuer=self._issuer or BOT_FRAMEWORK_ISSUER, leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "nbf", "iss", "aud"]},
            )  # fmt: skip
        except jwt.PyJWTError as exc:
            raise Unauthorized(type(exc).__name__) from exc
        service_url = claims.get("serviceurl") or claims.get("serviceUrl")
        if not isinstance(service_url, str) or not service_url:
            raise Unauthorized("no serviceurl claim")
        app = claims.get("appid") or claims.get("azp") or ""
        return Claims(app_id=str(app), service_url=service_url, raw=claims,
                      endorsements=self._endorsed.get(kid))  # fmt: skip

    async def _key(self, kid: str) -> PyJWK:
        if kid in self._keys and time.monotonic() - self._fetched_at < REFRESH_AFTER:
            return self._keys[kid]
        async with self._lock:  # one fetch at a time; waiters then find the fresh keys
            stale = time.monotonic() - self._fetched_at >= REFRESH_AFTER
            quiet = time.monotonic() - self._fetched_at >= self.min_refetch
            if stale or (kid not in self._keys and quiet):
                await self._fetch()
        if kid not in self._keys:
            raise Unauthorized("unknown signing key")
        return self._keys[kid]

    async def _fetch(self) -> None:
        try:
            metadata = await self._json(self._metadata_url)
            jwks_uri, issuer = metadata.get("jwks_uri"), metadata.get("issuer")
            if not isinstance(jwks_uri, str):
                raise Unauthorized("metadata without jwks_uri")
            keys = await self._json(jwks_uri)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("teams signing keys unavailable error=%s", type(exc).__name__)
            raise Unauthorized("signing keys unavailable") from exc
        found: dict[str, PyJWK] = {}
        endorsed: dict[str, frozenset[str]] = {}
        for entry in keys.get("keys") or []:
            try:
                jwk = PyJWK(entry)
            except jwt.PyJWTError:
                continue  # a key of a kind this bot does not use
            if jwk.key_id:
                found[jwk.key_id] = jwk
                if isinstance(entry.get("endorsements"), list):
                    endorsed[jwk.key_id] = frozenset(map(str, entry["endorsements"]))
        self._keys, self._endorsed = found, endorsed
        self._issuer = issuer if isinstance(issuer, str) else None
        self._fetched_at = time.monotonic()
        log.info("teams signing keys fetched count=%d", len(found))

    async def _json(self, url: str) -> dict[str, Any]:
        async with self._session.get(url, timeout=TIMEOUT) as response:
            response.raise_for_status()
            data = await response.json(content_type=None)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return data


class OutboundTokens:
    """The bot's access token for the connector (client credentials), cached."""

    def __init__(
        self, *, app_id: str, password: str, token_url: str, session: aiohttp.ClientSession
    ) -> None:
        self._form = {
            "grant_type": "client_credentials", "client_id": app_id,
            "client_secret": password, "scope": BOT_FRAMEWORK_SCOPE,
        }  # fmt: skip
        self._url = token_url
        self._session = session
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        """A token valid for at least five more minutes."""
        if self._token and time.monotonic() < self._expires:
            return self._token
        async with self._lock:
            if self._token and time.monotonic() < self._expires:
                return self._token
            async with self._session.post(self._url, data=self._form, timeout=TIMEOUT) as answer:
                if answer.status >= 400:
                    raise TokenError(answer.status)
                body = await answer.json(content_type=None)
            token = body.get("access_token") if isinstance(body, dict) else None
            if not isinstance(token, str) or not token:
                raise TokenError(answer.status)
            lifetime = float(body.get("expires_in") or 3600)
            self._token, self._expires = token, time.monotonic() + max(lifetime - 300, 30)
            return token

    def forget(self) -> None:
        """Drop the cached token (the connector said 401: it may have been revoked)."""
        self._token = None


class TokenError(Exception):
    """The token endpoint refused or failed (the status is for the retry policy)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"token endpoint http_{status}")
        self.status = status


def token_url(settings_url: str | None, tenant: str | None) -> str:
    """``TEAMS_TOKEN_URL``, else Microsoft's endpoint for the bot's tenant."""
    return settings_url or f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
