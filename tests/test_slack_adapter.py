"""The Slack adapter's two conversions, on recorded payloads: Slack ⇄ the core's types.

No server here: payload → InboundMessage, OutboundReply → Block Kit, and the
mapping of Web API failures to delivery errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.channels.slack.blocks import (
    LABEL_LIMIT,
    SECTION_LIMIT,
    answered,
    mrkdwn,
    plain,
    render,
    split_text,
)
from bot.channels.slack.identity import delivery_error
from bot.channels.slack.payloads import click_message_of, click_of, message_of, post_of
from bot.core.contract import Button, Link, OutboundReply, Sender

PAYLOADS = Path(__file__).parent / "data" / "slack"
BOT = "U0TUKIBOT"


def payload(name: str) -> dict:
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


def test_a_dm_becomes_one_conversation_per_dm_with_a_stable_message_id() -> None:
    post = post_of(payload("message_im"), bot_user_id=BOT)
    assert post is not None and post.is_dm
    message = message_of(post, Sender(id="U0MATTI", name="Matti", email="matti@asiakas.fi"))
    assert message.channel == "slack"
    assert message.conversation_id == "T0ECONO:D0MATTI"
    assert message.message_id == "D0MATTI:1795000000.000100"
    assert message.text == "Mikä Java-versio Windchill 12:lle? <tärkeä> & kiireinen"
    assert message.address.data() == {"channel": "D0MATTI"}
    assert message.sender.email == "matti@asiakas.fi"
    assert message.private, "only the user reads a DM: their data may be shown there"


def test_a_mention_is_answered_in_its_own_thread_without_the_bots_name() -> None:
    post = post_of(payload("app_mention"), bot_user_id=BOT)
    assert post is not None and not post.is_dm
    message = message_of(post, Sender(id="U0ANNA"))
    assert message.conversation_id == "T0ECONO:C0SHARED:1795000100.000200"
    assert message.address.data() == {"channel": "C0SHARED", "thread_ts": "1795000100.000200"}
    assert message.text == "Does Creo 11 run on Windows 10? See the matrix, cc @U0LIISA"
    assert not message.private, "a channel thread is read by others"


def test_a_mention_inside_a_thread_continues_that_threads_conversation() -> None:
    body = payload("app_mention")
    body["event"]["thread_ts"] = "1795000000.000999"
    message = message_of(post_of(body, bot_user_id=BOT), Sender(id="U0ANNA"))  # type: ignore[arg-type]
    assert message.conversation_id == "T0ECONO:C0SHARED:1795000000.000999"
    assert message.address.data()["thread_ts"] == "1795000000.000999"


@pytest.mark.parametrize("name", ["message_changed", "bot_message"])
def test_edits_and_other_bots_are_ignored(name: str) -> None:
    assert post_of(payload(name), bot_user_id=BOT) is None


def test_channel_messages_without_a_mention_and_broken_events_are_ignored() -> None:
    body = payload("message_im")
    body["event"]["channel_type"] = "channel"
    assert post_of(body, bot_user_id=BOT) is None
    broken = payload("message_im")
    del broken["event"]["user"]
    assert post_of(broken, bot_user_id=BOT) is None
    assert post_of({"type": "event_callback"}, bot_user_id=BOT) is None


def test_a_click_carries_the_button_value_and_counts_once_per_message() -> None:
    click = click_of(payload("block_actions"))
    assert click is not None
    message = click_message_of(click, Sender(id="U0MATTI"))
    assert message.action == "consent:accept"
    assert message.text == "Hyväksyn"
    assert message.conversation_id == "T0ECONO:D0MATTI"
    assert message.message_id == "click:D0MATTI:1795000001.000001"
    assert click_of({"type": "block_actions", "actions": []}) is None


def test_slack_markup_becomes_plain_text() -> None:
    text = "<@U0TUKIBOT> katso <#C0KANAVA|tuki> ja <https://x.fi/?a=1&amp;b=2> <!here> 1 &lt; 2"
    assert plain(text, bot_user_id=BOT) == "katso #tuki ja https://x.fi/?a=1&b=2 1 < 2"


def test_replies_render_as_escaped_mrkdwn_with_bullets_and_links() -> None:
    reply = OutboundReply(
        text="Java <11> & Corretto:\n\n- Windchill 12.x\n- katso https://support.ptc.com/help.",
        links=(Link(title="PTC <matrix> | Windchill", url="https://support.ptc.com/a?b=1&c=2"),),
    )
    (message,) = render(reply)
    section, links = message.blocks
    assert section["text"]["text"] == (
        "Java &lt;11&gt; &amp; Corretto:\n\n• Windchill 12.x\n• katso <https://support.ptc.com/help>."
    )
    assert links["text"]["text"] == (
        "• <https://support.ptc.com/a?b=1&amp;c=2|PTC &lt;matrix&gt; ¦ Windchill>"
    )
    assert mrkdwn("a * b") == "a * b"


def test_every_button_is_a_block_kit_button_with_its_own_action_id() -> None:
    buttons = tuple(Button(label=f"Vaihtoehto {i}", value=f"article:{i}") for i in range(30))
    buttons += (Button(label="x" * 100, value="long"),)
    (message,) = render(OutboundReply(text="Valitse:", buttons=buttons))
    elements = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert [e["value"] for e in elements] == [b.value for b in buttons]
    assert len({e["action_id"] for e in elements}) == len(buttons)
    assert all(len(e["elements"]) <= 25 for e in message.blocks if e["type"] == "actions")
    assert len(elements[-1]["text"]["text"]) == LABEL_LIMIT


def test_long_answers_split_at_paragraphs_and_stay_within_slacks_limits() -> None:
    paragraph = "Tämä on pitkä kappale. " * 60  # ~1400 characters
    text = "\n\n".join(paragraph.strip() for _ in range(12))  # ~17 000 characters
    messages = render(OutboundReply(text=text, buttons=(Button("Kyllä", "helpful:yes:x"),)))
    sections = [b["text"]["text"] for m in messages for b in m.blocks if b["type"] == "section"]
    assert len(messages) == 2
    assert all(len(s) <= SECTION_LIMIT for s in sections)
    assert all(s.endswith(".") for s in sections), "cut at a boundary, not mid-sentence"
    assert "".join("".join(sections).split()) == "".join(text.split()), "nothing lost"
    assert not any(b["type"] == "actions" for b in messages[0].blocks)
    assert messages[-1].blocks[-1]["type"] == "actions"
    assert all(len(m.text) <= 300 for m in messages)


def test_a_run_without_spaces_is_cut_hard_but_never_inside_an_entity() -> None:
    pieces = split_text("a" * 2998 + "&amp;" + "b" * 10)
    assert pieces[0] == "a" * 2998 and pieces[1].startswith("&amp;")


def test_after_a_click_the_buttons_give_way_to_the_choice() -> None:
    blocks = payload("block_actions")["message"]["blocks"]
    updated = answered(blocks, "Hyväksyn <ok>")
    assert [b["type"] for b in updated] == ["section", "context"]
    assert updated[-1]["elements"][0]["text"] == "✓ *Hyväksyn &lt;ok&gt;*"


def _api_error(status: int, error: str, headers: dict | None = None) -> SlackApiError:
    response = AsyncSlackResponse(
        client=None,  # type: ignore[arg-type]
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError(error, response)


@pytest.mark.parametrize(
    ("status", "error", "headers", "permanent", "retry_after"),
    [
        (429, "ratelimited", {"Retry-After": "7"}, False, 7.0),
        (500, "internal_error", {}, False, None),
        (200, "service_unavailable", {}, False, None),
        (200, "channel_not_found", {}, True, None),
        (200, "not_in_channel", {}, True, None),
        (200, "invalid_blocks", {}, True, None),
    ],
)
def test_web_api_failures_say_whether_retrying_can_help(
    status: int, error: str, headers: dict, permanent: bool, retry_after: float | None
) -> None:
    failure = delivery_error(_api_error(status, error, headers))
    assert failure.permanent is permanent
    assert failure.retry_after == retry_after
    assert error in str(failure)


def test_a_dropped_connection_is_worth_retrying() -> None:
    assert delivery_error(TimeoutError()).permanent is False


def test_the_manifest_asks_for_what_the_bot_uses_and_points_at_its_endpoint() -> None:
    import yaml

    from bot.channels.slack.commands import COMMAND
    from bot.channels.slack.mount import SLACK_EVENTS_PATH

    text = (Path(__file__).parent.parent / "manifest.yaml").read_text(encoding="utf-8")
    manifest = yaml.safe_load(text)
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {
        "chat:write",
        "im:history",
        "app_mentions:read",
        "users:read.email",
        "channels:history",
        "groups:history",
        "commands",
    } <= scopes
    assert not {s for s in scopes if s.startswith(("reactions", "admin", "files"))}
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert events == {"message.im", "app_mention", "message.channels", "message.groups"}
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    urls = [
        command["url"],
        manifest["settings"]["interactivity"]["request_url"],
        manifest["settings"]["event_subscriptions"]["request_url"],
    ]
    assert all(url.endswith(SLACK_EVENTS_PATH) for url in urls)
    assert "#   socket_mode_enabled: true" in text, "the Socket Mode variant"
