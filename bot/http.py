"""The one web server: ``GET /healthz`` and the routes every channel mounts on it.

The server knows routes, health and lifecycle, and no platform SDK: each
channel package mounts itself (:class:`bot.channels.base.Mount`). Requests are
acknowledged first; the turns they start run as tracked background work that
is awaited on shutdown, so none is lost silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from aiohttp import web

from bot.channels.base import Claim, Host, Mount
from bot.core.cases import Delivery
from bot.core.contract import Channel
from bot.core.ports import ChannelMarks, Storage
from bot.core.settings import Settings
from bot.core.texts import Catalogue
from bot.desk.alerts import DueAlerts
from bot.desk.commands import Desk
from bot.desk.outbox import Dispatcher
from bot.desk.outbox import Route as OutboxRoute
from bot.engine.inbox import InboxWorkers
from bot.engine.turns import Engine


class App(Protocol):
    """What the server needs of the composition root's app (:class:`bot.app.App`)."""

    settings: Settings
    texts: Catalogue
    engine: Engine
    storage: Storage
    desk: Desk
    alerts: DueAlerts
    marks: ChannelMarks

    def clock(self) -> datetime: ...

    def wake(self) -> None: ...

    async def ping(self) -> None:
        """Raise if the database does not answer."""

    async def housekeeping(self, stop: asyncio.Event) -> None: ...

    def dispatcher(self, routes: dict[str, OutboxRoute]) -> Dispatcher: ...

    def workers(self, channels: Mapping[str, Channel]) -> InboxWorkers: ...

log = logging.getLogger(__name__)

DRAIN_SECONDS = 20.0
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


@dataclass(frozen=True, slots=True)
class Served:
    """What the server runs; kept on the web application for startup, shutdown and tests."""

    app: App
    work: BackgroundWork
    mounts: tuple[Mount, ...]
    stop: asyncio.Event
    workers: InboxWorkers
    dispatcher: Dispatcher

    def mount(self, name: str) -> Mount | None:
        return next((m for m in self.mounts if m.name == name), None)

    async def settled(self) -> None:
        """Wait until everything started so far is done: background work, the turns of
        stored messages, and the deliveries they caused (tests and benchmarks)."""
        while True:
            await self.work.idle()
            await self.workers.drain()
            delivered = await self.dispatcher.deliver_due()
            if not delivered and not len(self.work):
                return


SERVED = web.AppKey("served", Served)


def build(app: App, mounts: Sequence[Mount] = ()) -> web.Application:
    """The web application with health and every mounted channel.

    While it runs it also delivers the outbox for the channels it serves and
    alerts agents before targets pass.
    """
    web_app = web.Application()
    work = BackgroundWork()
    stop = asyncio.Event()
    channels: dict[str, Channel] = {}
    workers = app.workers(channels)
    async def deliver(deliveries: Sequence[Delivery]) -> None:
        await app.storage.deliver_now(deliveries, at=app.clock())
        app.wake()

    host = Host(
        settings=app.settings, texts=app.texts, clock=app.clock, desk=app.desk,
        receive=workers.accept, claim=_claim(app), spawn=work.spawn,
        handle_kind=workers.handle_kind, deliver=deliver, marks=app.marks,
    )  # fmt: skip
    for mount in mounts:
        mount.mount(web_app, host)
        channels[mount.name] = mount.channel
    dispatcher = app.dispatcher({m.name: OutboxRoute(channel=m.channel) for m in mounts})
    web_app[SERVED] = Served(
        app=app, work=work, mounts=tuple(mounts), stop=stop, workers=workers,
        dispatcher=dispatcher,
    )  # fmt: skip
    web_app.router.add_get("/healthz", _healthz)

    async def deliver_and_alert(_: web.Application) -> AsyncIterator[None]:
        loops = [
            asyncio.create_task(app.alerts.run(stop), name="due-alerts"),
            asyncio.create_task(app.housekeeping(stop), name="housekeeping"),
            asyncio.create_task(workers.run(stop), name="inbox"),
            asyncio.create_task(dispatcher.run(stop), name="outbox"),
        ]
        yield
        stop.set()
        await work.drain()
        await asyncio.gather(*loops)

    web_app.cleanup_ctx.append(deliver_and_alert)
    return web_app


def _claim(app: App) -> Claim:
    async def claim(channel: str, message_id: str) -> bool:
        return await app.storage.claim(channel, message_id, at=app.clock())

    return claim


async def _healthz(request: web.Request) -> web.Response:
    served = request.app[SERVED]
    status: dict[str, str] = {"server": "up"}
    status.update({m.name: m.status() for m in served.mounts})
    try:
        async with asyncio.timeout(3):
            await served.app.ping()
    except Exception as exc:  # the answer *is* the report: any failure means "not ready"
        return web.json_response(
            {**status, "status": "unavailable", "reason": f"database: {type(exc).__name__}"},
            status=503,
        )
    return web.json_response({**status, "status": "ok", "database": "up"})
