"""Teams acknowledgement latency: the bot's server against a bare Agents SDK app.

Run: .venv/bin/python bench/teams.py [N] [--concurrency C]

Both servers run in this process on 127.0.0.1 and verify every request's bearer
token (RS256, keys from the fake's JWKS). The bare app is the SDK's own hosting
as its samples set it up: ``jwt_authorization_middleware`` + ``CloudAdapter`` +
an ``ActivityHandler`` that does nothing, so it only acknowledges (its JWKS
address is pointed at the fake, and its connector factory hands out clients
without fetching tokens). The bot stores each activity in its inbox before it
answers, then runs the turn (engine, database, replies through the outbox to the
fake connector). Microsoft's side is the fake from the tests, on a thread of its
own. N personal-chat messages from N users writing for the first time (greeting,
answer with its feedback buttons; an answer asks no consent) are posted with
C in flight at once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402
from benchlib import QUESTIONS, Result, post_all  # noqa: E402
from microsoft_agents.hosting.aiohttp import (  # noqa: E402
    CloudAdapter,
    jwt_authorization_middleware,
)
from microsoft_agents.hosting.core import ActivityHandler  # noqa: E402
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration  # noqa: E402
from microsoft_agents.hosting.core.authorization.jwt import (  # noqa: E402
    jwt_token_validator,
)
from microsoft_agents.hosting.core.channel_service_client_factory_base import (  # noqa: E402
    ChannelServiceClientFactoryBase,
)
from microsoft_agents.hosting.core.connector.client import UserTokenClient  # noqa: E402
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient  # noqa: E402

from bot.app.serving import start_app, web_application  # noqa: E402
from bot.http import SERVED  # noqa: E402
from tests.conftest import fresh_postgres  # noqa: E402
from tests.fakes.teams_api import APP_ID, TENANT, FakeTeams, personal  # noqa: E402
from tests.teams_harness import teams_settings  # noqa: E402


def activities(service_url: str, n: int) -> list[dict[str, Any]]:
    return [personal(service_url, (f"29:bench{i:05d}", f"Bench {i}"), QUESTIONS[i % 4])
            for i in range(n)]  # fmt: skip


async def post_activities(url: str, items: list[dict[str, Any]], token: str,
                          concurrency: int) -> tuple[list[float], float]:  # fmt: skip
    """Post every activity as Teams would (a bearer token); each request's time to its answer."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = [json.dumps(item).encode() for item in items]
    return await post_all(url, bodies, [headers] * len(bodies), concurrency, accepted=(200, 202))


class _NoTokens(ChannelServiceClientFactoryBase):
    """Connector clients without an outbound token: the bare app never sends anything."""

    async def create_connector_client(self, context: Any, claims_identity: Any,
                                      service_url: str, audience: str, scopes: Any = None,
                                      use_anonymous: bool = False) -> Any:  # fmt: skip
        return TeamsConnectorClient(endpoint=service_url, token="")

    async def create_user_token_client(self, context: Any, claims_identity: Any,
                                       use_anonymous: bool = False) -> Any:  # fmt: skip
        return UserTokenClient(app_id=APP_ID, endpoint="https://token.invalid/", token="")


async def bare_sdk(fake: FakeTeams, items: list[dict[str, Any]], concurrency: int) -> Result:
    """The Agents SDK alone: JWT middleware, CloudAdapter, a handler that does nothing."""
    jwt_token_validator._build_jwks_uri = lambda *_: f"{fake.base_url}/keys"  # the fake's keys
    adapter = CloudAdapter(channel_service_client_factory=_NoTokens())
    agent = ActivityHandler()

    async def messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, agent)  # type: ignore[return-value]

    web_app = web.Application(middlewares=[jwt_authorization_middleware])
    web_app["agent_configuration"] = AgentAuthConfiguration(client_id=APP_ID, tenant_id=TENANT)
    web_app.router.add_post("/api/messages", messages)
    token = fake.token()
    async with TestServer(web_app, host="127.0.0.1") as server:
        url = str(server.make_url("/api/messages"))
        await post_activities(url, items[:1], token, 1)  # warm-up: the keys are cached after this
        latencies, seconds = await post_activities(url, items, token, concurrency)
    return Result("bare Agents SDK (ack)", latencies, seconds)


async def supportbot(fake: FakeTeams, items: list[dict[str, Any]], concurrency: int,
                     database_url: str | None = None) -> Result:  # fmt: skip
    with tempfile.TemporaryDirectory() as directory:
        database = database_url or f"sqlite:///{directory}/bench.db"
        if database.startswith("postgres"):
            await fresh_postgres(database)
        settings = teams_settings(database, fake)
        app = await start_app(settings)
        web_app = web_application(app)
        token = fake.token()
        try:
            async with TestServer(web_app, host="127.0.0.1") as server:
                url = str(server.make_url("/api/messages"))
                served = web_app[SERVED]
                warm = personal(fake.service_url, ("29:warm", "Warm"), QUESTIONS[0])
                await post_activities(url, [warm], token, 1)
                await served.settled()
                started = time.perf_counter()
                latencies, seconds = await post_activities(url, items, token, concurrency)
                await served.settled()
                handled = len(items) / (time.perf_counter() - started)
        finally:
            await app.close()
    backend = "PostgreSQL" if database.startswith("postgres") else "SQLite"
    return Result(f"supportbot ({backend})", latencies, seconds, handled)


@contextmanager
def fake_teams_elsewhere() -> Iterator[FakeTeams]:
    """The fake on its own event loop in its own thread, as Microsoft's side would be."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-teams", daemon=True)
    thread.start()
    fake = FakeTeams()
    asyncio.run_coroutine_threadsafe(fake.__aenter__(), loop).result()
    try:
        yield fake
    finally:
        asyncio.run_coroutine_threadsafe(fake.__aexit__(None, None, None), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


async def run(n: int, concurrency: int, database_url: str | None) -> list[Result]:
    results = []
    for bot in (False, True):
        with fake_teams_elsewhere() as fake:
            items = activities(fake.service_url, n)
            for item in items:
                user = item["from"]
                fake.add_member(user["id"], name=user["name"], email=f"{user['id'][3:]}@bench.fi")
            if not bot:
                results.append(await bare_sdk(fake, items, concurrency))
                continue
            results.append(await supportbot(fake, items, concurrency, database_url))
            answered = len(fake.posted())
            assert answered >= 2 * n, f"only {answered} replies for {n} messages"
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=200, help="messages to send (200)")
    parser.add_argument("--concurrency", type=int, default=10, help="requests in flight (10)")
    parser.add_argument("--database-url", help="the bot's database (default: a new SQLite "
                        "file); a PostgreSQL database given here is emptied first")  # fmt: skip
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    results = asyncio.run(run(args.n, args.concurrency, args.database_url))
    print(f"{args.n} personal-chat messages, {args.concurrency} in flight, 127.0.0.1, "
          "signed tokens, fake connector\n")  # fmt: skip
    header = f"{'':<24}{'ack median':>11}{'ack p99':>10}{'acks/s':>10}{'handled/s':>10}"
    print(header + "\n" + "-" * len(header))
    for result in results:
        print(result.row())
    print("\nms for latencies; handled/s = messages answered end to end (engine, DB, replies).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
