"""After the killing stops: what was lost, duplicated or left undelivered."""

from __future__ import annotations

import json
from dataclasses import dataclass

from chaoslib.cluster import Cluster
from chaoslib.journeys import Outcome

SENDS = ("chat.postMessage", "chat.postEphemeral")


@dataclass
class Audit:
    settled: bool = False
    inbox_left: int = 0
    cases_lost: int = 0
    cases_duplicated: int = 0
    undelivered: int = 0
    failed: int = 0
    twice: int = 0
    twice_in_window: int = 0


async def audit(world: Cluster, outcome: Outcome, *, within: float) -> Audit:
    result = Audit(settled=await world.quiet(within=within))
    result.inbox_left = int(await world.scalar("select count(*) from inbox"))
    result.undelivered = int(
        await world.scalar(
            "select count(*) from outbox where delivered_at is null and failed_at is null"
        )
    )
    result.failed = int(
        await world.scalar("select count(*) from outbox where failed_at is not null")
    )
    descriptions = [str(row[0]) for row in await world.rows("select description from cases")]
    for tag in outcome.case_opened:
        found = sum(1 for d in descriptions if tag in d)
        result.cases_lost += found == 0
        result.cases_duplicated += max(found - 1, 0)
    result.twice, result.twice_in_window = duplicates(world, outcome.kills)
    return result


def duplicates(world: Cluster, kills: list[float]) -> tuple[int, int]:
    """Messages Slack received more than once, and how many of those copies had a kill
    between the first copy's arrival and theirs (a process died after sending, before it
    could record the delivery: the only window where a copy is allowed)."""
    api = world.api
    groups: dict[tuple[str, ...], list[float]] = {}
    for call in api.snapshot():
        if call.method not in SENDS or call.answer.get("ok") is not True:
            continue
        buttons = json.dumps([b.get("value") for b in call.buttons()])
        key = (
            call.method,
            str(call.args.get("channel")),
            str(call.args.get("thread_ts")),
            str(call.args.get("user")),
            call.text,
            buttons,
        )
        groups.setdefault(key, []).append(api.stamps[id(call)])
    twice = in_window = 0
    for stamps in groups.values():
        first = min(stamps)
        for later in sorted(stamps)[1:]:
            twice += 1
            in_window += any(first - 1.0 <= kill <= later for kill in kills)
    return twice, in_window
