"""Load: N simulated Slack customers × M messages against one and two `supportbot serve`
processes on one PostgreSQL database, with the fake Slack Web API of the tests.

Run: .venv/bin/python bench/load.py [--customers N] [--messages M] [--processes 1,2]
     (PostgreSQL from --database-url or SUPPORTBOT_TEST_DATABASE_URL; it is EMPTIED)

Each process is started as in production (the console script, settings in the
environment). Every customer writes in a channel of their own, mentioning the bot; a
message waits for the answer to the previous one (people do), and the customers write
at the same time. Each message starts a thread, so its replies are told apart from
other messages' replies. Printed: the acknowledgement latency Slack sees and the
answer latency the customer sees (time to the first reply in the thread), median and
p99; messages answered per second; messages lost (never answered) and duplicated
(the same reply twice in a thread); resident memory per process after the run; and
for scale, in the same run, a bare slack-bolt app that only acknowledges.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp import ClientSession  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from bot.app import App  # noqa: E402
from bot.core.settings import Settings  # noqa: E402
from tests.cluster import KEY, Poster, ServeProcess, WatchedSlack, envelope, serve_env  # noqa: E402
from tests.conftest import fresh_postgres  # noqa: E402
from tests.fakes.slack_api import ApiCall, dm_event, event_envelope, mention_event  # noqa: E402

QUESTIONS = (
    "Mikä Java-versio Windchill 12:lle?",
    "Does Creo 11 run on Windows 11?",
    "Miten siirrän lisenssin toiselle koneelle?",
    "Where do I download Creo 10 M050?",
    "Mikä tietokanta Windchill 13:lle käy?",
)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


@dataclass
class Run:
    name: str
    messages: int
    acks: list[float]
    answers: list[float]
    seconds: float
    lost: int
    duplicated: int
    rss_mb: list[float]
    turns: float
    cpu_seconds: float = 0.0

    def row(self) -> str:
        memory = " / ".join(f"{m:.0f}" for m in self.rss_mb) or "–"
        answer = (f"{statistics.median(self.answers) * 1000:>9.0f}{p99(self.answers) * 1000:>9.0f}"
                  if self.answers else f"{'–':>9}{'–':>9}")  # fmt: skip
        rate = f"{len(self.answers) / self.seconds:>8.1f}" if self.answers else f"{'–':>8}"
        per = self.cpu_seconds * 1000 / self.messages
        cpu = f"{per:>8.0f}" if self.cpu_seconds else f"{'–':>8}"
        return (f"{self.name:<24}{self.messages:>6}{statistics.median(self.acks) * 1000:>9.1f}"
                f"{p99(self.acks) * 1000:>9.1f}{answer}{rate}{cpu}{self.lost:>6}"
                f"{self.duplicated:>6}   {memory}")  # fmt: skip


class Replies:
    """Every reply the bot posts, by thread, timed as it arrives (the fake runs on a thread
    of its own; its calls are handed to this loop)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.first: dict[str, float] = {}
        self.texts: dict[str, list[str]] = defaultdict(list)
        self.waiting: dict[str, asyncio.Event] = {}

    def heard(self, call: ApiCall) -> None:
        if call.method != "chat.postMessage" or not call.args.get("thread_ts"):
            return
        at = time.perf_counter()
        self.loop.call_soon_threadsafe(self._arrived, str(call.args["thread_ts"]), call.text, at)

    def _arrived(self, thread: str, text: str, at: float) -> None:
        self.first.setdefault(thread, at)
        self.texts[thread].append(text)
        if thread in self.waiting:
            self.waiting[thread].set()

    async def first_reply(self, thread: str, within: float) -> float | None:
        event = self.waiting.setdefault(thread, asyncio.Event())
        if thread not in self.first:
            try:
                await asyncio.wait_for(event.wait(), within)
            except TimeoutError:
                return None
        return self.first[thread]


def slack_elsewhere() -> tuple[WatchedSlack, asyncio.AbstractEventLoop, threading.Thread]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-slack", daemon=True)
    thread.start()
    api = WatchedSlack()
    asyncio.run_coroutine_threadsafe(api.__aenter__(), loop).result()
    return api, loop, thread


async def metrics(session: ClientSession, process: ServeProcess) -> dict[str, float]:
    async with session.get(process.url("/metrics")) as response:
        body = await response.text()
    found: dict[str, float] = Counter()
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == "supportbot_turns_total" and sample.labels["outcome"] != "duplicate":
                found["turns"] += sample.value
            elif sample.name in ("supportbot_inbox_depth", "supportbot_outbox_depth"):
                found[sample.name] += sample.value
    return found


