"""A local fake of Slack: its Web API, and the signed requests it sends to apps.

:class:`FakeSlackApi` is a real aiohttp server on 127.0.0.1 (random port). It
records every call and answers the way Slack does for the methods the bot
uses, and it can fail on demand (429 with Retry-After, 500, an API error) so
tests can check what the bot does then. Point ``SLACK_API_BASE_URL`` (the
``base_url`` of slack_sdk's clients) at :attr:`FakeSlackApi.base_url`.

The functions below build what Slack posts to ``/slack/events`` (event
envelopes, button clicks, slash commands) and sign it as Slack does.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

TEAM_ID = "T0ECONO"
BOT_USER_ID = "U0TUKIBOT"
BOT_ID = "B0TUKIBOT"


@dataclass(frozen=True)
class ApiCall:
    """One request the fake received: the method and its arguments, parsed."""

    method: str
    args: Mapping[str, Any]
    token: str | None
    answer: Mapping[str, Any] = field(default_factory=dict)

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.args.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)

    def buttons(self) -> list[dict[str, Any]]:
        return [e for b in self.blocks if b["type"] == "actions" for e in b["elements"]]

    @property
    def view(self) -> dict[str, Any]:
        """The view a views.open call carried (a modal)."""
        return dict(_json(self.args.get("view")) or {})

    @property
    def text(self) -> str:
        """All mrkdwn text in the message's blocks (or its fallback text)."""
        parts = [b["text"]["text"] for b in self.blocks if b["type"] == "section" and "text" in b]
        return "\n".join(parts) or str(self.args.get("text", ""))


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: int | None
    times: int
    channel: str | None


