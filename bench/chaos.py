"""Durability under chaos (issue 8): the real server, killed and flooded, on SQLite and
PostgreSQL.

Run: .venv/bin/python bench/chaos.py [--backend sqlite|postgres|both] [--journeys 50]
     [--burst 1000] [--fuzz 10000] [--postgres URL]

Every phase starts real ``supportbot serve`` processes (Slack over HTTP with its
signing secret) on an emptied database, in front of the fake Slack Web API from the
tests running on a thread of its own (SLACK_API_BASE_URL points at it):

- journeys: customers go from their first DM to an agent's reply while a random
  process is killed with SIGKILL every few seconds and started again;
- burst: first DMs delivered to two processes at once (Slack's retries racing the
  original), every second one three times;
- fuzz: unsigned, forged and signed-but-hostile requests;
- healthz: /healthz polled every 20 ms while 40,000-character messages are handled.

The PostgreSQL database (default below, created when missing) is emptied for each phase.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from chaoslib.audit import audit  # noqa: E402
from chaoslib.cluster import cluster  # noqa: E402
from chaoslib.fake import fake_slack  # noqa: E402
from chaoslib.fuzz import fuzz  # noqa: E402
from chaoslib.journeys import journeys  # noqa: E402
from chaoslib.load import burst, healthz_while_long  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from storage.db import async_url  # noqa: E402

POSTGRES = "postgresql://postgres@127.0.0.1:5432/supportbot_chaos"


@dataclass
class Column:
    """One backend's measurements: (section, row, value, target)."""

    name: str
    rows: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(self, section: str, row: str, value: object, target: str = "") -> None:
        self.rows.append((section, row, str(value), target))