async def load(database_url: str, processes: int, customers: int, messages: int) -> Run:
    await fresh_postgres(database_url)
    app = await App.start(Settings(database_url=database_url, demo=True, secret_key=KEY))
    await app.close()
    api, slack_loop, slack_thread = slack_elsewhere()
    replies = Replies(asyncio.get_running_loop())
    api.listeners.append(replies.heard)
    for i in range(customers):
        api.add_user(f"U0LOAD{i:05d}", name=f"Asiakas {i}", email=f"asiakas{i}@konepaja.example")
    with tempfile.TemporaryDirectory() as data:
        env = serve_env(database_url, api.base_url, Path(data),
                        SUPPORTBOT_LOG_FORMAT=os.environ.get("SUPPORTBOT_LOG_FORMAT", "text"))
        started = await asyncio.gather(*(ServeProcess.start(env) for _ in range(processes)))
        servers = list(started)
        acks: list[float] = []
        answers: list[float] = []
        lost = 0
        try:
            async with ClientSession() as session:
                poster = Poster(session)

                async def customer(index: int) -> None:
                    nonlocal lost
                    user, channel = f"U0LOAD{index:05d}", f"C0LOAD{index:05d}"
                    for k in range(messages):
                        ts = f"1795400000.{index * 100 + k:06d}"
                        event = mention_event(user, QUESTIONS[(index + k) % len(QUESTIONS)],
                                              ts=ts, channel=channel)  # fmt: skip
                        sent = time.perf_counter()
                        acks.append(await poster.event(servers[(index + k) % processes],
                                                       envelope(event)))  # fmt: skip
                        first = await replies.first_reply(ts, within=300)
                        if first is None:
                            lost += 1
                        else:
                            answers.append(first - sent)

                cpu_before = sum(s.cpu_seconds() for s in servers)
                began = time.perf_counter()
                await asyncio.gather(*(customer(i) for i in range(customers)))
                seconds = time.perf_counter() - began
                async with asyncio.timeout(300):  # until every reply is out (polled, bounded)
                    while True:
                        seen = [await metrics(session, s) for s in servers]
                        if not any(m["supportbot_inbox_depth"] + m["supportbot_outbox_depth"]
                                   for m in seen):  # fmt: skip
                            break
                        await asyncio.sleep(0.5)
                turns = sum(m["turns"] for m in seen)
                rss = [s.rss_mb() for s in servers]
                cpu = sum(s.cpu_seconds() for s in servers) - cpu_before
        finally:
            for server in servers:
                await server.stop()
                if logs := os.environ.get("SUPPORTBOT_BENCH_LOGS"):  # the last process's log
                    await asyncio.to_thread(Path(logs).write_text, "".join(server.output))
            asyncio.run_coroutine_threadsafe(api.__aexit__(None, None, None), slack_loop).result()
            slack_loop.call_soon_threadsafe(slack_loop.stop)
            slack_thread.join()
    duplicated = sum(sum(n - 1 for n in Counter(texts).values())
                     for texts in replies.texts.values())  # fmt: skip
    name = f"supportbot, {processes} process{'es' if processes > 1 else ''}"
    return Run(name, customers * messages, acks, answers, seconds, lost, duplicated, rss, turns,
               cpu)  # fmt: skip


async def bare(messages: int) -> Run:
    """slack-bolt alone, acknowledging only (bench/slack.py), with as many events."""
    spec = importlib.util.spec_from_file_location("bench_slack", ROOT / "bench" / "slack.py")
    assert spec is not None and spec.loader is not None
    bench_slack = importlib.util.module_from_spec(spec)
    sys.modules["bench_slack"] = bench_slack  # dataclasses look their module up there
    spec.loader.exec_module(bench_slack)
    events = [json.dumps(event_envelope(dm_event(f"U0B{i:05d}", QUESTIONS[i % 5],
                                                 ts=f"1795500000.{i:06d}")))
              for i in range(messages)]  # fmt: skip
    with bench_slack.fake_slack_elsewhere() as api:
        result = await bench_slack.bare_bolt(api, events, 10)
    return Run("bare slack-bolt (ack)", messages, result.latencies, [], result.seconds, 0, 0,
               [], 0)  # fmt: skip


async def main_async(args: argparse.Namespace) -> list[Run]:
    runs = [await bare(args.customers * args.messages)]
    for processes in args.processes:
        run = await load(args.database_url, processes, args.customers, args.messages)
        if run.turns != run.messages:
            print(f"! {run.name}: {run.turns:.0f} turns for {run.messages} messages",
                  file=sys.stderr)  # fmt: skip
        runs.append(run)
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=200, help="customers at once (200)")
    parser.add_argument("--messages", type=int, default=5, help="messages each (5)")
    parser.add_argument("--processes", default="1,2", help="process counts to run (1,2)")
    parser.add_argument("--database-url", default=os.environ.get("SUPPORTBOT_TEST_DATABASE_URL"),
                        help="PostgreSQL to use and EMPTY (SUPPORTBOT_TEST_DATABASE_URL)")
    args = parser.parse_args(argv)
    if not args.database_url or not args.database_url.startswith("postgres"):
        parser.error("a PostgreSQL database is needed: --database-url postgresql://…")
    args.processes = [int(p) for p in args.processes.split(",")]
    logging.basicConfig(level=logging.ERROR)
    runs = asyncio.run(main_async(args))
    print(f"{args.customers} customers × {args.messages} messages, Slack events over "
          f"127.0.0.1, fake Slack Web API, PostgreSQL\n")  # fmt: skip
    header = (f"{'':<24}{'msgs':>6}{'ack med':>9}{'ack p99':>9}{'ans med':>9}{'ans p99':>9}"
              f"{'msgs/s':>8}{'CPU ms':>8}{'lost':>6}{'dup':>6}   RSS MB per process")  # fmt: skip
    print(header + "\n" + "-" * len(header))
    for run in runs:
        print(run.row())
    print("\nms for latencies; answer = the message posted → the first reply in its thread;\n"
          "CPU ms = the serve processes' CPU time per message (routing, database, replies).")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 1 if any(r.lost or r.duplicated for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
