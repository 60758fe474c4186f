"""``supportbot queue``: open cases in queue order (urgency, then arrival)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.app import App
from bot.core.desk_text import case_line
from bot.core.settings import Settings


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "queue",
        help="open cases in queue order (urgency, then arrival)",
        description="The open cases as the agents see them: urgency first, then arrival, "
        "with organisation, product, target time, state and holder.",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object, for scripts")
    parser.set_defaults(run=run)


async def run(args: argparse.Namespace) -> int:
    app = await App.start(Settings.from_env())
    try:
        cards = await app.cases.queue()
    finally:
        await app.close()
    if args.json:
        print(
            json.dumps(
                {
                    "cases": [
                        {
                            "id": c.case_id,
                            "organisation": c.organisation,
                            "customer": c.customer,
                            "product": c.product,
                            "version": c.version,
                            "urgency": c.urgency,
                            "arrived": c.arrived_at.isoformat(),
                            "due": c.due_at.isoformat(),
                            "state": c.state,
                            "holder": c.holder,
                        }
                        for c in cards
                    ]
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not cards:
        print("The queue is empty.")
    now = app.clock()
    for card in cards:
        print(case_line(app.texts, "en", card, now))
    return 0
