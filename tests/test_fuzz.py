"""Hostile input against the real HTTP endpoint (issue 8): hypothesis generates requests,
the real server answers them over loopback. Whatever arrives, the answer is never a
5xx, and a request that is not signed by Slack changes nothing.

The server runs in its own thread with its own event loop (hypothesis drives plain
functions); requests go out with httpx.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app.serving import start_app, web_application
from tests.fakes.slack_api import FakeSlackApi, dm_event, event_envelope, sign
from tests.harness import all_rows
from tests.slack_harness import SECRET, people, slack_settings


class Served:
    """The real server on a free loopback port, in a thread of its own."""

    def __init__(self, database_url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.database_url = database_url
        self.port = _free_port()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self.ready.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        self.api = FakeSlackApi()
        await self.api.__aenter__()
        people(self.api)
        self.app = await start_app(slack_settings(self.database_url, self.api))
        self.runner = web.AppRunner(web_application(self.app))
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def _stop(self) -> None:
        await self.runner.cleanup()
        await self.app.close()
        await self.api.__aexit__(None, None, None)

    def call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=300)

    def stop(self) -> None:
        self.call(self._stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=60)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    path = Path(tmp_path_factory.mktemp("fuzz")) / "bot.db"
    server = Served(f"sqlite:///{path}")
    server.thread.start()
    assert server.ready.wait(timeout=300), "the server started"
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{served.port}", timeout=120) as http:
        yield http


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)
bodies = st.one_of(
    st.binary(max_size=2000),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.integers(1, 50_000).map(lambda n: b"[" * n + b"]" * n),
    st.text(max_size=500).map(lambda t: f"payload={t}".encode("utf-8", "surrogatepass")),
)
content_types = st.sampled_from(
    ["application/json", "application/x-www-form-urlencoded", "text/plain", "", "multipart/x"]
)
paths = st.sampled_from(["/slack/events", "/slack/events/", "/healthz", "/api/messages", "/"])
header_values = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80
).filter(lambda value: value == value.strip())  # HTTP clients refuse padded values


FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(body=bodies, content_type=content_types, path=paths, signature=header_values,
       stamp=header_values)  # fmt: skip
def test_unsigned_requests_never_get_a_5xx_nor_change_anything(
    served: Served, client: httpx.Client, body: bytes, content_type: str, path: str,
    signature: str, stamp: str,
) -> None:  # fmt: skip
    before = served.call(all_rows(served.app))
    headers = {"Content-Type": content_type, "X-Slack-Signature": signature,
               "X-Slack-Request-Timestamp": stamp}  # fmt: skip
    response = client.post(path, content=body, headers=headers)
    assert response.status_code < 500, (response.status_code, response.text[:200])
    assert served.call(all_rows(served.app)) == before


@FUZZ
@given(event=json_values, text=st.text(max_size=3000), wrap=st.booleans())
def test_signed_but_strange_payloads_never_get_a_5xx(
    served: Served, client: httpx.Client, event: Any, text: str, wrap: bool
) -> None:
    payload: Any = event
    if wrap:  # a real envelope around hostile text: the turn must cope
        payload = event_envelope(
            dm_event("U0MATTI", text, ts=f"1795200000.{abs(hash(text)) % 10**6:06d}")
        )
    body = json.dumps(payload)
    headers = {"Content-Type": "application/json", **sign(body, SECRET)}
    response = client.post("/slack/events", content=body.encode(), headers=headers)
    assert response.status_code < 500, (response.status_code, response.text[:200])
