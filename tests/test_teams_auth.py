"""Who may talk to the bot in Teams: tokens checked as Bot Framework specifies (forged,
expired, wrong audience or issuer, unknown or rotated keys, endorsements), tenants
allowed, hostile activities answered without a 5xx, and the server without Teams
settings. Real server, real SDK, fakes of Microsoft's endpoints.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import AsyncIterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.app.serving import mounts
from bot.channels.teams.mount import TeamsMount
from bot.core.settings import Settings
from bot.core.texts import Catalogue
from tests.fakes.teams_api import (
    OTHER_TENANT,
    TENANT,
    Call,
    FakeTeams,
    channel_post,
    personal,
)
from tests.harness import Clock, all_rows
from tests.teams_harness import (
    ACK,
    CUSTOMER_CHANNEL,
    MATTI,
    TeamsBot,
    people,
    running_teams,
    teams_settings,
    who,
)

TEXTS = Catalogue.load()
QUESTION = "Mikä Java-versio Windchill 12:lle?"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTeams]:
    async with FakeTeams() as fake:
        people(fake)
        yield fake


@pytest.fixture
async def bot(database_url: str, fake: FakeTeams, clock: Clock) -> AsyncIterator[TeamsBot]:
    async with running_teams(teams_settings(database_url, fake), fake, clock) as bot:
        yield bot


def consent_card(call: Call) -> bool:
    return any(a["data"].get("tuki") == "consent:accept" for a in call.actions())


async def test_another_tenant_is_answered_and_ignored(bot: TeamsBot) -> None:
    before = await all_rows(bot.app)
    foreign = personal(bot.fake.service_url, who(MATTI), QUESTION, tenant=OTHER_TENANT)
    assert (await bot.post(foreign)).status in ACK
    await bot.settled()
    assert bot.fake.calls == [] and await all_rows(bot.app) == before


async def test_bad_tokens_are_refused_and_change_nothing(bot: TeamsBot) -> None:
    fake = bot.fake
    activity = personal(fake.service_url, who(MATTI), QUESTION)
    before = await all_rows(bot.app)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tokens = {
        "forged": fake.token(key=stranger),
        "expired": fake.token(lifetime=-600),
        "wrong audience": fake.token(audience="someone-else"),
        "wrong issuer": fake.token(issuer="https://evil.example"),
        "unknown key": fake.token(kid="no-such-key"),
        "other service": fake.token(service_url="https://elsewhere.example/teams/"),
        "garbage": "not.a.token",
        "none": "",
    }
    for reason, token in tokens.items():
        response = await bot.post(activity, token=token)
        assert response.status == 401, reason
    not_a_url = {**activity, "serviceUrl": "not a url"}
    assert (await bot.post(not_a_url)).status == 401, "the token names another service"
    # Verified before parsed: a body that is not even JSON still gets 401 without a token.
    unsigned = await bot.client.post("/api/messages", data=b"{not json")
    assert unsigned.status == 401
    await bot.settled()
    assert fake.calls == [] and await all_rows(bot.app) == before


async def test_a_rotated_key_is_fetched_once_when_a_token_names_it(bot: TeamsBot) -> None:
    fake = bot.fake
    assert (await bot.post(personal(fake.service_url, who(MATTI), "Hei"))).status in ACK
    fetched = fake.key_fetches
    fake.rotate("key-2")
    second = personal(fake.service_url, who(MATTI), "Hei taas")
    # Made-up key ids cannot make the bot fetch keys on every request: once a minute.
    assert (await bot.post(second)).status == 401
    assert fake.key_fetches == fetched
    mount = bot.served.mount("teams")
    assert isinstance(mount, TeamsMount) and mount.auth is not None
    mount.auth.min_refetch = 0.0  # as if that minute had passed
    responses = await asyncio.gather(*(bot.post(second) for _ in range(5)))
    assert all(r.status in ACK for r in responses)
    assert fake.key_fetches == fetched + 1, "one fetch for many waiting requests"
    # A key endorsed for other channels only does not sign Teams' activities.
    fake.rotate("webchat-key", endorsed=("webchat",))
    refused = await bot.post(personal(fake.service_url, who(MATTI), "Hei kolmannen kerran"))
    assert refused.status == 401


def mutations(activity: dict[str, object], seed: int) -> list[dict[str, object]]:
    """Valid-token activities with fields dropped or replaced by values of the wrong kind."""
    odd: list[object] = [None, "", 0, -1, 1.5, True, [], {}, ["x"], {"id": None}, "x" * 5000,
                         "\x00", {"id": ""}, [{"type": "mention"}]]  # fmt: skip
    chosen = random.Random(seed)
    variants = []
    for _ in range(120):
        changed = json.loads(json.dumps(activity))
        for _ in range(chosen.randint(1, 3)):
            path = chosen.choice([("type",), ("id",), ("text",), ("from",), ("conversation",),
                                  ("recipient",), ("entities",), ("value",), ("name",),
                                  ("channelData",), ("replyToId",), ("conversation", "id"),
                                  ("conversation", "conversationType"), ("from", "id"),
                                  ("channelData", "tenant"), ("conversation", "tenantId")])
            target = changed
            for key in path[:-1]:
                target = target.setdefault(key, {}) if isinstance(target, dict) else {}
            if isinstance(target, dict):
                if chosen.random() < 0.3:
                    target.pop(path[-1], None)
                else:
                    target[path[-1]] = chosen.choice(odd)
        changed["type"] = changed.get("type") if chosen.random() < 0.7 else chosen.choice(
            ["invoke", "message", "conversationUpdate", "event"])  # fmt: skip
        variants.append(changed)
    return variants


async def test_odd_activities_with_a_valid_token_never_get_a_5xx(bot: TeamsBot) -> None:
    fake = bot.fake
    base = channel_post(fake.service_url, who(MATTI), "Hei", channel=CUSTOMER_CHANNEL)
    base["value"] = {"action": {"verb": "tuki.button", "data": {"tuki": "consent:accept"}}}
    statuses = []
    for variant in mutations(base, seed=10) + mutations(personal(fake.service_url,
                                                                 who(MATTI), "Hei"), seed=11):
        statuses.append((await bot.post(variant)).status)
    assert all(status < 500 for status in statuses), sorted(set(statuses))
    await bot.settled()


def test_without_teams_settings_the_server_says_so_in_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.channels.teams.mount"):
        found = mounts(Settings(database_url="sqlite://", teams_app_id="only-the-id"))
    assert [m.name for m in found] == []
    (line,) = [r for r in caplog.records if r.name == "bot.channels.teams.mount"]
    assert "teams off" in line.getMessage() and "TEAMS_APP_PASSWORD" in line.getMessage()


async def test_health_names_teams(bot: TeamsBot) -> None:
    response = await bot.client.get("/healthz")
    assert response.status in ACK
    assert (await response.json())["teams"] == "http"


async def test_a_guest_from_another_tenant_in_a_shared_channel_needs_their_tenant_allowed(
    database_url: str, fake: FakeTeams, clock: Clock
) -> None:
    guest = channel_post(fake.service_url, who(MATTI), "Which JDK does Windchill need?",
                         channel=CUSTOMER_CHANNEL)  # fmt: skip
    guest["from"]["tenantId"] = OTHER_TENANT  # the host's channel, the guest's own tenant
    async with running_teams(teams_settings(database_url, fake), fake, clock) as bot:
        assert (await bot.post(guest)).status in ACK
        await bot.settled()
        assert fake.calls == [], "their tenant is not allowed"
    allowed = teams_settings(database_url, fake, teams_allowed_tenants=f"{TENANT},{OTHER_TENANT}")
    async with running_teams(allowed, fake, clock) as bot:
        assert (await bot.post(guest)).status in ACK
        await fake.wait_for("POST", where=consent_card)
