"""The real server with the real slack-bolt, in front of a fake Slack Web API.

Shared by the Slack server tests: one running bot (aiohttp test server on
127.0.0.1), a client that posts signed requests the way Slack does, and the
fake API that records what the bot sent back.
"""

from __future__ import annotations

import json
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
from tests.fakes.slack_api import FakeSlackApi, event_envelope, form, sign
from tests.harness import Clock

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test-token"
AGENT_CHANNEL = "C0AGENTS"

MATTI = ("U0MATTI", "Matti Meikäläinen", "matti.meikalainen@asiakas.fi")
ANNA = ("U0ANNA", "Anna Asiakas", "anna@asiakas.fi")
MAIJA = ("U0MAIJA", "Maija Virtanen", "maija.virtanen@econocap.example")
PEKKA = ("U0PEKKA", "Pekka Korhonen", "pekka.korhonen@econocap.example")
AGENTS = ", ".join(f"{name} <{email}>" for _, name, email in (MAIJA, PEKKA))


@dataclass
class SlackBot:
    """The running bot, the fake Slack API behind it, and a way to post to it as Slack."""

    app: App
    served: Served
    client: TestClient[Any, Any]
    api: FakeSlackApi
    secret: str = SECRET

    async def post(
        self, body: str, *, content_type: str, headers: Mapping[str, str] | None = None
    ) -> ClientResponse:
        sent = {"Content-Type": content_type, **sign(body, self.secret), **(headers or {})}
        return await self.client.post("/slack/events", data=body.encode(), headers=sent)

    async def event(
        self, event: Mapping[str, Any], *, team: str | None = None, **headers: str
    ) -> ClientResponse:
        envelope = event_envelope(event, **({"team": team} if team else {}))
        return await self.post(
            json.dumps(envelope), content_type="application/json", headers=headers
        )

    async def interact(self, payload: Mapping[str, Any]) -> ClientResponse:
        return await self.post(form(payload), content_type="application/x-www-form-urlencoded")

    async def settled(self) -> None:
        """Wait until the work started by the requests so far has finished."""
        await self.served.settled()


def slack_settings(database_url: str, api: FakeSlackApi, **extra: Any) -> Settings:
    settings = Settings(
        database_url=database_url,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_base_url=api.base_url,
        agents=AGENTS,
    )
    return replace(settings, **extra)


@asynccontextmanager
async def running_bot(
    settings: Settings, api: FakeSlackApi, clock: Clock, **start: Any
) -> AsyncIterator[SlackBot]:
    app = await start_app(settings, clock=clock, **start)
    web_app = web_application(app)
    try:
        async with TestServer(web_app, host="127.0.0.1") as server, TestClient(server) as client:
            yield SlackBot(app=app, served=web_app[SERVED], client=client, api=api)
    finally:
        await app.close()


def people(api: FakeSlackApi) -> None:
    for user_id, name, email in (MATTI, ANNA, MAIJA, PEKKA):
        api.add_user(user_id, name=name, email=email)
