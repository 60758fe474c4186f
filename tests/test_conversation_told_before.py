"""What a user told before consent, after consent (issue 9), in each language.

- clicked consent: the problem goes into the case's transcript, not only into the case;
- typed consent ("kyllä", "yes", "ja"): the problem is not lost (held in memory only,
  never stored before consent), or, when this process holds nothing, the user is
  pointed to the button that carries it;
- a long problem is carried whole as far as a button allows and never cut silently.
"""

from __future__ import annotations

import pytest

from bot.app import App
from handlers import actions
from tests.harness import Chat, all_rows
from tests.talk_harness import TEXTS, nothing_personal, offers_consent
from tests.test_handover import DESKTOP_USER, at, desk_app

__all__ = ["desk_app"]  # fixture used here

# (language, a problem report, a word of it, the typed yes)
PROBLEMS = [
    ("fi", "Creo kaatuu aina kun avaan ison kokoonpanon", "kokoonpanon", "kyllä"),
    ("en", "Creo crashes every time I open a large assembly", "assembly", "yes"),
    ("sv", "Creo kraschar varje gång jag öppnar en stor sammanställning", "sammanställning",
     "ja"),
]  # fmt: skip


async def _case_transcript(app: App) -> tuple[dict, list[dict]]:
    rows = await all_rows(app)
    [case] = rows["cases"]
    said = [m for m in rows["messages"] if m["case_id"] == case["id"]]
    return case, sorted(said, key=lambda m: m["id"])


async def _finish(chat: Chat) -> None:
    await chat.click("urgency:3")
    await chat.click("existing:new")


@pytest.mark.parametrize(("lang", "problem", "word", "yes"), PROBLEMS)
async def test_a_problem_told_before_a_clicked_consent_is_in_the_case_transcript(
    desk_app, clock, lang, problem, word, yes
):
    clock.now = at("2026-11-24T10:00")
    chat = Chat(desk_app, user=DESKTOP_USER, conversation=f"dm-told-click-{lang}")
    await chat.say(problem)
    assert offers_consent(chat)
    await nothing_personal(desk_app, word)
    await chat.click(actions.CONSENT_ACCEPT)
    assert chat.text == TEXTS.get(lang, "handover.ask_urgency"), "product and problem known"
    await _finish(chat)
    case, transcript = await _case_transcript(desk_app)
    assert case["description"] == problem
    customer = [m["text"] for m in transcript if m["direction"] == "customer"]
    assert customer[0] == problem, "the problem opens the transcript the agent reads"
    assert customer.count(problem) == 1


@pytest.mark.parametrize(("lang", "problem", "word", "yes"), PROBLEMS)
async def test_a_typed_yes_keeps_the_problem_told_before_consent(
    desk_app, clock, lang, problem, word, yes
):
    clock.now = at("2026-11-24T10:00")
    chat = Chat(desk_app, user=DESKTOP_USER, conversation=f"dm-told-typed-{lang}")
    await chat.say(problem)
    assert offers_consent(chat)
    await nothing_personal(desk_app, word, DESKTOP_USER)
    await chat.say(yes)
    assert chat.text == TEXTS.get(lang, "handover.ask_urgency"), "nothing is asked again"
    assert len((await all_rows(desk_app))["consents"]) == 1
    await _finish(chat)
    case, transcript = await _case_transcript(desk_app)
    assert case["description"] == problem and case["product"] == "Creo"
    assert [m["text"] for m in transcript if m["direction"] == "customer"][:2] == [problem, yes]


@pytest.mark.parametrize(("lang", "problem", "word", "yes"), PROBLEMS)
async def test_a_typed_yes_another_process_answers_points_to_the_button(
    sqlite_url, clock, lang, problem, word, yes
):
    """A restart (or another process) holds nothing in memory: the user is pointed to the
    button, whose click still brings the problem along; nothing is stored meanwhile."""
    from bot.core.settings import DEMO_AGENTS, Settings

    clock.now = at("2026-11-24T10:00")
    settings = Settings(database_url=sqlite_url, agents=DEMO_AGENTS, demo=True)
    first = await App.start(settings, clock=clock)
    chat = Chat(first, user=DESKTOP_USER, conversation=f"dm-told-restart-{lang}")
    try:
        await chat.say(problem)
        offered = chat.last
    finally:
        await first.close()
    second = await App.start(settings, clock=clock)
    try:
        chat.app = second
        [reply] = await chat.say(yes)
        assert reply.text == TEXTS.get(lang, "told_before.use_the_button")
        assert (await all_rows(second))["consents"] == [], "a pointer, not a consent"
        await nothing_personal(second, word, DESKTOP_USER)
        chat.last = offered  # the earlier message, its button still on the platform
        await chat.click(actions.CONSENT_ACCEPT)
        assert chat.text == TEXTS.get(lang, "handover.ask_urgency")
        await _finish(chat)
        case, _ = await _case_transcript(second)
        assert case["description"] == problem
    finally:
        await second.close()


LONG = [
    ("fi", "Creo kaatuu aina kun avaan ison kokoonpanon. Lokissa lukee näin: ", "kyllä"),
    ("en", "Creo crashes every time I open a large assembly. The log says: ", "yes"),
    ("sv", "Creo kraschar varje gång jag öppnar en stor sammanställning. Loggen säger: ", "ja"),
]


