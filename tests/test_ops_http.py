"""/readyz and /metrics on the real server after a real Slack journey (fake Slack API)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.slack_api import FakeSlackApi, dm_event
from tests.harness import Clock
from tests.slack_harness import AGENT_CHANNEL, SlackBot, people, running_bot, slack_settings
from tests.test_slack_desk import OLLI, open_case

PERSONAL = (*OLLI, "U0MAIJA", "Maija", "maija.virtanen", "konepaja", "Creo kaatuu", "Java")


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi() as api:
        people(api)
        api.add_user(OLLI[0], name=OLLI[1], email=OLLI[2])
        yield api


@pytest.fixture
async def bot(database_url: str, api: FakeSlackApi, clock: Clock) -> AsyncIterator[SlackBot]:
    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Tuesday 10:00 in Helsinki
    settings = slack_settings(database_url, api, slack_agent_channel=AGENT_CHANNEL, demo=True)
    async with running_bot(settings, api, clock) as bot:
        yield bot


def parse(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample as {(name, sorted labels): value}."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_readyz_says_ready_with_what_it_checked(bot: SlackBot) -> None:
    response = await bot.client.get("/readyz")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ready" and body["database"] == "up"
    assert body["channels"] == {"slack": "started", "web": "started"}
    assert len(body["knowledge_base"]["version"]) == 12
    assert body["knowledge_base"]["articles"] > 10


async def test_readyz_is_503_without_the_database(
    bot: SlackBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down() -> bool:
        raise ConnectionRefusedError("database is gone")

    monkeypatch.setattr(bot.app.database, "ping", down)
    response = await bot.client.get("/readyz")
    assert response.status == 503
    body = await response.json()
    assert body["problems"] == ["database: ConnectionRefusedError"]
    assert (await bot.client.get("/healthz")).status == 503


async def test_metrics_after_a_journey(bot: SlackBot) -> None:
    await open_case(bot)
    response = await bot.client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    text = await response.text()
    samples = parse(text)
    turns = {
        dict(labels)["outcome"]: value
        for (name, labels), value in samples.items()
        if name == "supportbot_turns_total" and dict(labels)["channel"] == "slack"
    }
    assert turns["answer"] == 1 and turns["escalate"] == 1 and turns["action"] == 3, turns
    assert samples[("supportbot_routing_seconds_count", ())] == 2
    assert samples[("supportbot_turn_seconds_count", (("channel", "slack"),))] == 5
    assert samples[("supportbot_cases", (("state", "queued"),))] == 1
    assert samples[("supportbot_cases", (("state", "closed"),))] == 0
    assert samples[("supportbot_cases_overdue", ())] == 0
    assert samples[("supportbot_inbox_depth", ())] == 0
    assert samples[("supportbot_outbox_depth", ())] == 0
    version = (await (await bot.client.get("/readyz")).json())["knowledge_base"]["version"]
    assert samples[("supportbot_knowledge_base_info", (("version", version),))] == 1
    for needle in PERSONAL:
        assert needle not in text, needle
    # Two hours later, nobody has taken the case: it is past its target.
    bot.app.clock.now = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)  # type: ignore[attr-defined]
    later = parse(await (await bot.client.get("/metrics")).text())
    assert later[("supportbot_cases_overdue", ())] == 1


async def test_metrics_behind_a_bearer_token(
    sqlite_url: str, api: FakeSlackApi, clock: Clock
) -> None:
    settings = dataclasses.replace(slack_settings(sqlite_url, api), metrics_token="s3cret-token")
    async with running_bot(settings, api, clock) as bot:
        assert (await bot.client.get("/metrics")).status == 401
        wrong = {"Authorization": "Bearer nope"}
        assert (await bot.client.get("/metrics", headers=wrong)).status == 401
        right = {"Authorization": "Bearer s3cret-token"}
        response = await bot.client.get("/metrics", headers=right)
        assert response.status == 200 and "supportbot_inbox_depth" in await response.text()


async def test_metrics_count_a_delivery_that_failed_for_good(bot: SlackBot) -> None:
    bot.api.missing_channels.add("D0MATTI")  # the customer's DM is gone: every post fails
    await bot.event(dm_event("U0MATTI", "Mikä Java-versio Windchill 12:lle?",
                             ts="1795000000.000100"))  # fmt: skip
    await bot.settled()
    samples = parse(await (await bot.client.get("/metrics")).text())
    failed = samples[("supportbot_delivery_failures_total", (("channel", "slack"),))]
    assert failed >= 1
    assert samples[("supportbot_outbox_failed", ())] == failed
    assert samples[("supportbot_turns_total", (("channel", "slack"), ("outcome", "answer")))] == 1
