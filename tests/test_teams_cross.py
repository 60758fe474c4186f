"""Across platforms: a customer in Teams served by agents in Slack, and a customer in
Slack served by agents in Teams. One real server with both SDKs, both fakes; the relay
is the engine's, each channel only renders.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.channels.slack.marks import TAKE_ACTION
from bot.channels.teams.desk import TAKE_VERB
from tests.fakes.slack_api import ApiCall, FakeSlackApi, click, dm_event
from tests.fakes.teams_api import Call, FakeTeams, channel_post, execute, personal
from tests.harness import Clock, all_rows
from tests.slack_harness import AGENT_CHANNEL as SLACK_AGENTS
from tests.slack_harness import MAIJA as SLACK_MAIJA
from tests.slack_harness import SECRET, TOKEN, SlackBot
from tests.slack_harness import people as slack_people
from tests.teams_harness import ACK, TeamsBot, running_teams, teams_settings, who
from tests.teams_harness import AGENT_CHANNEL as TEAMS_AGENTS
from tests.teams_harness import MAIJA as TEAMS_MAIJA
from tests.teams_harness import OLLI as TEAMS_OLLI
from tests.teams_harness import people as teams_people

SLACK_OLLI = ("U0OLLI", "Olli Operaattori", "olli.operaattori@konepaja.example")
PROBLEM = "Creo kaatuu aina kun avaan ison kokoonpanon"
TEAMS_CHAT = "a:personal-olli"
SLACK_DM = "D0OLLI"


@dataclass
class Both:
    teams: TeamsBot
    slack: SlackBot

    async def settled(self) -> None:
        await self.teams.settled()


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeTeams, FakeSlackApi]]:
    async with FakeTeams() as fake, FakeSlackApi() as api:
        teams_people(fake)
        slack_people(api)
        api.add_user(SLACK_OLLI[0], name=SLACK_OLLI[1], email=SLACK_OLLI[2])
        yield fake, api


@pytest.fixture
def clock_at_ten(clock: Clock) -> Clock:
    clock.now = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Tuesday 10:00 in Helsinki
    return clock


async def running(database_url: str, fakes: tuple[FakeTeams, FakeSlackApi], clock: Clock,
                  **agents: Any) -> AsyncIterator[Both]:  # fmt: skip
    fake, api = fakes
    settings = replace(
        teams_settings(database_url, fake, demo=True), slack_bot_token=TOKEN,
        slack_signing_secret=SECRET, slack_api_base_url=api.base_url, **agents,
    )  # fmt: skip
    async with running_teams(settings, fake, clock) as teams:
        yield Both(teams, SlackBot(app=teams.app, served=teams.served, client=teams.client,
                                   api=api))  # fmt: skip


@pytest.fixture
async def teams_customer(database_url: str, fakes: tuple[FakeTeams, FakeSlackApi],
                         clock_at_ten: Clock) -> AsyncIterator[Both]:  # fmt: skip
    async for both in running(database_url, fakes, clock_at_ten, slack_agent_channel=SLACK_AGENTS):
        yield both


@pytest.fixture
async def slack_customer(database_url: str, fakes: tuple[FakeTeams, FakeSlackApi],
                         clock_at_ten: Clock) -> AsyncIterator[Both]:  # fmt: skip
    async for both in running(database_url, fakes, clock_at_ten, teams_agent_channel=TEAMS_AGENTS):
        yield both


# --- a customer in Teams ------------------------------------------------------------


async def teams_say(both: Both, text: str) -> None:
    fake = both.teams.fake
    assert (await both.teams.post(personal(fake.service_url, who(TEAMS_OLLI), text))).status in ACK
    await both.settled()


async def teams_press(both: Both, prefix: str) -> None:
    fake = both.teams.fake
    await fake.wait_for("POST", where=lambda c: c.conversation == TEAMS_CHAT and any(
        str(a["data"].get("tuki", "")).startswith(prefix) for a in c.actions()))
    for call in reversed(fake.posted(lambda c: c.conversation == TEAMS_CHAT)):
        for action in call.actions():
            if str(action["data"].get("tuki", "")).startswith(prefix):
                activity = execute(fake.service_url, who(TEAMS_OLLI), call, action)
                assert (await both.teams.post(activity)).status in ACK
                await both.settled()
                return
    raise AssertionError(f"no button {prefix!r}")


def teams_chat(fake: FakeTeams) -> list[str]:
    return [c.all_text() for c in fake.posted(lambda c: c.conversation == TEAMS_CHAT)]


async def test_a_customer_in_teams_is_served_by_agents_in_slack(teams_customer: Both) -> None:
    both, api, fake = teams_customer, teams_customer.slack.api, teams_customer.teams.fake
    await teams_say(both, "Mikä Java-versio Windchill 12:lle?")
    await teams_press(both, "consent:accept")
    await teams_say(both, PROBLEM)
    await teams_press(both, "urgency:2")
    await teams_press(both, "existing:new")

    def is_card(c: ApiCall) -> bool:
        return c.args["channel"] == SLACK_AGENTS and bool(c.args.get("metadata"))

    (card,) = await api.wait_for("chat.postMessage", where=is_card)
    assert "Konepaja Esimerkki Oy" in str(card.blocks) and TEAMS_OLLI[1] in str(card.blocks)
    assert not fake.posted(lambda c: "@thread" in c.conversation), "no Teams agents' channel"

    # A Slack agent takes it; the Teams customer hears who joined.
    await both.slack.interact(click(card, "1", user=SLACK_MAIJA[0], action_id=TAKE_ACTION))
    await both.settled()
    assert any("Maija" in t and "liittyi" in t for t in teams_chat(fake))

    # Replies both ways: the Slack thread to the Teams chat, the Teams chat to the thread.
    card_ts = str(card.answer["ts"])
    reply = {"type": "message", "channel": SLACK_AGENTS, "channel_type": "channel",
             "user": SLACK_MAIJA[0], "text": "Kokeile asetusta regen_layout_w_assem_fail",
             "ts": "1795100000.900001", "thread_ts": card_ts, "team": "T0ECONO"}  # fmt: skip
    assert (await both.slack.event(reply)).status == 200
    await both.settled()
    assert any("regen_layout_w_assem_fail" in t for t in teams_chat(fake))
    await teams_say(both, "Kokoonpanossa on noin 4000 osaa")
    await api.wait_for("chat.postMessage", where=lambda c: c.args.get("thread_ts") == card_ts
                       and "4000 osaa" in c.text)  # fmt: skip


# --- a customer in Slack --------------------------------------------------------------

_ts = iter(range(1, 10_000))


async def slack_say(both: Both, text: str) -> None:
    event = dm_event(SLACK_OLLI[0], text, ts=f"1795200000.{next(_ts):06d}")
    assert (await both.slack.event(event)).status == 200
    await both.settled()


async def slack_press(both: Both, prefix: str) -> None:
    def offers(c: ApiCall) -> bool:
        return c.args["channel"] == SLACK_DM and any(
            b["value"].startswith(prefix) for b in c.buttons())

    await both.slack.api.wait_for("chat.postMessage", where=offers)
    for call in reversed(both.slack.api.posted(lambda c: c.args["channel"] == SLACK_DM)):
        for button in call.buttons():
            if button["value"].startswith(prefix):
                payload = click(call, button["value"], user=SLACK_OLLI[0])
                assert (await both.slack.interact(payload)).status == 200
                await both.settled()
                return
    raise AssertionError(f"no button {prefix!r}")


async def test_a_customer_in_slack_is_served_by_agents_in_teams(slack_customer: Both) -> None:
    both, api, fake = slack_customer, slack_customer.slack.api, slack_customer.teams.fake
    await slack_say(both, "Mikä Java-versio Windchill 12:lle?")
    await slack_press(both, "consent:accept")
    await slack_say(both, PROBLEM)
    await slack_press(both, "urgency:2")
    await slack_press(both, "existing:new")

    def is_card(c: Call) -> bool:
        return c.conversation == TEAMS_AGENTS and c.card is not None

    (card,) = await fake.wait_for("POST", where=is_card)
    assert "Konepaja Esimerkki Oy" in card.all_text() and SLACK_OLLI[1] in card.all_text()

    # A Teams agent takes it; the Slack customer hears who joined.
    take = next(a for a in card.actions() if a.get("verb") == TAKE_VERB)
    thread = f"{TEAMS_AGENTS};messageid={card.answer_id}"
    response = await both.teams.post(execute(fake.service_url, who(TEAMS_MAIJA), card, take,
                                             conversation={"id": thread,
                                                           "conversationType": "channel"}))
    assert response.status in ACK
    await both.settled()
    (case,) = (await all_rows(both.teams.app))["cases"]
    assert case["holder"] == TEAMS_MAIJA[2]
    dm = lambda c: c.args["channel"] == SLACK_DM  # noqa: E731
    assert any("Maija" in c.text and "liittyi" in c.text for c in api.posted(dm))

    # Replies both ways: the Teams thread to the Slack DM, the Slack DM to the thread.
    post = channel_post(fake.service_url, who(TEAMS_MAIJA), "Päivitä näytönohjaimen ajuri",
                        channel=TEAMS_AGENTS, root=card.answer_id, mention=False)  # fmt: skip
    assert (await both.teams.post(post)).status in ACK
    await both.settled()
    assert any("näytönohjaimen ajuri" in c.text for c in api.posted(dm))
    await slack_say(both, "Kokoonpanossa on noin 4000 osaa")
    await fake.wait_for("POST", where=lambda c: c.conversation == thread and "4000" in c.text)
