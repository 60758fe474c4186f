"""A local fake of Microsoft's side of Teams: the OpenID metadata and keys, the token
endpoint and the Bot Connector at the activities' ``serviceUrl``.

:class:`FakeTeams` is a real aiohttp server on 127.0.0.1 (random port). It signs
tokens with an RSA key generated per run (as Bot Framework signs what it posts
to a bot), issues the bot's own tokens (client credentials), records every
``POST/PUT/DELETE v3/conversations/...`` the bot makes and answers member
look-ups and a channel's member list (``GET …/pagedmembers``: 403
BotNotInConversationRoster for a team the bot is not installed in, 404 for no such
channel). It can fail on demand (429 with Retry-After, 413, 502 …).
The activity builders below produce what Teams posts to ``/api/messages``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa

APP_ID = "00000000-0000-4000-8000-0000000000b0"
TENANT = "11111111-1111-4111-8111-111111111111"
OTHER_TENANT = "22222222-2222-4222-8222-222222222222"
BOT_ID = f"28:{APP_ID}"
ISSUER = "https://api.botframework.com"


@dataclass(frozen=True)
class Call:
    """One connector request: method, conversation, activity id (PUT) and the body."""

    method: str
    conversation: str
    activity_id: str | None
    body: Mapping[str, Any]
    answer_id: str = ""
    targeted: bool = False  # ?isTargetedActivity=true: only body["recipient"] sees it

    @property
    def text(self) -> str:
        return str(self.body.get("text") or "")

    @property
    def card(self) -> dict[str, Any] | None:
        for item in self.body.get("attachments") or []:
            if item.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return dict(item["content"])
        return None

    def actions(self) -> list[dict[str, Any]]:
        return list((self.card or {}).get("actions") or [])

    def all_text(self) -> str:
        """The message text and every TextBlock of its card."""
        blocks = [b.get("text", "") for b in (self.card or {}).get("body", [])]
        facts = [f"{f['title']}: {f['value']}" for b in (self.card or {}).get("body", [])
                 for f in b.get("facts", [])]  # fmt: skip
        return "\n".join([self.text, *blocks, *facts])


@dataclass
class FakeTeams:
    """Microsoft's endpoints for one bot, in process. Use ``async with``."""

    calls: list[Call] = field(default_factory=list)
    token_requests: list[dict[str, list[str]]] = field(default_factory=list)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    member_lookups: int = 0
    roster_requests: list[str] = field(default_factory=list)
    # Channels of a team the bot is not installed in, and channel ids Teams does not know.
    outside_channels: set[str] = field(default_factory=set)
    missing_channels: set[str] = field(default_factory=set)
    key_fetches: int = 0
    failures: list[tuple[int, dict[str, str], int]] = field(default_factory=list)
    _server: TestServer | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _changed: asyncio.Condition | None = None

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "key-1"
        self.published: dict[str, Any] = {self.kid: self.key.public_key()}
        self.endorsements: dict[str, list[str]] = {self.kid: ["msteams"]}

    async def __aenter__(self) -> FakeTeams:
        app = web.Application()
        app.router.add_get("/openid", self._metadata)
        app.router.add_get("/keys", self._keys)
        app.router.add_post("/token", self._token)
        app.router.add_route("*", "/teams/v3/conversations/{rest:.*}", self._connector)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        self._changed = asyncio.Condition()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        await self._server.close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("")).rstrip("/")

    @property
    def service_url(self) -> str:
        return f"{self.base_url}/teams/"

    # --- signing, as Bot Framework signs what it posts ------------------------

    def rotate(self, kid: str, *, endorsed: tuple[str, ...] = ("msteams",)) -> None:
        """A new signing key, published under ``kid`` (the old one stays published),
        endorsed for ``endorsed`` channels."""
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = kid
        self.published[kid] = self.key.public_key()
        self.endorsements[kid] = list(endorsed)

    def token(self, *, service_url: str | None = None, audience: str = APP_ID,
              issuer: str = ISSUER, lifetime: int = 3600, key: Any = None,
              kid: str | None = None, **extra: Any) -> str:  # fmt: skip
        now = int(time.time())
        claims = {"iss": issuer, "aud": audience, "nbf": now - 10, "exp": now + lifetime,
                  "iat": now - 10, "serviceurl": service_url or self.service_url,
                  "appid": "d6d49420-f39b-4df7-a1dc-d59a935871db", **extra}  # fmt: skip
        return jwt.encode(claims, key or self.key, algorithm="RS256",
                          headers={"kid": kid or self.kid})  # fmt: skip

    async def _metadata(self, _: web.Request) -> web.Response:
        return web.json_response({"issuer": ISSUER, "jwks_uri": f"{self.base_url}/keys",
                                  "id_token_signing_alg_values_supported": ["RS256"]})

    async def _keys(self, _: web.Request) -> web.Response:
        self.key_fetches += 1
        keys = []
        for kid, public in self.published.items():
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256",
                         "endorsements": self.endorsements.get(kid, [])})
        return web.json_response({"keys": keys})

    async def _token(self, request: web.Request) -> web.Response:
        form = parse_qs(await request.text())
        self.token_requests.append(form)
        if form.get("client_secret") != ["app-password"]:
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response({"token_type": "Bearer", "expires_in": 3600,
                                  "access_token": "outbound-token"})  # fmt: skip

    # --- the connector ---------------------------------------------------------

    def add_member(self, user_id: str, *, name: str, email: str) -> None:
        self.members[user_id] = {"id": user_id, "name": name, "email": email,
                                 "userPrincipalName": email, "tenantId": TENANT}  # fmt: skip

    def fail(self, status: int, *, times: int = 1, **headers: str) -> None:
        """The next ``times`` activity posts/updates answer ``status`` (with ``headers``)."""
        self.failures.append((status, headers, times))

    async def _connector(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bearer outbound-token":
            return web.json_response({"error": "unauthorized"}, status=401)
        parts = [unquote(p) for p in request.match_info["rest"].split("/")]
        conversation = parts[0]
        if len(parts) == 3 and parts[1] == "members" and request.method == "GET":
            self.member_lookups += 1
            member = self.members.get(parts[2])
            return web.json_response(member) if member else web.json_response({}, status=404)
        if len(parts) == 2 and parts[1] in ("members", "pagedmembers") and request.method == "GET":
            return self._roster(conversation, paged=parts[1] == "pagedmembers")
        if self.failures:
            status, headers, times = self.failures[0]
            self.failures[0] = (status, headers, times - 1)
            if times <= 1:
                self.failures.pop(0)
            return web.json_response({"error": {"code": str(status)}}, status=status,
                                     headers=headers)  # fmt: skip
        body = await request.json() if request.can_read_body else {}
        activity_id = parts[2] if len(parts) > 2 else None
        if request.method == "POST" and len(body.get("text") or "") > 20_000:
            return web.json_response({"error": {"code": "MessageSizeTooBig"}}, status=413)
        answer_id = activity_id or str(next(self._ids))
        targeted = request.query.get("isTargetedActivity") == "true"
        call = Call(request.method, conversation, activity_id, body, answer_id, targeted)
        self.calls.append(call)
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()
        return web.json_response({"id": answer_id})

    def _roster(self, conversation: str, *, paged: bool) -> web.Response:
        self.roster_requests.append(conversation)
        if conversation in self.missing_channels or not conversation.startswith(("19:", "a:")):
            return web.json_response({"error": {"code": "ConversationNotFound",
                                                "message": "Conversation not found."}},
                                     status=404)  # fmt: skip
        if conversation in self.outside_channels:
            return web.json_response({"error": {"code": "BotNotInConversationRoster",
                                                "message": "The bot is not part of the "
                                                "conversation roster."}}, status=403)
        members = list(self.members.values())
        return web.json_response({"members": members} if paged else members)

    def posted(self, where: Callable[[Call], bool] | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == "POST" and (where is None or where(c))]

    async def wait_for(self, method: str, *, where: Callable[[Call], bool] = lambda _: True,
                       count: int = 1, within: float = 60.0) -> list[Call]:  # fmt: skip
        assert self._changed is not None

        def found() -> list[Call]:
            return [c for c in self.calls if c.method == method and where(c)]

        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: len(found()) >= count)
        return found()