def _log_lines(n: int) -> str:
    # Varied lines, as a pasted log is: they compress, but not to nothing.
    return " ".join(f"[{i:04d}] {i * 7919 % 997:03d}-{i * 104729:09d};" for i in range(n))


@pytest.mark.parametrize(("lang", "start", "yes"), LONG)
async def test_a_problem_longer_than_600_characters_comes_along_whole(desk_app, clock, lang,
                                                                       start, yes):
    clock.now = at("2026-11-24T10:00")
    problem = start + _log_lines(40)
    assert 900 < len(problem) < 2000
    chat = Chat(desk_app, user=DESKTOP_USER, conversation=f"dm-told-long-{lang}")
    await chat.say(problem)
    [value] = [b for b in chat.buttons() if b.startswith(actions.CONSENT_ACCEPT)]
    assert len(value) <= actions.BUTTON_LIMIT
    await chat.click(actions.CONSENT_ACCEPT)
    assert chat.text == TEXTS.get(lang, "handover.ask_urgency")
    await _finish(chat)
    case, transcript = await _case_transcript(desk_app)
    assert case["description"] == problem, "not cut"
    assert transcript[0]["text"] == problem


@pytest.mark.parametrize(("lang", "start", "yes"), LONG)
async def test_a_problem_too_long_for_a_button_is_not_cut_silently(sqlite_url, clock, lang,
                                                                    start, yes):
    """Another process (here: after a restart) has only the button: the start of the
    problem that fits it, and the bot says so and asks for the rest."""
    from bot.core.settings import DEMO_AGENTS, Settings

    clock.now = at("2026-11-24T10:00")
    problem = start + _log_lines(400)
    settings = Settings(database_url=sqlite_url, agents=DEMO_AGENTS, demo=True)
    first = await App.start(settings, clock=clock)
    chat = Chat(first, user=DESKTOP_USER, conversation=f"dm-told-huge-{lang}")
    try:
        await chat.say(problem)
        [value] = [b for b in chat.buttons() if b.startswith(actions.CONSENT_ACCEPT)]
        assert len(value) <= actions.BUTTON_LIMIT, "fits a Slack button"
    finally:
        await first.close()
    second = await App.start(settings, clock=clock)
    try:
        chat.app = second
        await chat.click(actions.CONSENT_ACCEPT)
        await chat.click("urgency:2")
        assert chat.text == TEXTS.get(lang, "told_before.ask_rest"), "says so, asks the rest"
        await chat.say("M070, Windows 11")
        await chat.click("existing:new")
        case, _ = await _case_transcript(second)
        kept, rest = case["description"].rsplit("\n", 1)
        assert len(kept) > 1500 and problem.startswith(kept.removesuffix("…"))
        assert rest == "M070, Windows 11"
    finally:
        await second.close()


@pytest.mark.parametrize(("lang", "start", "yes"), LONG)
async def test_a_problem_too_long_for_a_button_comes_whole_from_memory(desk_app, clock, lang,
                                                                        start, yes):
    clock.now = at("2026-11-24T10:00")
    problem = start + _log_lines(400)
    chat = Chat(desk_app, user=DESKTOP_USER, conversation=f"dm-told-huge-click-{lang}")
    await chat.say(problem)
    await chat.click(actions.CONSENT_ACCEPT)
    assert chat.text == TEXTS.get(lang, "handover.ask_urgency")
    await _finish(chat)
    case, _ = await _case_transcript(desk_app)
    assert case["description"] == problem


@pytest.mark.parametrize(("lang", "start", "yes"), LONG)
async def test_a_long_problem_and_a_typed_yes_come_along_whole(desk_app, clock, lang, start,
                                                               yes):
    clock.now = at("2026-11-24T10:00")
    problem = start + _log_lines(400)
    chat = Chat(desk_app, user=DESKTOP_USER, conversation=f"dm-told-huge-typed-{lang}")
    await chat.say(problem)
    await nothing_personal(desk_app, "[0399]", DESKTOP_USER)
    await chat.say(yes)
    assert chat.text == TEXTS.get(lang, "handover.ask_urgency"), "held whole in memory"
    await _finish(chat)
    case, _ = await _case_transcript(desk_app)
    assert case["description"] == problem


def test_held_payloads_are_bounded_expire_and_are_forgotten():
    from bot.core.contract import Button, OutboundReply
    from bot.engine.held import HeldPayloads

    now = [0.0]
    held = HeldPayloads(limit=2, seconds=60.0, clock=lambda: now[0])

    def offering(words: str) -> tuple[OutboundReply, ...]:
        value = actions.with_payload(actions.CONSENT_ACCEPT, None) + words
        return (OutboundReply(text="?", buttons=(Button("ok", value),)),)

    held.after_turn("a", offering("1"), consented=False, open_question=True)
    assert held.get("a") is not None
    held.after_turn("a", (), consented=False, open_question=True)
    assert held.get("a") is not None, "kept while its question is open"
    held.after_turn("a", (), consented=False, open_question=False)
    assert held.get("a") is None, "declined or moved on: forgotten"
    held.after_turn("b", offering("2"), consented=False, open_question=True)
    held.after_turn("b", (), consented=True, open_question=False)
    assert held.get("b") is None, "consented: nothing held"
    for key in ("c", "d", "e"):
        held.after_turn(key, offering(key), consented=False, open_question=True)
    assert held.get("c") is None and held.get("e") is not None, "the oldest go first"
    now[0] = 61.0
    assert held.get("e") is None, "an hour (here a minute) at most"
