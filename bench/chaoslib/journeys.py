"""Customer journeys through Slack while processes are killed (-9) at random moments.

A journey: a customer's first DM (answered, consent asked), the consent click, a
question, a problem report with the hand-over's two clicks (urgency, new matter),
the case card in the agents' channel, an agent taking it and replying in its
thread. Each step is posted until a process acknowledges it, then its effect is
awaited (a post the fake Slack API accepted); an acknowledged step whose effect
never comes is a lost message.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chaoslib.cluster import Cluster, Server
from chaoslib.fake import TimedFake
from tests.fakes.slack_api import ApiCall, click, dm_event, event_envelope
from tests.slack_harness import AGENT_CHANNEL, MAIJA

FIRST = "Mikä Java-versio Windchill 12:lle?"
QUESTION = "Miten siirrän lisenssin toiselle koneelle?"
STEPS = (
    "first message",
    "consent click",
    "question",
    "problem",
    "urgency click",
    "new-case click",
    "agent take",
    "agent reply",
)
Where = Callable[[ApiCall], bool]


@dataclass
class Outcome:
    """What the journeys measured."""

    journeys: int = 0
    completed: int = 0
    acked: int = 0
    unacked: int = 0
    lost: list[str] = field(default_factory=list)
    kills: list[float] = field(default_factory=list)
    seconds: float = 0.0
    # Journeys whose new-case click was acknowledged: each must have exactly one case.
    case_opened: set[str] = field(default_factory=set)
    slowest_step: float = 0.0


def has_button(prefix: str) -> Where:
    return lambda c: any(b["value"].startswith(prefix) for b in c.buttons())


@dataclass
class Journey:
    world: Cluster
    n: int
    timeout: float
    outcome: Outcome
    ts: int = 0

    @property
    def user(self) -> str:
        return f"U0J{self.n:04d}"

    @property
    def dm(self) -> str:
        return f"D0J{self.n:04d}"

    @property
    def tag(self) -> str:
        return f"J{self.n:04d}"

    def next_ts(self) -> str:
        self.ts += 1
        return f"17952{self.n:05d}.{self.ts:06d}"

    async def run(self) -> None:
        api = self.world.api
        api.add_user(
            self.user, name=f"Asiakas {self.tag}", email=f"{self.tag.lower()}@konepaja.example"
        )
        to_me: Where = lambda c: c.args.get("channel") == self.dm  # noqa: E731
        problem = f"Creo kaatuu aina kun avaan ison kokoonpanon, viite {self.tag}"
        consent = await self.say(FIRST, lambda c: to_me(c) and has_button("consent:accept")(c), 0)
        if consent is None:
            return
        stored: Where = lambda c: to_me(c) and "suostumuksesi on tallennettu" in c.text  # noqa: E731
        if await self.press(consent, "consent:accept", self.user, stored, 1) is None:
            return
        if (
            await self.say(
                QUESTION, lambda c: to_me(c) and has_button("helpful:yes:esupport")(c), 2
            )
            is None
        ):
            return
        urgency = await self.say(problem, lambda c: to_me(c) and has_button("urgency:2")(c), 3)
        if urgency is None:
            return
        existing = await self.press(
            urgency, "urgency:2", self.user, lambda c: to_me(c) and has_button("existing:new")(c), 4
        )
        if existing is None:
            return

        def is_card(c: ApiCall) -> bool:
            return (
                c.args.get("channel") == AGENT_CHANNEL
                and bool(c.args.get("metadata"))
                and self.tag in c.text
            )

        card = await self.press(existing, "existing:new", self.user, is_card, 5)
        if card is None:
            return
        take = card.buttons()[0]["value"]
        joined: Where = lambda c: to_me(c) and "liittyi" in c.text  # noqa: E731
        if await self.press(card, take, MAIJA[0], joined, 6) is None:
            return
        reply = f"Kokeile asetusta regen_layout_w_assem_fail ({self.tag}-vastaus)"
        thread = {
            "type": "message",
            "channel": AGENT_CHANNEL,
            "channel_type": "channel",
            "user": MAIJA[0],
            "text": reply,
            "ts": self.next_ts(),
            "thread_ts": card.answer["ts"],
            "team": "T0ECONO",
        }
        relayed: Where = lambda c: to_me(c) and f"{self.tag}-vastaus" in c.text  # noqa: E731
        if await self.step(event_envelope(thread), relayed, 7, form=False) is None:
            return
        self.outcome.completed += 1

    async def say(self, text: str, effect: Where, step: int) -> ApiCall | None:
        event = dm_event(self.user, text, ts=self.next_ts(), channel=self.dm)
        return await self.step(event_envelope(event), effect, step, form=False)

    async def press(
        self, posted: ApiCall, value: str, user: str, effect: Where, step: int
    ) -> ApiCall | None:
        return await self.step(click(posted, value, user=user), effect, step, form=True)

    async def step(self, payload: Any, effect: Where, step: int, *, form: bool) -> ApiCall | None:
        from tests.fakes.slack_api import form as encode

        mark = len(self.world.api.calls)
        if form:
            delivery = await self.world.post(encode(payload), "application/x-www-form-urlencoded")
        else:
            delivery = await self.world.event(payload)
        if not delivery.acked:
            self.outcome.unacked += 1
            return None
        self.outcome.acked += 1
        if step == 5:
            self.outcome.case_opened.add(self.tag)
        started = time.monotonic()
        found = await wait_for(self.world.api, effect, self.timeout, since=mark)
        if found is None:
            self.outcome.lost.append(f"{self.tag}: {STEPS[step]}")
        self.outcome.slowest_step = max(self.outcome.slowest_step, time.monotonic() - started)
        return found


async def wait_for(
    api: TimedFake, effect: Where, within: float, *, since: int = 0
) -> ApiCall | None:
    """The first accepted post from call ``since`` on that shows the effect."""
    deadline = time.monotonic() + within
    seen = since
    while time.monotonic() < deadline:
        calls = api.snapshot()
        for call in calls[seen:]:
            if call.method == "chat.postMessage" and call.answer.get("ok") and effect(call):
                return call
        seen = len(calls)
        await asyncio.sleep(0.1)
    return None


async def chaos(
    world: Cluster,
    done: asyncio.Event,
    outcome: Outcome,
    every: tuple[float, float],
    rng: random.Random,
) -> None:
    """Kill a random ready process with SIGKILL every few seconds and start it again."""
    ready: set[str] = {s.name for s in world.servers}
    restarting: set[asyncio.Task[None]] = set()

    async def restart(server: Server) -> None:
        await server.start()
        await server.ready(world.http)
        ready.add(server.name)

    while not done.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), rng.uniform(*every))
        if done.is_set():
            break
        candidates = [s for s in world.servers if s.name in ready]
        if not candidates:
            continue
        victim = rng.choice(candidates)
        victim.kill()
        await victim.process.wait() if victim.process else None
        outcome.kills.append(time.monotonic())
        ready.discard(victim.name)
        task = asyncio.create_task(restart(victim))
        restarting.add(task)
        task.add_done_callback(restarting.discard)
    if restarting:
        await asyncio.gather(*restarting)


async def journeys(
    world: Cluster,
    *,
    count: int,
    parallel: int,
    timeout: float,  # noqa: ASYNC109 (how long one step may take, not the whole run)
    every: tuple[float, float],
    seed: int,
) -> Outcome:
    outcome = Outcome(journeys=count)
    rng = random.Random(seed)
    gate = asyncio.Semaphore(parallel)
    done = asyncio.Event()

    async def one(n: int) -> None:
        async with gate:
            await Journey(world, n, timeout, outcome).run()

    started = time.monotonic()
    killer = asyncio.create_task(chaos(world, done, outcome, every, rng))
    try:
        await asyncio.gather(*(one(n) for n in range(1, count + 1)))
    finally:
        done.set()
        await killer
    outcome.seconds = time.monotonic() - started
    return outcome