# --- what Teams posts to the bot --------------------------------------------------

_activity_ids = itertools.count(1_700_000_000_000)


def _base(kind: str, service_url: str, conversation: dict[str, Any], user: tuple[str, str],
          tenant: str, **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "type": kind, "id": str(next(_activity_ids)), "channelId": "msteams",
        "serviceUrl": service_url, "timestamp": "2026-11-24T08:00:00.000Z",
        "from": {"id": user[0], "name": user[1], "aadObjectId": "aad-" + user[0][-6:]},
        "recipient": {"id": BOT_ID, "name": "Tuki"},
        "conversation": {**conversation, "tenantId": tenant},
        "channelData": {"tenant": {"id": tenant}}, **extra,
    }  # fmt: skip


def personal(service_url: str, user: tuple[str, str], text: str, *,
             tenant: str = TENANT) -> dict[str, Any]:  # fmt: skip
    conversation = {"id": f"a:personal-{user[0].split(':')[-1]}", "conversationType": "personal"}
    return _base("message", service_url, conversation, user, tenant, text=text,
                 textFormat="plain", locale="fi-FI")  # fmt: skip


def channel_post(service_url: str, user: tuple[str, str], text: str, *, channel: str,
                 root: str | None = None, mention: bool = True,
                 tenant: str = TENANT) -> dict[str, Any]:  # fmt: skip
    """A post in a team channel (a new thread, or a reply in ``root``'s thread)."""
    activity_id = str(next(_activity_ids))
    conversation = {"id": f"{channel};messageid={root or activity_id}",
                    "conversationType": "channel", "isGroup": True}
    entities = []
    if mention:
        text = f"<at>Tuki</at> {text}"
        entities = [{"type": "mention", "text": "<at>Tuki</at>",
                     "mentioned": {"id": BOT_ID, "name": "Tuki"}}]
    activity = _base("message", service_url, conversation, user, tenant, text=text,
                     textFormat="plain", entities=entities)  # fmt: skip
    activity["id"] = activity_id
    if root:
        activity["replyToId"] = root
    activity["channelData"] = {"tenant": {"id": tenant}, "channel": {"id": channel},
                               "team": {"id": "19:team@thread.tacv2"}}  # fmt: skip
    return activity


