"""Privacy without gaps (issue 7): every request works in every phase of a conversation,
and no row and no outbox entry holds text the user did not consent to store.

Each test here failed on the main of 2026-11-29 (storage decided the phase, so a
queued case swallowed the erase confirmation; withdrawal left the relay running; a
draft outlived erasure; declining elsewhere kept consent; bystanders were relayed).
"""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.app import App
from bot.core.settings import DEMO_AGENTS, Settings
from handlers import actions
from tests.harness import Chat, Clock, all_rows, rows_mentioning
from tests.test_handover import DESKTOP_USER, MAIJA, open_case

PROBLEM = "Creo kaatuu aina kun avaan ison kokoonpanon"
SECRET_WORDS = "salainen-sana-7731"


@pytest.fixture
async def desk_app(database_url: str, clock: Clock):
    settings = Settings(database_url=database_url, agents=DEMO_AGENTS, demo=True)
    app = await App.start(settings, clock=clock)
    yield app
    await app.close()


async def agent_events(app: App) -> list[dict]:
    """What waits for agents in the outbox, decoded."""
    rows = (await all_rows(app))["outbox"]
    return [json.loads(r["payload"]) for r in rows if r["recipient"] == "agents"]


async def taken(app: App) -> Chat:
    chat = await open_case(app)
    outcome = await app.desk.take(MAIJA, 1)
    assert outcome.message
    return chat


async def erase(chat: Chat) -> None:
    await chat.say("Poistakaa kaikki tietoni")
    assert actions.ERASE_YES in chat.buttons(), chat.text
    await chat.click(actions.ERASE_YES)


@pytest.mark.parametrize("take", [False, True], ids=["queued", "with-agent"])
async def test_erasure_finishes_while_a_case_is_open(desk_app, take):
    chat = await (taken(desk_app) if take else open_case(desk_app))
    await chat.say(f"Lisätietoa: {SECRET_WORDS}")
    await erase(chat)
    assert "poistettu" in chat.text, chat.text
    assert await rows_mentioning(desk_app, DESKTOP_USER, PROBLEM, SECRET_WORDS, "kyllä") == []
    rows = await all_rows(desk_app)
    assert rows["users"] == [] and rows["cases"] == [] and rows["messages"] == []
    events = await agent_events(desk_app)
    erased = [e for e in events if e.get("event", {}).get("kind") == "case_erased"]
    assert erased, "every agent surface is told to delete its copies"
    assert all(e["event"]["card"]["customer"] is None for e in erased)
    [audit] = rows["privacy_audit"]
    assert audit["request"] == "erase" and audit["source"] == "chat" and audit["rows"] > 0
    assert set(audit) == {"id", "at", "request", "source", "rows"}, "nothing personal"


@pytest.mark.parametrize("take", [False, True], ids=["queued", "with-agent"])
async def test_withdrawing_during_a_case_closes_it_and_stops_storing(desk_app, take):
    chat = await (taken(desk_app) if take else open_case(desk_app))
    before = len(await agent_events(desk_app))
    await chat.say("Peruutan suostumukseni")
    assert "peruttu" in chat.text and "suljettiin" in chat.text, chat.text
    [case] = (await all_rows(desk_app))["cases"]
    assert case["state"] == "closed" and case["resolution"]
    told = (await agent_events(desk_app))[before:]
    assert told and all(PROBLEM not in json.dumps(e) for e in told)
    assert any("perui suostumuksensa" in line for e in told for line in e["event"]["lines"])
    await chat.say(f"Vielä yksi asia: {SECRET_WORDS}")
    assert await rows_mentioning(desk_app, SECRET_WORDS) == [], "neither stored nor relayed"


async def test_erasing_in_the_middle_of_a_handover_leaves_no_draft(desk_app):
    chat = Chat(desk_app, user=DESKTOP_USER, conversation="dm-draft")
    await chat.say("Mikä Java-versio Windchill 12:lle?")
    await chat.consent()
    await chat.say(f"{PROBLEM} {SECRET_WORDS}")
    assert "urgency:1" in chat.buttons()
    await erase(chat)
    [conversation] = (await all_rows(desk_app))["conversations"]
    assert conversation["draft"] is None and conversation["user_id"] is None
    assert await rows_mentioning(desk_app, SECRET_WORDS, DESKTOP_USER) == []


async def test_declining_withdraws_the_consent_given_in_another_conversation(desk_app):
    # Both conversations asked for consent; accepted in one, declined in the other.
    first = Chat(desk_app, user=DESKTOP_USER, conversation="thread-1", private=False)
    second = Chat(desk_app, user=DESKTOP_USER, conversation="thread-2", private=False)
    await first.say("Haluan puhua ihmisen kanssa")
    await second.say("Haluan puhua ihmisen kanssa")
    await first.click(actions.CONSENT_ACCEPT)
    await second.click(actions.CONSENT_DECLINE)
    assert "peruin myös" in second.text.casefold(), second.text
    [consent] = (await all_rows(desk_app))["consents"]
    assert consent["withdrawn_at"] is not None
    await first.say(SECRET_WORDS)
    assert await rows_mentioning(desk_app, SECRET_WORDS) == []


