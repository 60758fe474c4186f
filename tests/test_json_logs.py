"""SUPPORTBOT_LOG_FORMAT=json: one JSON object per line, each message's lines tied by
its correlation id, and no message text, names or emails in any of them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from bot.core.logs import OWN_LOGGERS, configure
from tests.fakes.slack_api import FakeSlackApi
from tests.harness import Clock
from tests.slack_harness import AGENT_CHANNEL, SlackBot, people, running_bot, slack_settings
from tests.test_slack_desk import OLLI, PROBLEM, open_case

PERSONAL = (*OLLI, "Olli", "olli.operaattori", "Maija", "maija.virtanen", "U0MAIJA", "kaatuu",
            "Windchill 12", "Java-versio", "@")  # fmt: skip


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in OWN_LOGGERS}
    out = io.StringIO()
    configure(json_lines=True, stream=out)
    yield out
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


@pytest.fixture
async def bot(sqlite_url: str, clock: Clock) -> AsyncIterator[SlackBot]:
    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    async with FakeSlackApi() as api:
        people(api)
        api.add_user(OLLI[0], name=OLLI[1], email=OLLI[2])
        settings = slack_settings(sqlite_url, api, slack_agent_channel=AGENT_CHANNEL, demo=True)
        async with running_bot(settings, api, clock) as bot:
            yield bot


async def test_json_lines_with_correlation_ids_and_nothing_personal(
    bot: SlackBot, captured: io.StringIO
) -> None:
    await open_case(bot)
    logging.getLogger("bot.test").warning("a stray address maija.virtanen@econocap.example")
    text = captured.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines and all({"time", "level", "logger", "event"} <= set(line) for line in lines)
    stored = [line for line in lines if line["event"] == "message stored"]
    turns = [line for line in lines if line["event"] == "turn handled"]
    assert len(turns) == 5 and len(stored) == 5, [line["event"] for line in lines]
    assert {t["channel"] for t in turns} == {"slack"} and all("ms" in t for t in turns)
    # Each message: one id, on the line that stored it and on the line that handled it.
    ids = [t["correlation_id"] for t in turns]
    assert len(set(ids)) == 5 and all(len(i) == 16 for i in ids)
    assert {s["correlation_id"] for s in stored} == set(ids)
    for needle in PERSONAL:
        assert needle not in text, needle
    assert PROBLEM not in text