def execute(service_url: str, user: tuple[str, str], call: Call, action: dict[str, Any], *,
            conversation: dict[str, Any] | None = None,
            tenant: str = TENANT) -> dict[str, Any]:  # fmt: skip
    """A click on an Action.Execute button: the ``adaptiveCard/action`` invoke."""
    conv = conversation or {"id": call.conversation,
                            "conversationType": "channel" if "@thread" in call.conversation
                            else "personal"}  # fmt: skip
    value = {"action": {"type": "Action.Execute", "verb": action["verb"], "data": action["data"]},
             "trigger": "manual"}  # fmt: skip
    activity = _base("invoke", service_url, conv, user, tenant, name="adaptiveCard/action",
                     value=value, replyToId=call.answer_id)  # fmt: skip
    if "@thread" in conv["id"]:
        activity["channelData"]["channel"] = {"id": conv["id"].split(";")[0]}
    return activity


def dialog(service_url: str, user: tuple[str, str], name: str, card_call: Call,
           data: dict[str, Any], *, tenant: str = TENANT) -> dict[str, Any]:  # fmt: skip
    """``task/fetch`` (open a dialog from a card's button) or ``task/submit`` (save it)."""
    conv = {"id": f"{card_call.conversation};messageid={card_call.answer_id}",
            "conversationType": "channel"}
    activity = _base("invoke", service_url, conv, user, tenant, name=name,
                     value={"data": data, "context": {"theme": "default"}},
                     replyToId=card_call.answer_id)  # fmt: skip
    activity["channelData"]["channel"] = {"id": card_call.conversation}
    return activity
