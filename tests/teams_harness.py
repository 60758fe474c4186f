"""The real server with the real Agents SDK, in front of a fake of Microsoft's side.

One running bot (aiohttp test server on 127.0.0.1), a client that posts
activities with tokens signed the way Bot Framework signs them, and the fake
that publishes the keys, issues the bot's tokens and records the connector calls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.app.serving import start_app, web_application
from bot.core.settings import Settings
from bot.http import SERVED, Served
from tests.fakes.teams_api import APP_ID, TENANT, FakeTeams
from tests.harness import Clock

# Teams takes 200 or 202 as "arrived"; the SDK answers a message 202, an invoke 200.
ACK = (200, 202)
AGENT_CHANNEL = "19:agents@thread.tacv2"
CUSTOMER_CHANNEL = "19:shared-asiakas@thread.tacv2"
MATTI = ("29:matti", "Matti Meikäläinen", "matti.meikalainen@asiakas.fi")
MAIJA = ("29:maija", "Maija Virtanen", "maija.virtanen@econocap.example")
PEKKA = ("29:pekka", "Pekka Korhonen", "pekka.korhonen@econocap.example")
OUTSIDER = ("29:guest", "Gustav Gäst", "gustav@asiakas.fi")
OLLI = ("29:olli", "Olli Operaattori", "olli.operaattori@konepaja.example")
AGENTS = ", ".join(f"{name} <{email}>" for _, name, email in (MAIJA, PEKKA))


def who(person: tuple[str, str, str]) -> tuple[str, str]:
    return person[0], person[1]


@dataclass
class TeamsBot:
    """The running bot, the fake behind it, and a way to post to it as Teams does."""

    app: App
    served: Served
    client: TestClient[Any, Any]
    fake: FakeTeams

    async def post(self, activity: Mapping[str, Any], *, token: str | None = None,
                   headers: Mapping[str, str] | None = None) -> ClientResponse:  # fmt: skip
        bearer = token if token is not None else self.fake.token()
        sent = {"Authorization": f"Bearer {bearer}", **(headers or {})}
        return await self.client.post("/api/messages", json=dict(activity), headers=sent)

    async def settled(self) -> None:
        await self.served.settled()


def teams_settings(database_url: str, fake: FakeTeams, **extra: Any) -> Settings:
    settings = Settings(
        database_url=database_url,
        agents=AGENTS,
        teams_app_id=APP_ID,
        teams_app_password="app-password",
        teams_tenant_id=TENANT,
        teams_openid_metadata_url=f"{fake.base_url}/openid",
        teams_token_url=f"{fake.base_url}/token",
        teams_service_url=fake.service_url,
    )
    return replace(settings, **extra)


@asynccontextmanager
async def running_teams(settings: Settings, fake: FakeTeams, clock: Clock,
                        **start: Any) -> AsyncIterator[TeamsBot]:  # fmt: skip
    app = await start_app(settings, clock=clock, **start)
    web_app = web_application(app)
    try:
        async with TestServer(web_app, host="127.0.0.1") as server, TestClient(server) as client:
            yield TeamsBot(app=app, served=web_app[SERVED], client=client, fake=fake)
    finally:
        await app.close()


def people(fake: FakeTeams) -> None:
    for user_id, name, email in (MATTI, MAIJA, PEKKA, OUTSIDER, OLLI):
        fake.add_member(user_id, name=name, email=email)
