"""Regressions for faults a code review found; each test failed before its fix."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import App
from bot.core.settings import DEMO_AGENTS, Settings
from bot.core.state import HandoverDraft
from bot.core.texts import Catalogue
from handlers import actions
from tests.harness import Chat, Clock, all_rows, rows_mentioning

TEXTS = Catalogue.load()
USER = "olli.operaattori@konepaja.example"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
async def desk_app(database_url: str, clock: Clock):
    app = await App.start(Settings(database_url=database_url, agents=DEMO_AGENTS, demo=True),
                          clock=clock)  # fmt: skip
    yield app
    await app.close()


async def consent(chat: Chat) -> None:
    await chat.say("Mikä Java-versio Windchill 12:lle?")
    await chat.consent()


async def test_erasure_from_another_conversation_erases_everything(app):
    first = Chat(app, conversation="dm")
    await consent(first)
    await first.say("Which JDK does Windchill need?")
    second = Chat(app, conversation="thread-in-a-channel")
    await second.say("Mitä tietokantoja Windchill tukee?")
    await second.say("Poista kaikki tietoni järjestelmästänne")
    replies = await second.click(actions.ERASE_YES)
    assert replies[0].text == TEXTS.get("fi", "privacy.erased")
    rows = await all_rows(app)
    assert rows["users"] == [] and rows["messages"] == [] and rows["consents"] == []
    assert all(c["user_id"] is None and c["address"] is None for c in rows["conversations"])
    assert await rows_mentioning(app, first.user, "Which JDK", "Mitä tietokantoja") == []


async def test_export_is_not_shown_in_a_shared_channel(app):
    shared = Chat(app, conversation="channel-thread", private=False)
    await consent(shared)
    replies = await shared.say("Send me a copy of the data you store about me")
    assert replies[0].text == TEXTS.get("en", "privacy.export_private_only")
    assert shared.user not in shared.text


async def test_a_version_number_is_not_read_as_urgency(desk_app, clock):
    clock.now = at("2026-11-24T10:00+02:00")
    chat = Chat(desk_app, user=USER)
    await consent(chat)
    await chat.say("Creo kaatuu aina kun avaan ison kokoonpanon")
    await chat.say("Creo 10 M050 tässä")
    assert chat.text == TEXTS.get("fi", "handover.urgency_unknown")
    await chat.say("2")
    assert "existing:new" in chat.buttons()


async def test_consent_given_on_the_handover_question_records_that_text(desk_app):
    chat = Chat(desk_app, user=USER)
    await chat.say("Haluan puhua ihmisen kanssa")
    await chat.click(actions.CONSENT_ACCEPT)
    [consent_row] = (await all_rows(desk_app))["consents"]
    extra = {
        "phone": desk_app.settings.support_phone,
        "email": desk_app.settings.support_email,
        "sales": desk_app.settings.sales_contact,
        "support_email": desk_app.settings.support_email,
    }
    shown = TEXTS.version("fi", "consent_text.needed_for_handover", **extra)
    assert consent_row["text_fingerprint"] == shown != TEXTS.version("fi", "consent_text.question")


async def test_privacy_requests_work_while_a_case_is_queued(desk_app, clock):
    clock.now = at("2026-11-24T10:00+02:00")
    chat = Chat(desk_app, user=USER)
    await consent(chat)
    await chat.say("Creo kaatuu aina kun avaan ison kokoonpanon")
    await chat.click("urgency:3")
    await chat.click("existing:new")
    replies = await chat.say("Poista kaikki tietoni järjestelmästänne")
    assert replies[0].text == TEXTS.get("fi", "privacy.erase_confirm")
    relayed = [r for r in (await all_rows(desk_app))["outbox"] if "Poista kaikki" in r["payload"]]
    assert relayed == [], "a privacy request is not relayed to the agents"


async def test_contracts_end_on_finnish_days(desk_app, clock):
    # 00:30 on 1 January in Helsinki is still 31 December in UTC.
    clock.now = at("2025-01-01T00:30+02:00")
    chat = Chat(desk_app, user="eero.entinen@vanhasopimus.example")
    await consent(chat)
    await chat.say("Creo kaatuu aina kun avaan ison kokoonpanon")
    assert "päättyi 31.12.2024" in chat.text


def test_a_stored_draft_from_another_release_never_strands_a_conversation():
    assert HandoverDraft.from_json('{"product": "Creo", "removed_field": 1}') == HandoverDraft(
        product="Creo"
    )
    assert HandoverDraft.from_json("not json") is None
    assert HandoverDraft.from_json('["a list"]') is None


async def test_a_reply_that_fails_unexpectedly_is_kept_in_order_and_never_resent(app, clock):
    """A turn's replies are separate outbox items: after an adapter crash on the second,
    the first is not sent again and the third waits behind the second."""
    from bot.core.cases import Delivery, Recipient
    from bot.core.contract import OutboundReply
    from bot.desk.outbox import Route

    class Broken:
        name = "test"

        def __init__(self) -> None:
            self.calls = 0
            self.arrived: list[str] = []

        async def send(self, address, replies) -> None:
            self.calls += 1
            if self.calls == 2:
                raise RuntimeError("adapter bug")
            self.arrived += [r.text for r in replies]

    address = Chat(app).message("hi").address
    replies = [OutboundReply(text=t) for t in ("first", "second", "third")]
    await app.storage.deliver_now(
        [Delivery(address=address, recipient=Recipient.CUSTOMER, replies=(r,)) for r in replies],
        at=clock.now,
    )
    channel = Broken()
    dispatcher = app.dispatcher({"test": Route(channel=channel)})
    await dispatcher.deliver_due()
    assert channel.arrived == ["first"], "the third never overtakes the failed second"
    clock.advance(minutes=10)
    await dispatcher.deliver_due()
    assert channel.arrived == ["first", "second", "third"], "what arrived is not sent twice"
