"""Load: a burst of retried events to two processes, and /healthz while a
40,000-character message is handled."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import ClientError

from chaoslib.cluster import Cluster
from chaoslib.journeys import FIRST, has_button, wait_for
from tests.fakes.slack_api import ApiCall, click, dm_event, event_envelope, form

ANSWER = "Windchillin Java-versiot"
APOLOGIES = ("Pahoittelut, viestisi käsittelyssä", "Sorry, something went wrong")


@dataclass
class Burst:
    events: int = 0
    deliveries: int = 0
    acked: int = 0
    once: int = 0
    twice: int = 0
    never: int = 0
    apologies: int = 0
    ack_p99: float = 0.0
    seconds: float = 0.0


async def burst(world: Cluster, *, events: int, parallel: int, within: float) -> Burst:
    """``events`` first DMs, each delivered to both processes at once (Slack's retry
    racing the original) and every second one a third time."""
    api = world.api
    result = Burst(events=events)
    gate = asyncio.Semaphore(parallel)
    latencies: list[float] = []
    for i in range(events):
        api.add_user(f"U0B{i:05d}", name=f"Asiakas B{i}", email=f"b{i:05d}@konepaja.example")

    async def deliver(body: dict[str, object], server: int, retry: int) -> None:
        async with gate:
            started = time.monotonic()
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            delivery = await world.event(
                body,
                server=world.servers[server % 2],
                within=within,
                headers=headers if retry else None,
            )
            latencies.append(time.monotonic() - started)
            result.deliveries += 1
            result.acked += delivery.acked

    started = time.monotonic()
    sends = []
    for i in range(events):
        event = dm_event(f"U0B{i:05d}", FIRST, ts=f"1796000000.{i:06d}", channel=f"D0B{i:05d}")
        body = event_envelope(event)
        copies = 3 if i % 2 else 2
        sends += [deliver(body, i + copy, copy) for copy in range(copies)]
    await asyncio.gather(*sends)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        answered = {
            c.args["channel"]
            for c in api.snapshot()
            if c.method == "chat.postMessage" and ANSWER in c.text
        }
        if len(answered) >= events:
            break
        await asyncio.sleep(0.5)
    result.seconds = time.monotonic() - started
    await world.quiet(within=120)
    counts: dict[str, int] = {}
    for call in api.snapshot():
        if call.method != "chat.postMessage" or not call.answer.get("ok"):
            continue
        if ANSWER in call.text:
            counts[call.args["channel"]] = counts.get(call.args["channel"], 0) + 1
        if any(call.text.startswith(a) for a in APOLOGIES):
            result.apologies += 1
    result.once = sum(1 for n in counts.values() if n == 1)
    result.twice = sum(1 for n in counts.values() if n > 1)
    result.never = events - len(counts)
    ordered = sorted(latencies)
    result.ack_p99 = ordered[round(0.99 * (len(ordered) - 1))] if ordered else 0.0
    return result


@dataclass
class Health:
    samples: list[float] = field(default_factory=list)
    failures: int = 0
    answered: int = 0
    messages: int = 0
    slowest_answer: float = 0.0

    @property
    def worst(self) -> float:
        return max(self.samples, default=0.0)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else 0.0


LONG = {
    "one 40,000-character token": "x" * 40_000,
    "40,000 characters of words": (
        "Creo kaatuu aina kun avaan ison kokoonpanon ja Windchill 12 hidastuu " * 600
    )[:40_000],
    "40,000 digits and symbols": ("1234567890<>&*_~`|" * 2300)[:40_000],
}


async def healthz_while_long(world: Cluster, *, within: float) -> Health:
    """Poll /healthz every 20 ms while each long message is handled (first contact, and
    from a consented user whose text is stored), until its answer is posted."""
    api, health = world.api, Health()
    server = world.servers[0]
    for n, (name, text) in enumerate(LONG.items()):
        for consented in (False, True):
            user, dm = f"U0H{n}{int(consented)}", f"D0H{n}{int(consented)}"
            api.add_user(user, name=f"Asiakas {name}", email=f"{user.lower()}@konepaja.example")
            to_me = lambda c, dm=dm: c.args.get("channel") == dm  # noqa: E731
            ts = iter(f"1796500{n}{int(consented)}00.{k:06d}" for k in range(1, 100))
            if consented:
                first = event_envelope(dm_event(user, FIRST, ts=next(ts), channel=dm))
                await world.event(first, server=server)
                asked = await wait_for(api, _consent_asked(dm), within)
                assert asked is not None, "consent asked"
                mark = len(api.calls)
                await world.post(
                    form(click(asked, "consent:accept", user=user)),
                    "application/x-www-form-urlencoded",
                    server=server,
                )
                assert await wait_for(api, to_me, within, since=mark) is not None
                await world.quiet(within)
            mark = len(api.calls)
            started = time.monotonic()
            body = event_envelope(dm_event(user, text, ts=next(ts), channel=dm))
            poll = asyncio.create_task(_poll(world, health))
            try:
                await world.event(body, server=server)
                health.messages += 1
                if await wait_for(api, to_me, within, since=mark) is not None:
                    health.answered += 1
                await world.quiet(within)
                health.slowest_answer = max(health.slowest_answer, time.monotonic() - started)
            finally:
                poll.cancel()
    return health


def _consent_asked(dm: str) -> Callable[[ApiCall], bool]:
    asking = has_button("consent:")
    return lambda call: call.args.get("channel") == dm and asking(call)


async def _poll(world: Cluster, health: Health) -> None:
    url = world.servers[0].url + "/healthz"
    while True:
        started = time.monotonic()
        try:
            async with world.http.get(url) as response:
                await response.read()
                if response.status != 200:
                    health.failures += 1
        except (ClientError, TimeoutError):
            health.failures += 1
        health.samples.append(time.monotonic() - started)
        await asyncio.sleep(0.02)