async def run_backend(name: str, url: str, args: argparse.Namespace, folder: Path) -> Column:
    column = Column(name)
    if args.healthz:
        with fake_slack() as api:
            async with cluster(url, api, folder / "healthz", 1) as world:
                health = await healthz_while_long(world, within=args.step_timeout)
                errors = world.errors_logged()
            h = "/healthz while 40,000 characters are handled"
            column.add(h, "/healthz worst (ms)", f"{health.worst * 1000:.0f}", "< 100")
            column.add(
                h,
                "/healthz median (ms), samples",
                f"{health.median * 1000:.1f}, {len(health.samples)}",
            )
            column.add(h, "/healthz not 200", health.failures, "0")
            column.add(h, "long messages answered", f"{health.answered}/{health.messages}", "all")
            column.add(h, "slowest long message answered in (s)", f"{health.slowest_answer:.1f}")
            column.add(h, "ERROR lines logged", errors)
    if args.fuzz:
        with fake_slack() as api:
            async with cluster(url, api, folder / "fuzz", 2) as world:
                fuzzed = await fuzz(world, count=args.fuzz, parallel=20, seed=args.seed)
                errors = world.errors_logged()
            f = f"{args.fuzz:,} hostile requests, two processes"
            column.add(f, "unsigned or forged / signed", f"{fuzzed.unsigned} / {fuzzed.signed}")
            column.add(f, "answered 5xx", fuzzed.server_errors, "0")
            column.add(f, "not answered (dropped)", fuzzed.unanswered, "0")
            column.add(f, "tables changed by unsigned", len(fuzzed.changed_tables), "0")
            column.add(f, "Slack calls caused by unsigned", fuzzed.slack_calls, "0")
            by_class = {
                c: sum(n for s, n in fuzzed.statuses.items() if s // 100 == c) for c in (2, 4)
            }
            column.add(f, "answered 2xx / 4xx", f"{by_class[2]} / {by_class[4]}")
            column.add(f, "replies failed for good", len(fuzzed.failed), "0")
            column.add(f, "seconds", f"{fuzzed.seconds:.0f}")
            for error in sorted(set(fuzzed.failed)):
                print(f"{name}: a reply failed for good: {error}", file=sys.stderr)
            column.add(f, "ERROR lines logged", errors)
    if args.burst:
        with fake_slack() as api:
            async with cluster(url, api, folder / "burst", 2) as world:
                b = await burst(world, events=args.burst, parallel=50, within=args.step_timeout * 2)
                errors = world.errors_logged()
            s = f"burst of {args.burst:,} first DMs to two processes"
            column.add(s, "deliveries acknowledged", f"{b.acked}/{b.deliveries}")
            column.add(s, "answered exactly once", b.once, f"{args.burst:,}")
            column.add(s, "answered twice / never", f"{b.twice} / {b.never}", "0 / 0")
            column.add(s, "apologies", b.apologies, "0")
            column.add(s, "ack p99 (ms)", f"{b.ack_p99 * 1000:.0f}")
            column.add(s, "all answered after (s)", f"{b.seconds:.0f}")
            column.add(s, "ERROR lines logged", errors)
    if args.journeys:
        with fake_slack() as api:
            async with cluster(url, api, folder / "journeys", 2) as world:
                every = (args.kill_every[0], args.kill_every[1])
                outcome = await journeys(
                    world,
                    count=args.journeys,
                    parallel=args.parallel,
                    timeout=args.step_timeout,
                    every=every,
                    seed=args.seed,
                )
                found = await audit(world, outcome, within=args.step_timeout * 2)
                errors = world.errors_logged()
            j = f"{args.journeys} journeys, kill -9 at random moments"
            column.add(j, "processes killed (SIGKILL)", len(outcome.kills))
            column.add(j, "journeys completed", f"{outcome.completed}/{outcome.journeys}", "all")
            column.add(
                j, "steps acknowledged / never acknowledged", f"{outcome.acked} / {outcome.unacked}"
            )
            column.add(j, "acknowledged messages lost", len(outcome.lost), "0")
            column.add(
                j,
                "cases lost / duplicated",
                f"{found.cases_lost} / {found.cases_duplicated}",
                "0 / 0",
            )
            column.add(j, "outbox never delivered after restart", found.undelivered, "0")
            column.add(j, "outbox failed for good", found.failed, "0")
            column.add(j, "inbox rows left", found.inbox_left, "0")
            column.add(
                j,
                "delivered twice (after a kill in send→record)",
                f"{found.twice} ({found.twice_in_window})",
                "all in window",
            )
            column.add(j, "slowest step, ack to effect (s)", f"{outcome.slowest_step:.0f}")
            column.add(j, "seconds", f"{outcome.seconds:.0f}")
            column.add(j, "ERROR lines logged", errors)
            if outcome.lost:
                print(f"{name}: lost: {', '.join(outcome.lost)}", file=sys.stderr)
    return column


def table(columns: list[Column]) -> str:
    width = max(len(r[1]) for c in columns for r in c.rows) + 2
    cells = [max(len(c.name), *(len(r[2]) for r in c.rows)) + 2 for c in columns]
    lines = []
    header = f"{'':<{width}}" + "".join(
        f"{c.name:>{w}}" for c, w in zip(columns, cells, strict=True)
    )
    section = None
    for i, (sec, row, _, target) in enumerate(columns[0].rows):
        if sec != section:
            lines += ["", sec, header + f"{'target':>16}", "-" * (len(header) + 16)]
            section = sec
        values = "".join(f"{c.rows[i][2]:>{w}}" for c, w in zip(columns, cells, strict=True))
        lines.append(f"{row:<{width}}{values}{target:>16}")
    return "\n".join(lines)


async def ensure_database(url: str) -> bool:
    """Create the bench's PostgreSQL database when missing; False when PostgreSQL is not there."""
    server = make_url(async_url(url)).set(database="postgres")
    engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
    name = make_url(url).database
    try:
        async with engine.connect() as connection:
            found = await connection.execute(
                text("select 1 from pg_database where datname = :n"), {"n": name}
            )
            if found.scalar() is None:
                await connection.execute(text(f'create database "{name}"'))
        return True
    except OSError:
        return False
    finally:
        await engine.dispose()


async def main_async(args: argparse.Namespace) -> int:
    backends: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="chaos-") as temporary:
        folder = Path(args.keep or temporary)
        if args.backend in ("sqlite", "both"):
            backends.append(("SQLite", f"sqlite:///{folder}/sqlite/bot.db"))
        if args.backend in ("postgres", "both"):
            if await ensure_database(args.postgres):
                backends.append(("PostgreSQL", args.postgres))
            else:
                print(f"PostgreSQL not reachable at {args.postgres}: skipped", file=sys.stderr)
        columns = []
        for name, url in backends:
            print(f"{name}: running …", file=sys.stderr, flush=True)
            columns.append(await run_backend(name, url, args, folder / name.lower()))
        print(table(columns))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("SUPPORTBOT_BENCH_DATABASE_URL", POSTGRES),
        help=f"PostgreSQL URL, emptied for each phase ({POSTGRES})",
    )
    parser.add_argument("--journeys", type=int, default=50, help="customer journeys (50; 0 skips)")
    parser.add_argument("--parallel", type=int, default=10, help="journeys at once (10)")
    parser.add_argument(
        "--kill-every",
        type=float,
        nargs=2,
        default=(2.0, 8.0),
        metavar=("MIN", "MAX"),
        help="seconds between kills, drawn uniformly (2 8)",
    )
    parser.add_argument(
        "--burst", type=int, default=1000, help="events in the burst (1000; 0 skips)"
    )
    parser.add_argument(
        "--fuzz", type=int, default=10_000, help="hostile requests (10000; 0 skips)"
    )
    parser.add_argument("--no-healthz", dest="healthz", action="store_false", help="skip /healthz")
    parser.add_argument(
        "--step-timeout",
        type=float,
        default=400.0,
        help="seconds an acknowledged step may take before it counts as lost (400)",
    )
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--keep", help="keep databases and server logs in this folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
