"""Server-sent events inside one process: topics (one web chat, the desk) and the open
streams listening to them. Every stream ends when the server shuts down."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web
from aiohttp_sse import sse_response

DESK = "desk"
# A slow browser never holds the server up: past this many waiting events it misses some
# (the page reloads its state from the database on the next one).
BACKLOG = 100


@dataclass(frozen=True, slots=True)
class Event:
    name: str
    data: str
    # The outbox row a chat event shows: a reconnecting page sends it back (Last-Event-ID).
    id: str | None = None


class Hub:
    """Topics → the queues of the streams open on them."""

    def __init__(self) -> None:
        self._streams: dict[str, set[asyncio.Queue[Event | None]]] = {}
        self._closed = False

    def listeners(self, topic: str) -> int:
        return len(self._streams.get(topic, ()))

    def publish(self, topic: str, name: str, data: str = "", *, event_id: str | None = None) -> int:
        """Hand an event to every stream on the topic; returns how many got it."""
        queues = self._streams.get(topic, set())
        for queue in queues:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(Event(name, data.replace("\r", ""), event_id))
        return len(queues)

    def close(self) -> None:
        """End every stream (on shutdown: aiohttp would otherwise wait for them)."""
        self._closed = True
        for queues in self._streams.values():
            for queue in queues:
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(None)

    @contextlib.asynccontextmanager
    async def listen(self, topic: str) -> AsyncIterator[asyncio.Queue[Event | None]]:
        queue: asyncio.Queue[Event | None] = asyncio.Queue(BACKLOG)
        self._streams.setdefault(topic, set()).add(queue)
        try:
            yield queue
        finally:
            self._streams[topic].discard(queue)
            if not self._streams[topic]:
                del self._streams[topic]

    async def stream(
        self, request: web.Request, topic: str, *, hello: str = ""
    ) -> web.StreamResponse:
        """An SSE response carrying the topic's events until the browser or server leaves."""
        if self._closed:
            raise web.HTTPServiceUnavailable()
        async with self.listen(topic) as queue, sse_response(request) as response:
            if hello:
                await response.send("", event=hello)
            while response.is_connected():
                event = await queue.get()
                if event is None:
                    break
                await response.send(event.data, event=event.name, id=event.id)
        return response