async def test_a_bystander_in_a_shared_thread_is_neither_stored_nor_relayed(desk_app):
    owner = await open_case(desk_app, conversation="C1:thread")
    owner.private = False
    bystander = Chat(desk_app, user="kollega@konepaja.example", name="Kalle Kollega",
                     conversation="C1:thread", private=False)  # fmt: skip
    replies = await bystander.say(f"Minullakin sama vika {SECRET_WORDS}")
    assert [r.only_for for r in replies] == ["kollega@konepaja.example"], "a private note"
    assert await rows_mentioning(desk_app, SECRET_WORDS, "Kalle") == []
    refused = await bystander.push(bystander.message(action=actions.CONSENT_ACCEPT))
    assert refused and refused[0].only_for == "kollega@konepaja.example"
    rows = await all_rows(desk_app)
    assert len(rows["users"]) == 1 and len(rows["consents"]) == 1, "no consent of theirs"
    [case] = rows["cases"]
    assert case["state"] == "queued", "the owner's case is untouched"


async def test_an_erased_terminal_user_cannot_be_found_again_from_their_email(desk_app):
    import hashlib

    from bot.channels.local.channel import LocalChannel

    terminal = LocalChannel(user_id=DESKTOP_USER, email=DESKTOP_USER)
    message = terminal.inbound("Mikä Java-versio Windchill 12:lle?")
    await desk_app.engine.handle(message)
    [row] = (await all_rows(desk_app))["conversations"]
    unsalted = hashlib.sha256(f"local\x1fterminal:{DESKTOP_USER}".encode()).hexdigest()
    assert row["key"] != unsalted and DESKTOP_USER not in row["key"]
    assert row["key"] == desk_app.engine.conversation_key(message), "a keyed digest"
    assert LocalChannel(user_id="x").inbound("a").message_id != terminal.inbound("a").message_id


async def test_the_export_holds_cases_notes_and_outbox(desk_app):
    chat = await taken(desk_app)
    await desk_app.desk.note(MAIJA, 1, "Sisäinen havainto 4242")
    await desk_app.desk.reply(MAIJA, 1, "Kokeile asetusta 5151")
    [user] = await desk_app.storage.users_by_email(DESKTOP_USER)
    exported = (await desk_app.storage.export_user(user.id)).as_json()
    [case] = exported["cases"]
    texts = [m["text"] for m in case["transcript"]]
    assert any("4242" in t for t in texts) and any(PROBLEM in t for t in texts)
    assert any("5151" in t for o in exported["outbox"] for t in o["texts"])
    assert chat.user == exported["user"]["email"]


async def test_emails_are_found_whatever_their_case_on_every_database(desk_app):
    chat = Chat(desk_app, user="Äijä.Öljynen@Konepaja.example", conversation="dm-umlaut")
    await chat.say("Mikä Java-versio Windchill 12:lle?")
    await chat.consent()
    found = await desk_app.storage.users_by_email("äijä.öljynen@konepaja.EXAMPLE")
    assert len(found) == 1


async def test_an_email_missing_at_consent_is_filled_in_later(desk_app):
    chat = Chat(desk_app, user="U0NOMAIL", name=None, conversation="dm-noemail")
    message = chat.message("Mikä Java-versio Windchill 12:lle?")
    from dataclasses import replace

    from bot.core.contract import Sender

    await chat.push(replace(message, sender=Sender(id="U0NOMAIL")))  # the lookup failed
    accept = chat.message(action=actions.CONSENT_ACCEPT)
    await chat.push(replace(accept, sender=Sender(id="U0NOMAIL")))
    [user] = (await all_rows(desk_app))["users"]
    assert user["email"] is None
    known = Sender(id="U0NOMAIL", email=DESKTOP_USER, name="Olli")
    await chat.push(replace(chat.message("Kiitos"), sender=known))
    [user] = (await all_rows(desk_app))["users"]
    assert user["email"] == DESKTOP_USER, "refreshed on a later turn"


async def test_a_long_version_string_still_opens_a_case(desk_app):
    long_version = "Creo 10.0.2.0 " + "M0" * 60
    problem = f"Creo kaatuu aina kun avaan ison kokoonpanon, versio {long_version}"
    chat = await open_case(desk_app, problem=problem)
    assert (await all_rows(desk_app))["cases"], chat.text


