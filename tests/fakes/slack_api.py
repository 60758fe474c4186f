"""A local fake of Slack's Web API: a real aiohttp server on 127.0.0.1, random port.

It records every call and answers the way Slack does for the methods the bot
uses, and it can fail on demand (429 with Retry-After, 500, an API error) so
tests can check what the bot does then. Point ``SLACK_API_BASE_URL`` (the
``base_url`` of slack_sdk's clients) at :attr:`FakeSlackApi.base_url`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
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

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.args.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)

    def buttons(self) -> list[dict[str, Any]]:
        return [e for b in self.blocks if b["type"] == "actions" for e in b["elements"]]

    @property
    def text(self) -> str:
        """All mrkdwn text in the message's blocks (or its fallback text)."""
        parts = [b["text"]["text"] for b in self.blocks if b["type"] == "section"]
        return "\n".join(parts) or str(self.args.get("text", ""))


@dataclass
class _Failure:
    status: int
    error: str
    retry_after: int | None
    times: int


@dataclass
class FakeSlackApi:
    """Slack's Web API for one workspace, in process. Use ``async with``."""

    team_id: str = TEAM_ID
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID
    calls: list[ApiCall] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing_channels: set[str] = field(default_factory=set)
    _failures: dict[str, list[_Failure]] = field(default_factory=dict)
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    _server: TestServer | None = None
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def __aenter__(self) -> FakeSlackApi:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{id}", self._respond)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
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
        error: str = "ratelimited",
    ) -> None:  # fmt: skip
        """Answer the next ``times`` calls of ``method`` with this failure."""
        self._failures.setdefault(method, []).append(_Failure(status, error, retry_after, times))

    def calls_to(
        self, method: str, where: Callable[[ApiCall], bool] | None = None
    ) -> list[ApiCall]:
        return [c for c in self.calls if c.method == method and (where is None or where(c))]

    async def wait_for(
        self,
        method: str,
        *,
        count: int = 1,
        where: Callable[[ApiCall], bool] | None = None,
        within: float = 10.0,
    ) -> list[ApiCall]:
        """Wait until ``count`` calls of ``method`` (matching ``where``) have arrived."""

        def enough() -> bool:
            return len(self.calls_to(method, where)) >= count

        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(enough)
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
        await self._record(ApiCall(method=method, args=args, token=token))
        failure = self._next_failure(method)
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
            body = {"ok": False, "error": failure.error}
            return web.json_response(body, status=failure.status, headers=headers)
        return web.json_response(self._answer(method, args))

    async def _respond(self, request: web.Request) -> web.Response:
        await self._record(ApiCall(method="response_url", args=await request.json(), token=None))
        return web.Response(text="ok")

    def _next_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method) or []
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
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
                       "user": self.bot_user_id, "bot_id": self.bot_id}  # fmt: skip
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method == "chat.update":
            return {"ok": True, "channel": channel, "ts": args.get("ts"), "text": args.get("text")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "conversations.open":
            users = str(args.get("users", ""))
            return {"ok": True, "channel": {"id": "D" + users.split(",")[0].lstrip("UW")}}
        return {"ok": False, "error": "unknown_method"}

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{1_790_000_000 + n}.{n:06d}"
