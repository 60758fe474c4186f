"""The hand-over end to end through the real engine, desk and database, with a
controllable clock: service hours, entitlement, the queue, agents and relay."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest

from bot.app import App
from bot.core.settings import DEMO_AGENTS, Settings
from bot.core.state import Phase
from bot.core.texts import Catalogue
from bot.desk.commands import DeskError, DeskErrorCode
from tests.harness import Chat, Clock, all_rows

MAIJA = "maija.virtanen@econocap.example"
PEKKA = "pekka.korhonen@econocap.example"
DESKTOP_USER = "olli.operaattori@konepaja.example"  # Konepaja: Creo and Windchill contracts
NAMED_WINDCHILL = "maija.paakayttaja@konepaja.example"
EXPIRED_USER = "eero.entinen@vanhasopimus.example"
NO_CREO_USER = "tuomas.tehdas@tehdas-demo.example"
TEXTS = Catalogue.load()


def at(text: str) -> datetime:
    """A Helsinki wall-clock time as an aware UTC instant (winter time, UTC+2)."""
    return datetime.fromisoformat(text + "+02:00").astimezone(UTC)


@pytest.fixture
async def desk_app(database_url: str, clock: Clock):
    settings = Settings(database_url=database_url, agents=DEMO_AGENTS, demo=True)
    app = await App.start(settings, clock=clock)
    yield app
    await app.close()


async def consented(app: App, user: str, conversation: str) -> Chat:
    chat = Chat(
        app, user=user, name=user.split("@")[0].replace(".", " ").title(), conversation=conversation
    )
    await chat.say("Mikä Java-versio Windchill 12:lle?")
    await chat.consent()
    return chat


async def open_case(
    app: App,
    user: str = DESKTOP_USER,
    conversation: str = "dm-case",
    urgency: int = 2,
    problem: str = "Creo kaatuu aina kun avaan ison kokoonpanon",
) -> Chat:
    chat = await consented(app, user, conversation)
    await chat.say(problem)
    assert "urgency:1" in chat.buttons(), chat.text
    await chat.click(f"urgency:{urgency}")
    await chat.click("existing:new")
    return chat


async def outbox(app: App) -> list[dict]:
    rows = (await all_rows(app))["outbox"]
    return [
        {**row, "payload": json.loads(row["payload"]), "address": json.loads(row["address"])}
        for row in rows
    ]


def to_customer(rows: list[dict]) -> list[str]:
    return [r["payload"]["replies"][0]["text"] for r in rows if r["recipient"] == "customer"]


async def test_inside_hours_the_customer_gets_queue_place_and_target(desk_app, clock):
    clock.now = at("2026-11-24T10:00")  # Tuesday
    chat = await open_case(desk_app)
    assert "sijalla 1" in chat.text and "tänään klo 12" in chat.text, chat.text
    [case] = (await all_rows(desk_app))["cases"]
    assert case["product"] == "Creo" and case["urgency"] == 2 and case["state"] == "queued"
    assert case["description"] == "Creo kaatuu aina kun avaan ison kokoonpanon"
    assert (
        case["entitlement"] == "entitled" and case["organisation_name"] == "Konepaja Esimerkki Oy"
    )
    assert case["due_at"].replace(tzinfo=UTC) == at("2026-11-24T12:00")
    messages = (await all_rows(desk_app))["messages"]
    assert messages and all(m["case_id"] == case["id"] for m in messages), (
        "transcript goes with the case"
    )
    opened = [
        r
        for r in await outbox(desk_app)
        if r["payload"].get("event", {}).get("kind") == "case_opened"
    ]
    assert sorted(r["address"]["agent"] for r in opened) == [MAIJA, PEKKA]
    lines = opened[0]["payload"]["event"]["lines"]
    assert any("Creo kaatuu" in line for line in lines), "the agents get the transcript"
    assert not any("Mikä Java-versio" in line for line in lines), "nothing from before consent"


async def test_outside_hours_the_customer_hears_the_next_opening_and_the_phone(desk_app, clock):
    clock.now = at("2026-11-28T11:00")  # Saturday
    chat = await open_case(desk_app)
    assert "maanantaina 30.11. klo 8" in chat.text
    assert (
        desk_app.settings.support_phone in chat.text
        and desk_app.settings.support_email in chat.text
    )
    [case] = (await all_rows(desk_app))["cases"]
    assert case["due_at"].replace(tzinfo=UTC) == at("2026-11-30T10:00")


async def test_on_christmas_eve_the_case_waits_for_the_next_working_day(desk_app, clock):
    clock.now = at("2026-12-24T10:00")  # Thursday, Christmas Eve
    chat = await open_case(desk_app)
    assert "maanantaina 28.12. klo 8" in chat.text, chat.text
    [case] = (await all_rows(desk_app))["cases"]
    assert case["due_at"].replace(tzinfo=UTC) == at("2026-12-28T10:00")


async def test_just_before_closing_the_target_rolls_to_the_next_morning(desk_app, clock):
    clock.now = at("2026-11-24T15:30")
    chat = await open_case(desk_app)
    assert "huomenna klo 9.30" in chat.text, chat.text


async def test_the_queue_serves_urgency_first_then_arrival(desk_app, clock):
    clock.now = at("2026-11-24T09:00")
    await open_case(desk_app, conversation="first", urgency=3)
    clock.advance(minutes=5)
    await open_case(desk_app, conversation="second", urgency=1)
    clock.advance(minutes=5)
    third = await open_case(desk_app, conversation="third", urgency=3)
    assert "sijalla 3" in third.text
    queue = await desk_app.desk.queue(MAIJA)
    assert [(c.urgency, c.arrived_at.astimezone(UTC)) for c in queue] == [
        (1, at("2026-11-24T09:05")),
        (3, at("2026-11-24T09:00")),
        (3, at("2026-11-24T09:10")),
    ]


@pytest.mark.parametrize(
    ("user", "problem", "expected"),
    [
        (
            "liisa.kayttaja@konepaja.example",
            "Windchill antaa virheen 500 kirjautumisen jälkeen",
            "Maija Pääkäyttäjä",
        ),
        (EXPIRED_USER, "Creo kaatuu aina kun avaan ison kokoonpanon", "päättyi 31.12.2024"),
        (NO_CREO_USER, "Creo kaatuu aina kun avaan ison kokoonpanon", "ei ole kanssamme voimassa"),
        (
            "someone@unknown-company.example",
            "Creo kaatuu aina kun avaan ison kokoonpanon",
            "En löytänyt organisaatiotanne",
        ),
    ],
)
async def test_not_entitled_users_are_told_why_and_nothing_is_queued(
    desk_app, user, problem, expected
):
    chat = await consented(desk_app, user, "dm-refused")
    await chat.say(problem)
    assert expected in chat.text
    assert "urgency:1" not in chat.buttons(), "refused before any further question"
    assert (await all_rows(desk_app))["cases"] == []
    replies = await chat.say("Mitä tietokantoja Windchill tukee?")
    assert any(r.kind.value == "answer" for r in replies), "the knowledge base still works"


async def test_a_named_contact_may_open_a_system_product_case(desk_app, clock):
    clock.now = at("2026-11-24T10:00")
    await open_case(
        desk_app, user=NAMED_WINDCHILL, problem="Windchill gives an error 500 after login"
    )
    [case] = (await all_rows(desk_app))["cases"]
    assert case["product"] == "Windchill" and case["entitlement"] == "entitled"


async def test_the_bot_asks_for_the_product_when_it_does_not_know_it(desk_app, clock):
    clock.now = at("2026-11-24T10:00")
    chat = await consented(desk_app, DESKTOP_USER, "dm-ask")
    await chat.say("Haluan puhua ihmisen kanssa")
    assert "product:Creo" in chat.buttons()
    await chat.click("product:Creo")
    await chat.click("urgency:3")
    assert chat.text == TEXTS.get("fi", "handover.ask_description")
    await chat.say("Piirustusten tulostus jumittaa, versio 10.0 M050")
    await chat.click("existing:old")
    await chat.say("C1234567")
    [case] = (await all_rows(desk_app))["cases"]
    assert case["existing_reference"] == "C1234567" and case["urgency"] == 3


async def test_two_agents_racing_for_one_case_exactly_one_wins(desk_app, clock):
    clock.now = at("2026-11-24T10:00")
    await open_case(desk_app)
    [case] = (await all_rows(desk_app))["cases"]
    results = await asyncio.gather(
        desk_app.desk.take(MAIJA, case["id"]),
        desk_app.desk.take(PEKKA, case["id"]),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, DeskError)]
    assert len(winners) == 1 and len(losers) == 1
    winner = winners[0].card.holder
    assert losers[0].code is DeskErrorCode.TAKEN
    other_name = "Maija Virtanen" if winner == MAIJA else "Pekka Korhonen"
    assert other_name in str(losers[0])
    [case] = (await all_rows(desk_app))["cases"]
    assert case["holder"] == winner and case["state"] == "taken"


async def test_relay_both_ways_notes_stay_internal_and_close(desk_app, clock):
    clock.now = at("2026-11-24T10:00")
    chat = await open_case(desk_app)
    [case] = (await all_rows(desk_app))["cases"]
    await desk_app.desk.take(MAIJA, case["id"])
    assert any("Maija Econocapin tuesta liittyi" in t for t in to_customer(await outbox(desk_app)))
    replies = await chat.say("Kokoonpanossa on noin 4000 osaa")
    assert replies == [], "the bot stays quiet while an agent holds the case"
    relayed = [
        r
        for r in await outbox(desk_app)
        if r["payload"].get("event", {}).get("kind") == "customer_said"
    ]
    assert [r["address"] for r in relayed] == [{"agent": MAIJA}]
    assert "4000 osaa" in relayed[0]["payload"]["event"]["lines"][0]
    await desk_app.desk.reply(MAIJA, case["id"], "Kokeile asetusta regen_layout_w_assem_fail")
    await desk_app.desk.note(MAIJA, case["id"], "Tuttu vika, SPR123456")
    texts = to_customer(await outbox(desk_app))
    assert "Maija: Kokeile asetusta regen_layout_w_assem_fail" in texts
    assert not any("SPR123456" in t for t in texts), "a note never reaches the customer"
    await desk_app.desk.set_urgency(MAIJA, case["id"], 1)
    await desk_app.desk.transfer(MAIJA, case["id"], PEKKA)
    with pytest.raises(DeskError):
        await desk_app.desk.reply(MAIJA, case["id"], "I no longer hold it")
    await desk_app.desk.close(PEKKA, case["id"], "Asetus korjasi kaatumisen")
    texts = to_customer(await outbox(desk_app))
    assert any("Asiaasi hoitaa nyt Pekka" in t for t in texts)
    assert any("Ratkaisu: Asetus korjasi kaatumisen" in t for t in texts)
    transcript = [
        (m.direction.value, m.text) for m in await desk_app.desk.transcript(PEKKA, case["id"])
    ]
    assert ("customer", "Kokoonpanossa on noin 4000 osaa") in transcript
    assert ("agent", "Kokeile asetusta regen_layout_w_assem_fail") in transcript
    assert ("note", "Maija Virtanen: Tuttu vika, SPR123456") in transcript
    replies = await chat.say("Mitä tietokantoja Windchill tukee?")
    assert any(r.kind.value == "answer" for r in replies), "after closing the bot answers again"


async def test_hand_back_returns_the_chat_to_the_bot(desk_app, clock):
    clock.now = at("2026-11-24T10:00")
    chat = await open_case(desk_app)
    [case] = (await all_rows(desk_app))["cases"]
    await desk_app.desk.take(PEKKA, case["id"])
    await desk_app.desk.hand_back(PEKKA, case["id"])
    assert any("palautti keskustelun minulle" in t for t in to_customer(await outbox(desk_app)))
    replies = await chat.say("Mitä tietokantoja Windchill tukee?")
    assert any(r.kind.value == "answer" for r in replies)
    [conversation] = [c for c in (await all_rows(desk_app))["conversations"] if c["phase"]]
    assert conversation["phase"] == Phase.ACTIVE.value


async def test_messages_while_queued_join_the_case_for_every_agent(desk_app, clock):
    clock.now = at("2026-11-24T10:00")
    chat = await open_case(desk_app)
    replies = await chat.say("Lisätieto: vika alkoi päivityksen jälkeen")
    assert "Lisäsin viestisi" in replies[0].text
    relayed = [
        r
        for r in await outbox(desk_app)
        if r["payload"].get("event", {}).get("kind") == "customer_said"
    ]
    assert sorted(r["address"]["agent"] for r in relayed) == [MAIJA, PEKKA]


async def test_non_agents_are_refused(desk_app):
    for call in (
        desk_app.desk.queue("matti@asiakas.fi"),
        desk_app.desk.take("matti@asiakas.fi", 1),
    ):
        with pytest.raises(DeskError) as refused:
            await call
        assert refused.value.code is DeskErrorCode.NOT_AGENT


async def test_due_alerts_are_sent_once_even_from_two_processes(desk_app, database_url, clock):
    clock.now = at("2026-11-24T10:00")
    await open_case(desk_app)
    other = await App.start(desk_app.settings, clock=clock)  # a second bot process
    try:
        assert await desk_app.alerts.check() == 0, "not yet near the target"
        clock.now = at("2026-11-24T11:45")  # target 12:00, alerts 30 min before
        counts = await asyncio.gather(desk_app.alerts.check(), other.alerts.check())
        assert sorted(counts) == [0, 1]
        assert await other.alerts.check() == 0
    finally:
        await other.close()
    alerts = [
        r for r in await outbox(desk_app) if r["payload"].get("event", {}).get("kind") == "due_soon"
    ]
    assert sorted(r["address"]["agent"] for r in alerts) == [MAIJA, PEKKA]