async def _into(app: App, phase: str) -> Chat:
    """A conversation brought into ``phase`` the way a customer gets there."""
    if phase in ("queued", "with_agent"):
        chat = await (taken(app) if phase == "with_agent" else open_case(app))
        return chat
    chat = Chat(app, user=DESKTOP_USER, conversation=f"dm-{phase}")
    if phase == "new":
        return chat
    if phase == "awaiting_consent":
        await chat.say("Haluan puhua ihmisen kanssa")  # asks for consent
        return chat
    await chat.say("Mikä Java-versio Windchill 12:lle?")
    await chat.consent()
    if phase == "confirm_erase":
        await chat.say("Poistakaa kaikki tietoni")
        assert actions.ERASE_YES in chat.buttons()
    return chat


REQUESTS = {
    "withdraw": ("Peruutan suostumukseni", None),
    "export": ("Mitä tietoja teillä on minusta?", None),
    "erase": ("Poistakaa kaikki tietoni", actions.ERASE_YES),
}


@pytest.mark.parametrize(
    "phase", ["new", "awaiting_consent", "active", "queued", "with_agent", "confirm_erase"]
)
@pytest.mark.parametrize("request_", sorted(REQUESTS))
async def test_every_privacy_request_in_every_phase_stores_nothing_unconsented(
    desk_app, phase, request_
):
    chat = await _into(desk_app, phase)
    said, confirm = REQUESTS[request_]
    replies = await chat.say(said)
    assert replies and all(r.kind.value != "error" for r in replies), chat.text
    if confirm and confirm in chat.buttons():
        await chat.click(confirm)
    marker = f"merkki-{phase}-{request_}"
    await chat.say(f"Vielä: {marker}")
    await chat.receive()  # delivered replies leave the outbox
    [user] = await desk_app.storage.users_by_email(DESKTOP_USER) or [None]
    consented = user is not None and user.consented
    found = await rows_mentioning(desk_app, marker)
    if consented:  # an export leaves consent in place: storing is what they agreed to
        assert request_ == "export" and phase not in ("new", "awaiting_consent")
    else:
        assert found == [], f"{request_} in {phase}: {found}"
        if request_ in ("erase", "withdraw") and phase in ("queued", "with_agent"):
            cases = (await all_rows(desk_app))["cases"]
            assert all(c["state"] == "closed" for c in cases), "no case stays open"
    if phase in ("new", "awaiting_consent"):
        assert await rows_mentioning(desk_app, said) == [], "the request itself is not kept"


async def test_after_erasure_the_raw_sqlite_files_hold_no_byte_of_the_user(sqlite_url, clock):
    from pathlib import Path

    settings = Settings(database_url=sqlite_url, agents=DEMO_AGENTS, demo=True)
    app = await App.start(settings, clock=clock)
    try:
        chat = await open_case(app, problem=f"{PROBLEM} {SECRET_WORDS}")
        await erase(chat)
    finally:
        await app.close()
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            raw = file.read_bytes()
            for needle in (DESKTOP_USER, SECRET_WORDS, "kokoonpanon"):
                assert needle.encode() not in raw, f"{needle} survives in {file.name}"


async def test_two_processes_on_one_sqlite_file_lock_before_they_load(sqlite_url, clock):
    """Two apps (as two processes would) handle two clicks of one conversation at once:
    the second must see the first's consent, not load a stale state and record again."""
    settings = Settings(database_url=sqlite_url)
    first, second = await App.start(settings, clock=clock), await App.start(settings, clock=clock)
    try:
        chat = Chat(first, user=DESKTOP_USER, conversation="dm-race")
        await chat.say("Mikä Java-versio Windchill 12:lle?")
        clicks = [chat.message(action=actions.CONSENT_ACCEPT) for _ in range(2)]
        from dataclasses import replace

        clicks[1] = replace(clicks[1], message_id="another-click")
        answers = await asyncio.gather(
            first.engine.handle(clicks[0]), second.engine.handle(clicks[1])
        )
        assert all(r.kind.value != "error" for replies in answers for r in replies), answers
        rows = await all_rows(first)
        assert len(rows["users"]) == 1 and len(rows["consents"]) == 1
    finally:
        await first.close()
        await second.close()


async def test_retention_purges_closed_cases_and_idle_people(desk_app, clock):
    chat = await taken(desk_app)
    await desk_app.desk.close(MAIJA, 1, "Ajuri päivitetty")
    clock.advance(days=desk_app.settings.retention_days + 1)
    dry = await desk_app.storage.purge(
        before=clock.now - __import__("datetime").timedelta(days=desk_app.settings.retention_days),
        at=clock.now, dry_run=True,
    )  # fmt: skip
    assert dry.rows > 0 and (await all_rows(desk_app))["cases"], "a dry run changes nothing"
    await desk_app.housekeep()
    rows = await all_rows(desk_app)
    assert rows["cases"] == [] and rows["users"] == [] and rows["messages"] == []
    assert await rows_mentioning(desk_app, chat.user, PROBLEM) == []
    assert [a["request"] for a in rows["privacy_audit"]] == ["purge"]