@dataclass
class FakeSlackApi:
    """Slack's Web API for one workspace, in process. Use ``async with``."""

    team_id: str = TEAM_ID
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID
    calls: list[ApiCall] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing_channels: set[str] = field(default_factory=set)
    # Channels that exist but the bot has not been invited to.
    outside_channels: set[str] = field(default_factory=set)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _failures: dict[str, list[_Failure]] = field(default_factory=dict)
    # A method answered by a handler of the test's own (e.g. an HTML error page).
    _overrides: dict[str, Callable[[web.Request], Awaitable[web.Response]]] = field(
        default_factory=dict
    )
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    _server: TestServer | None = None
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _envelopes: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _views: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def __aenter__(self) -> FakeSlackApi:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{id}", self._respond)
        app.router.add_get("/socket", self._socket)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for socket in self._sockets:
            await socket.close()
        if self._server is not None:
            await self._server.close()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the fake with `async with` first"
        return str(self._server.make_url("/api/"))

    def response_url(self, name: str = "1") -> str:
        assert self._server is not None
        return str(self._server.make_url(f"/respond/{name}"))

    def add_user(
        self, user_id: str, *, name: str, email: str | None, team_id: str | None = None,
        is_bot: bool = False,
    ) -> None:  # fmt: skip
        self.users[user_id] = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name.split()[0].lower(),
            "real_name": name,
            "is_bot": is_bot,
            "profile": {"real_name": name, "display_name": name.split()[0], "email": email},
        }

    def fail(
        self, method: str, *, status: int = 429, retry_after: int | None = 1, times: int = 1,
        error: str = "ratelimited", channel: str | None = None,
    ) -> None:  # fmt: skip
        """Answer the next ``times`` calls of ``method`` (to ``channel``) with this failure."""
        failure = _Failure(status, error, retry_after, times, channel)
        self._failures.setdefault(method, []).append(failure)

    def override(
        self, method: str, handler: Callable[[web.Request], Awaitable[web.Response]]
    ) -> None:
        """Answer ``method`` with ``handler`` from now on (bodies that are not Slack's)."""
        self._overrides[method] = handler

    def calls_to(
        self, method: str, where: Callable[[ApiCall], bool] | None = None
    ) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method and (where is None or where(c))]

    def posted(self, where: Callable[[ApiCall], bool] | None = None) -> list[ApiCall]:
        """Messages the fake accepted (chat.postMessage answered ok)."""
        accepted = self.calls_to("chat.postMessage", lambda c: c.answer.get("ok") is True)
        return [c for c in accepted if where is None or where(c)]

    async def wait_for(
        self,
        method: str,
        *,
        count: int = 1,
        where: Callable[[ApiCall], bool] | None = None,
        within: float = 120.0,
    ) -> list[ApiCall]:
        """Wait until ``count`` calls of ``method`` (matching ``where``) have arrived."""

        def enough() -> bool:
            return len(self.calls_to(method, where)) >= count

        try:
            async with asyncio.timeout(within), self._arrived:
                await self._arrived.wait_for(enough)
        except TimeoutError:
            seen = "\n".join(f"  {c.method} {c.args.get('channel', '')} {c.text[:70]!r}"
                             for c in self.calls[-12:])  # fmt: skip
            raise AssertionError(
                f"no {count} × {method} within {within}s; last calls:\n{seen}"
            ) from None
        return self.calls_to(method, where)

    async def _record(self, call: ApiCall) -> None:
        async with self._arrived:
            self.calls.append(call)
            self._arrived.notify_all()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(await request.post())
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") or args.get("token")
        if method in self._overrides:
            await self._record(ApiCall(method=method, args=args, token=token, answer={}))
            return await self._overrides[method](request)
        failure = self._next_failure(method, args)
        if failure is not None:
            retry_after = failure.retry_after
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            body = {"ok": False, "error": failure.error}
            await self._record(ApiCall(method=method, args=args, token=token, answer=body))
            return web.json_response(body, status=failure.status, headers=headers)
        answer = self._answer(method, args)
        await self._record(ApiCall(method=method, args=args, token=token, answer=answer))
        return web.json_response(answer)

    async def socket_send(self, payload: Mapping[str, Any], *, kind: str = "events_api") -> str:
        """Push a payload to the connected Socket Mode client; returns its envelope id."""
        envelope_id = f"env-{next(self._envelopes)}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": dict(payload),
                    "accepts_response_payload": kind != "events_api", "retry_attempt": 0,
                    "retry_reason": ""}  # fmt: skip
        await self._sockets[-1].send_json(envelope)
        return envelope_id

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: hello, then whatever tests push; acks are recorded as calls."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1,
                                "connection_info": {"app_id": "A0TUKI"}})  # fmt: skip
        await self._record(ApiCall(method="socket_connected", args={}, token=None))
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                await self._record(ApiCall("socket_ack", json.loads(message.data), None))
        return socket

    async def _respond(self, request: web.Request) -> web.Response:
        args = {**await request.json(), "_path": request.path}
        await self._record(ApiCall(method="response_url", args=args, token=None))
        return web.Response(text="ok")

    def _next_failure(self, method: str, args: Mapping[str, Any]) -> _Failure | None:
        queue = self._failures.get(method) or []
        failure = next((f for f in queue if f.channel in (None, args.get("channel"))), None)
        if failure is None:
            return None
        failure.times -= 1
        if failure.times <= 0:
            queue.remove(failure)
        return failure

    def _answer(self, method: str, args: Mapping[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel in self.missing_channels:
            return {"ok": False, "error": "channel_not_found"}
        if method == "auth.test":
            return {
                "ok": True, "url": "https://econocap.slack.com/", "team": "Econocap",
                "user": "tuki", "team_id": self.team_id, "user_id": self.bot_user_id,
                "bot_id": self.bot_id, "is_enterprise_install": False,
            }  # fmt: skip
        if method == "chat.postMessage":
            ts = self._next_ts()
            message = {"type": "message", "text": args.get("text"), "ts": ts,
                       "user": self.bot_user_id, "bot_id": self.bot_id,
                       "blocks": _json(args.get("blocks")) or []}  # fmt: skip
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
                if _true(args.get("reply_broadcast")):
                    message["subtype"] = "thread_broadcast"
            if args.get("metadata"):
                message["metadata"] = _json(args["metadata"])
            self.messages.setdefault(channel, []).append(message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.update":
            found = self.message(channel, str(args.get("ts")))
            if found is None:
                return {"ok": False, "error": "message_not_found"}
            found.update(text=args.get("text"), blocks=_json(args.get("blocks")) or [])
            return {"ok": True, "channel": channel, "ts": args.get("ts"), "text": args.get("text")}
        if method == "conversations.history":
            return self._history(channel, args)
        if method == "conversations.replies":
            parent = str(args.get("ts"))
            thread = [m for m in self.messages.get(channel, [])
                      if m["ts"] == parent or m.get("thread_ts") == parent]  # fmt: skip
            if not thread:
                return {"ok": False, "error": "thread_not_found"}
            return {"ok": True, "messages": sorted(thread, key=lambda m: float(m["ts"])),
                    "has_more": False, "response_metadata": {"next_cursor": ""}}  # fmt: skip
        if method == "chat.delete":
            found = self.message(channel, str(args.get("ts")))
            if found is None:
                return {"ok": False, "error": "message_not_found"}
            if found.get("user") != self.bot_user_id:
                return {"ok": False, "error": "cant_delete_message"}
            self.messages[channel].remove(found)
            return {"ok": True, "channel": channel, "ts": args.get("ts")}
        if method == "apps.connections.open":
            assert self._server is not None
            return {"ok": True, "url": str(self._server.make_url("/socket")).replace("http", "ws")}
        if method == "conversations.info":
            return {"ok": True, "channel": {"id": channel, "is_channel": True,
                                            "is_member": channel not in self.outside_channels}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "views.open":
            view = _json(args.get("view")) or {}
            if not args.get("trigger_id") or view.get("type") != "modal":
                return {"ok": False, "error": "invalid_arguments"}
            return {
                "ok": True,
                "view": {
                    **view,
                    "id": f"V{next(self._views):08d}",
                    "team_id": self.team_id,
                    "state": {"values": {}},
                },
            }
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "conversations.open":
            users = str(args.get("users", ""))
            return {"ok": True, "channel": {"id": "D" + users.split(",")[0].lstrip("UW")}}
        return {"ok": False, "error": "unknown_method"}

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """A message the bot posted, as it is now (after any chat.update)."""
        return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def _history(self, channel: str, args: Mapping[str, Any]) -> dict[str, Any]:
        """conversations.history: top-level messages, newest first, paged by cursor."""
        inclusive = _true(args.get("inclusive"))
        latest, oldest = args.get("latest"), args.get("oldest")
        found = []
        for message in sorted(self.messages.get(channel, []), key=lambda m: -float(m["ts"])):
            ts = float(message["ts"])
            if message.get("thread_ts") and message.get("subtype") != "thread_broadcast":
                continue
            if latest and (ts > float(latest) or (ts == float(latest) and not inclusive)):
                continue
            if oldest and (ts < float(oldest) or (ts == float(oldest) and not inclusive)):
                continue
            shown = dict(message)
            if not _true(args.get("include_all_metadata")):
                shown.pop("metadata", None)
            found.append(shown)
        start = int(args.get("cursor") or 0)
        limit = int(args.get("limit") or 100)
        page = found[start : start + limit]
        more = start + limit < len(found)
        cursor = str(start + limit) if more else ""
        return {"ok": True, "messages": page, "has_more": more,
                "response_metadata": {"next_cursor": cursor}}  # fmt: skip

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{1_790_000_000 + n}.{n:06d}"


_TRIGGERS = itertools.count(1)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _true(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


# --- What Slack sends to the app --------------------------------------------------


def sign(body: str, secret: str, *, timestamp: int | None = None) -> dict[str, str]:
    """Slack's signature headers for a request body (v0, HMAC-SHA256 over v0:ts:body)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


_event_ids = itertools.count(1)


def event_envelope(event: Mapping[str, Any], *, team: str = TEAM_ID) -> dict[str, Any]:
    """An Events API envelope as Slack posts it to the app."""
    return {
        "token": "unused-verification-token",
        "team_id": team,
        "api_app_id": "A0TUKI",
        "event": dict(event),
        "type": "event_callback",
        "event_id": f"Ev{next(_event_ids):08d}",
        "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": team, "user_id": BOT_USER_ID,
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
    }  # fmt: skip


def dm_event(user: str, text: str, *, ts: str, channel: str | None = None) -> dict[str, Any]:
    return {
        "type": "message", "user": user, "text": text, "ts": ts, "event_ts": ts,
        "channel": channel or f"D{user[1:]}", "channel_type": "im", "team": TEAM_ID,
        "client_msg_id": f"msg-{ts}",
    }  # fmt: skip


def mention_event(
    user: str, text: str, *, ts: str, channel: str, thread_ts: str | None = None
) -> dict[str, Any]:
    event = {
        "type": "app_mention", "user": user, "text": f"<@{BOT_USER_ID}> {text}", "ts": ts,
        "event_ts": ts, "channel": channel, "team": TEAM_ID, "client_msg_id": f"msg-{ts}",
    }  # fmt: skip
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def click(
    posted: ApiCall, value: str, *, user: str, team: str = TEAM_ID, action_id: str | None = None
) -> dict[str, Any]:
    """The block_actions payload of a user clicking a button on a message the bot posted."""
    button = next(b for b in posted.buttons()
                  if b["value"] == value and action_id in (None, b["action_id"]))  # fmt: skip
    channel = str(posted.args["channel"])
    message: dict[str, Any] = {
        "type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": posted.answer["ts"],
        "text": posted.args.get("text", ""), "blocks": posted.blocks,
    }  # fmt: skip
    if posted.args.get("thread_ts"):
        message["thread_ts"] = posted.args["thread_ts"]
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A0TUKI",
        "container": {"type": "message", "message_ts": posted.answer["ts"],
                      "channel_id": channel, "is_ephemeral": False},
        # Slack gives every interaction its own trigger id.
        "trigger_id": f"{next(_TRIGGERS)}.{user}.trigger",
        "team": {"id": team, "domain": "econocap"},
        "channel": {"id": channel, "name": "directmessage"},
        "message": message,
        "response_url": "https://hooks.slack.invalid/actions/1",
        "actions": [{**button, "block_id": "tuki.actions.0", "action_ts": "1.0"}],
    }  # fmt: skip


def view_submission(
    opened: ApiCall, text: str, *, user: str, team: str = TEAM_ID
) -> dict[str, Any]:
    """The view_submission payload of a user saving a modal the bot opened (views.open),
    with ``text`` typed into its one input."""
    view = dict(opened.answer["view"])
    (field,) = [b for b in view["blocks"] if b["type"] == "input"]
    typed = {"type": field["element"]["type"], "value": text}
    view["state"] = {"values": {field["block_id"]: {field["element"]["action_id"]: typed}}}
    return {
        "type": "view_submission",
        "team": {"id": team, "domain": "econocap"},
        "user": {"id": user, "username": user.lower(), "team_id": team},
        "api_app_id": "A0TUKI",
        "trigger_id": "4.5.6",
        "view": {**view, "hash": "1790000000.abcdef"},
        "response_urls": [],
    }  # fmt: skip


def form(payload: Mapping[str, Any]) -> str:
    """An interactivity payload as Slack posts it: form-encoded JSON under ``payload``."""
    return urlencode({"payload": json.dumps(payload)})


def slash_command(
    user: str, text: str, *, channel: str, response_url: str, command: str = "/tuki",
    team: str = TEAM_ID,
) -> str:  # fmt: skip
    return urlencode({
        "token": "unused", "team_id": team, "team_domain": "econocap", "channel_id": channel,
        "channel_name": "tuki-agentit", "user_id": user, "user_name": user.lower(),
        "command": command, "text": text, "api_app_id": "A0TUKI",
        "response_url": response_url, "trigger_id": "1.2.3",
    })  # fmt: skip
