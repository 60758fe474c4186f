"""Slack rendering: plain reply text to mrkdwn, replies to Block Kit messages.

Pure functions, no SDK and no I/O, so the conversions can be tested on their own.
Limits are Slack's: a section's text holds 3000 characters, a message 50 blocks,
a button label 75 characters and its value 2000.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.contract import Button, Link, OutboundReply

SECTION_LIMIT = 3000
# Several sections per message keep a long answer readable as one unit; past this
# it continues in a new message (Slack truncates very long messages on mobile).
MESSAGE_LIMIT = 12_000
LABEL_LIMIT = 75
ACTION_ID_LIMIT = 255
BUTTONS_PER_BLOCK = 25
ACTION_PREFIX = "tuki.button."
FALLBACK_LIMIT = 300

Block = dict[str, Any]

_URL = re.compile(r"(?<![<|])\bhttps?://[^\s<>]+[^\s<>.,;:!?)\]'\"]")
_BULLET = re.compile(r"^([ \t]*)[-*][ \t]+", re.MULTILINE)
_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """One chat.postMessage worth of content: fallback text and Block Kit blocks."""

    text: str
    blocks: tuple[Block, ...]


def escape(text: str) -> str:
    """Escape the three characters Slack reserves for its markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo :func:`escape`: Slack sends message text escaped."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain(text: str, *, bot_user_id: str | None = None) -> str:
    """Slack message text as plain text: markup unwrapped, the bot's mention removed."""

    def unwrap(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return "" if target[1:] == bot_user_id else f"@{label or target[1:]}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            return ""
        return label or target

    lines = unescape(_MARKUP.sub(unwrap, text)).splitlines()
    return "\n".join(" ".join(line.split()) for line in lines).strip()


def mrkdwn(text: str) -> str:
    """Plain reply text as Slack mrkdwn: escaped, list dashes as bullets, bare URLs linked."""
    escaped = _BULLET.sub(r"\1• ", escape(text.strip()))
    return _URL.sub(lambda m: f"<{m.group(0)}>", escaped)


def link(item: Link) -> str:
    """A link as mrkdwn; the title must not close the link early."""
    title = escape(item.title).replace("|", "¦")
    return f"<{escape(item.url)}|{title}>"


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Cut text into pieces of at most ``limit`` characters at the gentlest boundary.

    Paragraphs first, then lines, sentences and words; a hard cut only for a
    single run of characters longer than the limit, and never inside an entity.
    """
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _cut_point(text: str, limit: int) -> int:
    window = text[: limit + 1]
    for separator in ("\n\n", "\n", ". ", " "):
        at = window.rfind(separator, 0, limit)
        # A boundary in the first third would leave a stub; look for a finer one.
        if at > limit // 3:
            return at + len(separator.rstrip(" ")) if separator == ". " else at
    amp = text.rfind("&", limit - 5, limit)
    return amp if amp > 0 else limit


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button_element(button: Button, index: int) -> Block:
    label = button.label
    if len(label) > LABEL_LIMIT:
        label = label[: LABEL_LIMIT - 1] + "…"
    return {
        "type": "button",
        # Position and value: unique within the message (Slack's rule) and readable in logs.
        "action_id": f"{ACTION_PREFIX}{index}.{button.value}"[:ACTION_ID_LIMIT],
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": button.value,
    }


def actions_blocks(buttons: Sequence[Button]) -> list[Block]:
    """Buttons as actions blocks; every button gets its own action id."""
    blocks = []
    for start in range(0, len(buttons), BUTTONS_PER_BLOCK):
        chunk = buttons[start : start + BUTTONS_PER_BLOCK]
        blocks.append(
            {
                "type": "actions",
                "block_id": f"tuki.actions.{start // BUTTONS_PER_BLOCK}",
                "elements": [button_element(b, start + i) for i, b in enumerate(chunk)],
            }
        )
    return blocks


def render(reply: OutboundReply) -> list[SlackMessage]:
    """One reply as one or more Slack messages; links and buttons go on the last one."""
    sections = split_text(mrkdwn(reply.text)) if reply.text.strip() else []
    messages: list[list[str]] = [[]]
    size = 0
    for piece in sections:
        if messages[-1] and size + len(piece) > MESSAGE_LIMIT:
            messages.append([])
            size = 0
        messages[-1].append(piece)
        size += len(piece)
    tail: list[Block] = []
    if reply.links:
        links = "\n".join(f"• {link(item)}" for item in reply.links)
        tail.extend(section(piece) for piece in split_text(links))
    tail.extend(actions_blocks(reply.buttons))
    rendered = []
    for number, pieces in enumerate(messages, start=1):
        blocks = [section(piece) for piece in pieces]
        if number == len(messages):
            blocks.extend(tail)
        if blocks:
            rendered.append(SlackMessage(text=_fallback(pieces, reply), blocks=tuple(blocks)))
    return rendered


def _fallback(pieces: Sequence[str], reply: OutboundReply) -> str:
    """The notification text: the start of the message, or the first link or button."""
    source = pieces[0] if pieces else ""
    if not source and reply.links:
        source = escape(reply.links[0].title)
    if not source and reply.buttons:
        source = escape(reply.buttons[0].label)
    return source if len(source) <= FALLBACK_LIMIT else source[: FALLBACK_LIMIT - 1] + "…"


def answered(blocks: Sequence[Mapping[str, Any]], choice: str) -> list[Block]:
    """A clicked message's blocks with its buttons replaced by the choice made.

    Without the actions blocks nothing can be clicked again; the choice shows
    as a context line where the buttons were.
    """
    kept: list[Block] = [dict(block) for block in blocks if block.get("type") != "actions"]
    kept.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"✓ *{escape(choice)}*"}],
        }
    )
    return kept
