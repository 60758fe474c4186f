"""Teams payloads and rendering, pure: what the bot reads from activities (mentions
stripped, threads, tenants) and what it writes (Markdown, cards, size limits)."""

from __future__ import annotations

from microsoft_agents.activity import Activity

from bot.channels.teams.activities import (
    card_action_of,
    customer_conversation,
    plain,
    tenant_of,
    thread_of,
)
from bot.channels.teams.cards import MESSAGE_BYTES, activities, answered, split
from bot.core.contract import Button, Link, OutboundReply
from tests.fakes.teams_api import OTHER_TENANT, channel_post, personal

SERVICE = "https://smba.trafficmanager.net/teams/"
CHANNEL = "19:shared@thread.tacv2"


def test_the_mention_and_markup_are_stripped_before_routing() -> None:
    post = channel_post(SERVICE, ("29:a", "A"), "Which JDK does <b>Windchill</b> need?",
                        channel=CHANNEL)  # fmt: skip
    activity = Activity.model_validate(post)
    assert plain(activity) == "Which JDK does Windchill need?"
    assert "Tuki" not in plain(activity)


def test_a_channel_post_is_its_own_thread_and_a_reply_joins_its_root() -> None:
    root = Activity.model_validate(channel_post(SERVICE, ("29:a", "A"), "hei", channel=CHANNEL))
    assert thread_of(root) == (CHANNEL, root.id)
    assert customer_conversation(root) == f"{CHANNEL};messageid={root.id}"
    reply = Activity.model_validate(
        channel_post(SERVICE, ("29:a", "A"), "lisää", channel=CHANNEL, root="42")
    )
    assert thread_of(reply) == (CHANNEL, "42")
    quiet = Activity.model_validate(
        channel_post(SERVICE, ("29:a", "A"), "ei botille", channel=CHANNEL, mention=False)
    )
    assert customer_conversation(quiet) is None


def test_a_personal_chat_is_one_conversation_and_names_its_tenant() -> None:
    activity = Activity.model_validate(personal(SERVICE, ("29:a", "A"), "hei",
                                                tenant=OTHER_TENANT))  # fmt: skip
    assert customer_conversation(activity) == "a:personal-a"
    assert tenant_of(activity) == OTHER_TENANT
    assert card_action_of(activity) is None


def test_long_text_is_split_below_teams_limit_between_paragraphs() -> None:
    paragraph = "ä" * 5000
    text = "\n\n".join([paragraph] * 6)  # 60 KB
    pieces = split(text)
    assert all(len(p.encode()) <= MESSAGE_BYTES for p in pieces)
    assert "\n\n".join(pieces) == text
    one_long_line = "x" * (MESSAGE_BYTES * 2 + 10)
    assert "".join(split(one_long_line)) == one_long_line


def test_buttons_become_an_adaptive_card_and_a_click_redraws_it_without_them() -> None:
    reply = OutboundReply(text="Saako tallentaa?", links=(Link("Tietosuoja", "https://x.fi"),),
                          buttons=(Button("Kyllä", "consent:accept"), Button("Ei", "no")))
    (activity,) = activities(reply)
    card = activity.attachments[0].content
    assert card["version"] == "1.5" and "[Tietosuoja](https://x.fi)" in card["body"][0]["text"]
    first = card["actions"][0]
    assert first["type"] == "Action.Execute" and first["fallback"]["type"] == "Action.Submit"
    assert first["data"]["tuki"] == "consent:accept"
    redrawn = answered(first["data"])
    assert "actions" not in redrawn and redrawn["body"][-1]["text"] == "✔ Kyllä"
    assert "Saako tallentaa?" in redrawn["body"][0]["text"]
