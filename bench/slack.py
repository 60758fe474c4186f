"""Slack acknowledgement latency: the bot's server against a bare slack-bolt app.

Run: .venv/bin/python bench/slack.py [N] [--concurrency C]

Both servers run in this process on 127.0.0.1 with real slack-bolt and real
request verification; Slack's Web API is the local fake from the tests, on a
thread of its own. N
correctly signed DM events (each from a new user, so each is a first contact:
greeting and answer with its feedback buttons; an answer asks no consent)
are posted with C in flight at once. The
table shows the acknowledgement latency Slack would see (median, p99), acks per
second, and for the bot also how many messages per second it fully handled
(engine turn, database, replies posted to the fake API).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402
from benchlib import QUESTIONS, Result, post_all  # noqa: E402
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request  # noqa: E402
from slack_bolt.async_app import AsyncAck, AsyncApp  # noqa: E402

from bot.app.serving import start_app, web_application  # noqa: E402
from bot.channels.slack.mount import slack_client  # noqa: E402
from bot.http import SERVED  # noqa: E402
from tests.fakes.slack_api import FakeSlackApi, dm_event, event_envelope, sign  # noqa: E402
from tests.slack_harness import SECRET, slack_settings  # noqa: E402


def bodies(n: int) -> list[str]:
    """N signed-ready DM event envelopes, each from a user writing for the first time."""
    events = []
    for i in range(n):
        event = dm_event(f"U0BENCH{i:05d}", QUESTIONS[i % len(QUESTIONS)], ts=f"1795200000.{i:06d}")
        events.append(json.dumps(event_envelope(event)))
    return events


async def post_events(url: str, events: list[str], concurrency: int) -> tuple[list[float], float]:
    """Post every event as Slack would (signed); each request's time to its ack."""
    headers = [{"Content-Type": "application/json", **sign(body, SECRET)} for body in events]
    return await post_all(url, [body.encode() for body in events], headers, concurrency)


async def bare_bolt(api: FakeSlackApi, events: list[str], concurrency: int) -> Result:
    """slack-bolt alone: verify, authorize (cached auth.test), ack. Nothing else."""
    settings = slack_settings("sqlite://", api)
    bolt = AsyncApp(client=slack_client(settings), signing_secret=SECRET,
                    process_before_response=True)  # fmt: skip

    async def only_ack(ack: AsyncAck) -> None:
        await ack()

    bolt.event("message")(only_ack)

    async def endpoint(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", endpoint)
    async with TestServer(web_app, host="127.0.0.1") as server:
        url = str(server.make_url("/slack/events"))
        await post_events(url, events[:1], 1)  # warm-up: auth.test is cached after this
        latencies, seconds = await post_events(url, events, concurrency)
    return Result("bare slack-bolt (ack)", latencies, seconds)


async def supportbot(api: FakeSlackApi, events: list[str], concurrency: int) -> Result:
    with tempfile.TemporaryDirectory() as directory:
        settings = slack_settings(f"sqlite:///{directory}/bench.db", api)
        app = await start_app(settings)
        web_app = web_application(app)
        try:
            async with TestServer(web_app, host="127.0.0.1") as server:
                url = str(server.make_url("/slack/events"))
                served = web_app[SERVED]
                warm = json.dumps(event_envelope(dm_event("U0WARM", QUESTIONS[0], ts="1.0")))
                await post_events(url, [warm], 1)
                await served.settled()
                started = time.perf_counter()
                latencies, seconds = await post_events(url, events, concurrency)
                await served.settled()
                handled = len(events) / (time.perf_counter() - started)
        finally:
            await app.close()
    return Result("supportbot (engine)", latencies, seconds, handled)


@contextmanager
def fake_slack_elsewhere() -> Iterator[FakeSlackApi]:
    """The fake Slack API on its own event loop in its own thread, as Slack would be:
    its work must not queue on the loop whose ack latency is being measured."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-slack", daemon=True)
    thread.start()
    api = FakeSlackApi()
    asyncio.run_coroutine_threadsafe(api.__aenter__(), loop).result()
    try:
        yield api
    finally:
        asyncio.run_coroutine_threadsafe(api.__aexit__(None, None, None), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


async def run(n: int, concurrency: int) -> list[Result]:
    events = bodies(n)
    results = []
    runs: list[Callable[[FakeSlackApi, list[str], int], Awaitable[Result]]] = [
        bare_bolt,
        supportbot,
    ]
    for bench in runs:
        with fake_slack_elsewhere() as api:
            results.append(await bench(api, events, concurrency))
            if bench is supportbot:
                answered = len(api.posted())
                assert answered >= 2 * n, f"only {answered} replies for {n} messages"
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=200, help="events to send (200)")
    parser.add_argument("--concurrency", type=int, default=10, help="requests in flight (10)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    results = asyncio.run(run(args.n, args.concurrency))
    print(f"{args.n} signed DM events, {args.concurrency} in flight, 127.0.0.1, fake Slack API\n")
    header = f"{'':<22}{'ack median':>11}{'ack p99':>10}{'acks/s':>10}{'handled/s':>10}"
    print(header + "\n" + "-" * len(header))
    for result in results:
        print(result.row(22))
    print("\nms for latencies; handled/s = messages answered end to end (engine, DB, replies).")
    return 0


if __name__ == "__main__":
    sys.exit(main())

