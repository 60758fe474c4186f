"""The fake Slack Web API of the tests, on a thread of its own, noting when calls arrive."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.fakes.slack_api import ApiCall, FakeSlackApi
from tests.slack_harness import MAIJA, PEKKA


@dataclass
class TimedFake(FakeSlackApi):
    """The fake Slack API that also notes when (monotonic seconds) each call arrived."""

    stamps: dict[int, float] = field(default_factory=dict)

    async def _record(self, call: ApiCall) -> None:
        self.stamps[id(call)] = time.monotonic()
        await super()._record(call)

    def snapshot(self) -> list[ApiCall]:
        return list(self.calls)


@contextmanager
def fake_slack() -> Iterator[TimedFake]:
    """The fake on its own event loop in its own thread, as Slack would be elsewhere."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-slack", daemon=True)
    thread.start()
    api = TimedFake()
    asyncio.run_coroutine_threadsafe(api.__aenter__(), loop).result()
    for user, name, email in (MAIJA, PEKKA):
        api.add_user(user, name=name, email=email)
    try:
        yield api
    finally:
        asyncio.run_coroutine_threadsafe(api.__aexit__(None, None, None), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
