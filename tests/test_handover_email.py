"""A customer whose channel tells no email (the web chat) is asked for it after consent,
in their language: a typed address is checked and used for the entitlement, a mistyped one
is asked again, and "peruuta"/"cancel"/"avbryt" leaves. Nothing is stored before consent."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from bot.app import App
from bot.core.contract import InboundMessage
from bot.core.settings import DEMO_AGENTS, Settings
from bot.core.state import Phase
from bot.core.texts import Catalogue
from tests.harness import Chat, Clock, all_rows, rows_mentioning

TEXTS = Catalogue.load()
ENTITLED = "olli.operaattori@konepaja.example"  # Konepaja: a Creo contract
MAIJA = "maija.virtanen@econocap.example"
STRANGER = "matti@tuntematon.example"
PROBLEMS = {
    "fi": "Creo kaatuu aina kun avaan ison kokoonpanon",
    "en": "Creo crashes every time I open a large assembly",
    "sv": "Creo kraschar varje gång jag öppnar en stor sammanställning",
}
QUEUED = {"fi": "jonossa sijalla 1", "en": "in the queue in position 1",
          "sv": "står nu i kön på plats 1"}  # fmt: skip
CANCEL = {"fi": "peruuta", "en": "cancel", "sv": "avbryt"}
LANGS = ("fi", "en", "sv")


@dataclass
class WebChat(Chat):
    """A chat whose platform tells no email, as the web chat's."""

    def message(self, text: str = "", *, action: str | None = None,
                label: str = "") -> InboundMessage:  # fmt: skip
        sent = super().message(text, action=action, label=label)
        return replace(sent, sender=replace(sent.sender, email=None, name=None))


@pytest.fixture
async def app(database_url: str, clock: Clock):
    settings = Settings(database_url=database_url, agents=DEMO_AGENTS, demo=True)
    app = await App.start(settings, clock=clock)
    yield app
    await app.close()


def said(lang: str, key: str) -> str:
    return TEXTS.get(lang, key)


async def asked_for_email(app: App, lang: str, conversation: str) -> WebChat:
    chat = WebChat(app, user=f"web-{conversation}", conversation=conversation)
    await chat.say(PROBLEMS[lang])
    assert "consent:accept" in " ".join(chat.buttons()), chat.text
    assert await rows_mentioning(app, PROBLEMS[lang]) == [], "nothing stored before consent"
    assert await all_rows(app) and not (await all_rows(app))["users"]
    await chat.click("consent:accept")  # the problem rides back in the button
    assert chat.text == said(lang, "handover_email.ask"), chat.text
    assert "handover:cancel" in chat.buttons(), "the question has a way out"
    return chat


@pytest.mark.parametrize("lang", LANGS)
async def test_the_email_is_asked_checked_and_used_and_the_handover_goes_on(app, lang):
    chat = await asked_for_email(app, lang, f"web-{lang}")
    await chat.say("olli.operaattori(at)konepaja.example")
    assert chat.text == said(lang, "handover_email.invalid"), "a clear message, another try"
    await chat.say(f"<{ENTITLED.upper()}>")
    assert chat.text == said(lang, "handover.ask_urgency"), chat.text
    await chat.click("urgency:2")
    await chat.click("existing:new")
    assert QUEUED[lang] in chat.text, chat.text

    [case] = (await all_rows(app))["cases"]
    assert case["entitlement"] == "entitled" and case["organisation_name"]
    [user] = (await all_rows(app))["users"]
    assert user["email"] == ENTITLED, "kept on the user once the case opened"
    [card] = await app.desk.queue(MAIJA)
    assert card.customer == ENTITLED, "agents see whom they answer"

    await app.desk.take(MAIJA, card.case_id)
    await app.desk.close(MAIJA, card.case_id, "ok")
    await chat.say(PROBLEMS[lang])  # the next hand-over knows the address
    assert chat.text == said(lang, "handover.ask_urgency"), chat.text


@pytest.mark.parametrize("lang", LANGS)
async def test_cancelling_at_the_email_question_leaves_and_keeps_no_address(app, lang):
    chat = await asked_for_email(app, lang, f"web-cancel-{lang}")
    await chat.say("ei@ole@osoite")
    assert chat.text == said(lang, "handover_email.invalid")
    await chat.say(CANCEL[lang])
    assert chat.text == said(lang, "handover.cancelled")
    rows = await all_rows(app)
    assert rows["cases"] == [] and rows["users"][0]["email"] is None
    assert [Phase(r["phase"]) for r in rows["conversations"]] == [Phase.ACTIVE]


@pytest.mark.parametrize("lang", LANGS)
async def test_an_unknown_address_can_be_corrected(app, lang):
    chat = await asked_for_email(app, lang, f"web-typo-{lang}")
    await chat.say(STRANGER)
    assert said(lang, "handover_email.retry") in chat.text
    refusal = TEXTS.texts[lang]["handover.unknown_organisation"]
    assert chat.text.startswith(refusal[:40]), "why it was refused"
    assert (await all_rows(app))["users"][0]["email"] is None, "a refused address is not kept"
    await chat.say(f"se on {ENTITLED}.")
    assert chat.text == said(lang, "handover.ask_urgency"), chat.text


async def test_a_platform_that_tells_the_email_is_not_asked(app):
    chat = Chat(app, user=ENTITLED, conversation="dm-known")
    await chat.say(PROBLEMS["fi"])
    await chat.click("consent:accept")
    assert chat.text == said("fi", "handover.ask_urgency"), chat.text
