"""Two ``supportbot serve`` processes on one PostgreSQL database behind one fake Slack.

Slack and Teams customers' messages and clicks land on alternating processes (and
the platform's retry of a message on the other one); two agents on different
processes click "take" on every case at once. Every message is answered once, every
case card posted once, every case taken once, every due-time alert sent once, and
both processes did some work.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bot.app import App
from bot.core.settings import Settings
from bot.core.texts import Catalogue
from tests.cluster import KEY, Poster, ServeProcess, WatchedSlack, envelope, serve_env
from tests.conftest import POSTGRES_URL, fresh_postgres, needs_postgres
from tests.fakes.slack_api import ApiCall, click, dm_event
from tests.fakes.teams_api import APP_ID, TENANT, FakeTeams, personal
from tests.slack_harness import AGENT_CHANNEL, MAIJA, PEKKA, people
from tests.test_slack_desk import PROBLEM, is_card

pytestmark = needs_postgres

TEXTS = Catalogue.load()
QUESTION = "Mikä Java-versio Windchill 12:lle?"
CUSTOMERS = [(f"U0ASIAKAS{i}", f"Asiakas {i}", f"asiakas{i}@konepaja.example") for i in range(4)]
TEAMS_CUSTOMERS = [(f"29:asiakas{i}", f"Teams Asiakas {i}", f"tiimi{i}@konepaja.example")
                   for i in range(2)]  # fmt: skip
ALERT = TEXTS.get("fi", "desk.due_soon", case=0, due="x").split("#")[0]  # "Tapauksen "
_ts = itertools.count(1)


def button(prefix: str) -> Callable[[ApiCall], bool]:
    return lambda call: any(b["value"].startswith(prefix) for b in call.buttons())


@pytest.fixture
async def slack() -> AsyncIterator[WatchedSlack]:
    async with WatchedSlack() as api:
        people(api)
        for user_id, name, email in CUSTOMERS:
            api.add_user(user_id, name=name, email=email)
        yield api


@pytest.fixture
async def teams() -> AsyncIterator[FakeTeams]:
    async with FakeTeams() as fake:
        for user_id, name, email in TEAMS_CUSTOMERS:
            fake.add_member(user_id, name=name, email=email)
        yield fake


def teams_env(fake: FakeTeams) -> dict[str, str]:
    return {
        "TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "app-password", "TEAMS_TENANT_ID": TENANT,
        "TEAMS_OPENID_METADATA_URL": f"{fake.base_url}/openid",
        "TEAMS_TOKEN_URL": f"{fake.base_url}/token", "TEAMS_SERVICE_URL": fake.service_url,
    }  # fmt: skip


async def turns(session: ClientSession, process: ServeProcess) -> dict[str, float]:
    async with session.get(process.url("/metrics")) as response:
        body = await response.text()
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == "supportbot_turns_total":
                outcome = sample.labels["outcome"]
                counts[outcome] = counts.get(outcome, 0) + sample.value
    return counts


async def test_two_processes_share_one_database(
    slack: WatchedSlack, teams: FakeTeams, tmp_path: Path
) -> None:
    assert POSTGRES_URL
    await fresh_postgres(POSTGRES_URL)
    # The schema and the sample register first (as an administrator imports the register).
    app = await App.start(Settings(database_url=POSTGRES_URL, demo=True, secret_key=KEY))
    await app.close()
    env = serve_env(POSTGRES_URL, slack.base_url, tmp_path, SUPPORTBOT_ALERT_LEAD_MINUTES="100000",
                    **teams_env(teams))  # fmt: skip
    processes = list(await asyncio.gather(ServeProcess.start(env), ServeProcess.start(env)))
    try:
        async with ClientSession() as session:
            poster = Poster(session)
            await asyncio.gather(_journeys(slack, processes, poster),
                                 _teams_journeys(teams, processes, poster))  # fmt: skip
            await _settled(slack, processes, poster)
            counts = [await turns(session, p) for p in processes]
    finally:
        codes = [await p.stop() for p in processes]
    output = "".join(processes[0].output + processes[1].output)
    assert codes == [0, 0], output
    assert "Traceback" not in output, output
    # Four turns per Slack customer (problem, consent, urgency, new matter), one per Teams
    # customer, each handled once, and each process handled some.
    handled = [sum(v for k, v in c.items() if k != "duplicate") for c in counts]
    assert sum(handled) == 4 * len(CUSTOMERS) + len(TEAMS_CUSTOMERS), counts
    assert all(handled), counts
    await _database_agrees()


async def _journeys(api: WatchedSlack, processes: list[ServeProcess], poster: Poster) -> None:
    async def customer(index: int, user: str) -> None:
        turn = itertools.count(index)

        def next_process() -> ServeProcess:
            return processes[next(turn) % 2]

        dm = f"D{user[1:]}"

        async def posted(where: Callable[[ApiCall], bool]) -> ApiCall:
            found = await api.wait_for("chat.postMessage", within=180,
                                       where=lambda c: c.args["channel"] == dm and where(c))
            return found[-1]

        # A problem report: consent is asked, the problem riding (sealed) in its button.
        first = envelope(dm_event(user, PROBLEM, ts=f"1795300000.{next(_ts):06d}"))
        await poster.event(next_process(), first)
        consent = await posted(button("consent:accept"))
        # Slack did not see the ack in time and retries, at the other process.
        await poster.event(next_process(), first, **{"X-Slack-Retry-Num": "1"})
        await poster.interact(next_process(), click(consent, "consent:accept", user=user))
        urgency = await posted(button("urgency:2"))
        await poster.interact(next_process(), click(urgency, "urgency:2", user=user))
        existing = await posted(button("existing:new"))
        await poster.interact(next_process(), click(existing, "existing:new", user=user))
        await posted(lambda c: "Tukipyyntösi #" in c.text)

    await asyncio.gather(*(customer(i, c[0]) for i, c in enumerate(CUSTOMERS)))
    cases = len(CUSTOMERS)
    cards = await api.wait_for("chat.postMessage", where=is_card, count=cases, within=180)
    # Every case is due within the (huge) alert lead: each is alerted, by one process.
    await api.wait_for("chat.postMessage", count=cases, within=180,
                       where=lambda c: c.args["channel"] == AGENT_CHANNEL and ALERT in c.text)
    # Two agents on different processes take every case at the same moment.
    for card in cards:
        take = card.buttons()[0]["value"]
        await asyncio.gather(
            poster.interact(processes[0], click(card, take, user=MAIJA[0])),
            poster.interact(processes[1], click(card, take, user=PEKKA[0])),
        )
    whispers = await api.wait_for("chat.postEphemeral", count=2 * cases, within=180)
    took = [w for w in whispers if "Otit tapauksen" in w.args["text"]]
    assert len(took) == cases, [w.args["text"] for w in whispers]
    await api.wait_for("chat.postMessage", count=cases, within=180,
                       where=lambda c: c.args["channel"].startswith("D") and "liittyi" in c.text)
    await _settled(api, processes, poster)
    for user, _, _ in CUSTOMERS:
        said = [c.text for c in api.posted(lambda c, u=user: c.args["channel"] == f"D{u[1:]}")]
        for once in ("Välitän asian mielelläni", "Kuinka kiireellinen", "Tukipyyntösi #",
                     "liittyi"):  # fmt: skip
            assert sum(once in t for t in said) == 1, (once, said)
    agents = [c.text for c in api.posted(lambda c: c.args["channel"] == AGENT_CHANNEL)]
    assert len(api.posted(is_card)) == cases
    assert sum(ALERT in t and "käsittelytavoite" in t for t in agents) == cases


async def _teams_journeys(fake: FakeTeams, processes: list[ServeProcess], poster: Poster) -> None:
    """Teams customers: a question on one process and its retry on the other, answered
    once (an answer asks no consent: nothing is stored for it)."""

    async def customer(index: int, person: tuple[str, str, str]) -> None:
        user = (person[0], person[1])
        chat = f"a:personal-{person[0].split(':')[-1]}"

        def answer(call: object) -> bool:
            return getattr(call, "conversation", None) == chat and (
                "support.ptc.com/help/windchill" in call.all_text()  # type: ignore[attr-defined]
            )

        question = personal(fake.service_url, user, QUESTION)
        await poster.activity(processes[index % 2], question, fake.token())
        await fake.wait_for("POST", where=answer, within=180)
        await poster.activity(processes[(index + 1) % 2], question, fake.token())  # a retry
        await poster.activity(processes[index % 2], question, fake.token())  # and another

    await asyncio.gather(*(customer(i, c) for i, c in enumerate(TEAMS_CUSTOMERS)))


async def _settled(api: WatchedSlack, processes: list[ServeProcess], poster: Poster) -> None:
    """Until both processes report an empty inbox and outbox (polled, bounded)."""
    async with asyncio.timeout(180):
        while True:
            depths = []
            for process in processes:
                async with poster.session.get(process.url("/metrics")) as response:
                    for family in text_string_to_metric_families(await response.text()):
                        if family.name in ("supportbot_inbox_depth", "supportbot_outbox_depth"):
                            depths.append(family.samples[0].value)
            if not any(depths):
                return
            await asyncio.sleep(0.2)


async def _database_agrees() -> None:
    assert POSTGRES_URL
    app = await App.start(Settings(database_url=POSTGRES_URL, secret_key=KEY), knowledge=False)
    try:
        async with app.database.sessions() as session:
            rows = (await session.execute(text("SELECT state, holder FROM cases"))).all()
            undelivered = await session.scalar(
                text("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")
            )
    finally:
        await app.close()
    assert len(rows) == len(CUSTOMERS)
    assert all(state == "taken" and holder in (MAIJA[2], PEKKA[2]) for state, holder in rows)
    assert undelivered == 0
