"""``GET /readyz``: ready to take traffic. ``/healthz`` says the process is alive;
this says a load balancer may send it requests: the database answers, a knowledge
base is published, and every channel has started (the server's startup finished and
no shutdown has begun). 200 when all hold, else 503 naming what does not."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.http import SERVED

if TYPE_CHECKING:
    from bot.app.root import App

DATABASE_SECONDS = 3.0


@dataclass(slots=True)
class Lifecycle:
    """Whether this server has finished starting and not yet begun stopping."""

    started: bool = False
    stopping: bool = False

    def hook(self, web_app: web.Application) -> None:
        # Appended after every channel's own startup hook, so it runs last.
        async def started(_: web.Application) -> None:
            self.started = True

        async def stopping(_: web.Application) -> None:
            self.stopping = True

        web_app.on_startup.append(started)
        web_app.on_shutdown.append(stopping)


def _channel_ready(mount: Any) -> bool:
    """A channel that can tell (``ready()``) says so; others are ready once started."""
    ready = getattr(mount, "ready", None)
    return bool(ready()) if callable(ready) else True


def readyz_endpoint(app: App, lifecycle: Lifecycle) -> web.Handler:
    async def readyz(request: web.Request) -> web.StreamResponse:
        served = request.app[SERVED]
        body: dict[str, Any] = {}
        problems: list[str] = []
        try:
            async with asyncio.timeout(DATABASE_SECONDS):
                await app.ping()
            body["database"] = "up"
        except Exception as exc:  # the answer *is* the report
            body["database"] = "down"
            problems.append(f"database: {type(exc).__name__}")
        published = app.knowledge.published()
        if published is None:
            problems.append("knowledge base: none published")
        else:
            body["knowledge_base"] = {
                "version": published.version, "articles": len(published.kb.articles),
            }  # fmt: skip
        started = lifecycle.started and not lifecycle.stopping
        channels = {m.name: started and _channel_ready(m) for m in served.mounts}
        body["channels"] = {n: "started" if ok else "not started" for n, ok in channels.items()}
        if not started:
            problems.append("server: stopping" if lifecycle.stopping else "server: starting")
        problems += [f"{name}: not started" for name, ok in channels.items() if started and not ok]
        if problems:
            return web.json_response({"status": "not ready", "problems": problems, **body},
                                     status=503)  # fmt: skip
        return web.json_response({"status": "ready", **body})

    return readyz
