"""Teams rendering: replies as Markdown messages and Adaptive Cards (version 1.5).

Pure functions, no I/O. Buttons are ``Action.Execute`` (Universal Actions: the
bot answers the click with the updated card, so the choice shows in place and
cannot be clicked twice) with ``Action.Submit`` as the fallback for clients
without them. Teams refuses messages over about 28 KB, so long text is split
below that, at paragraph boundaries where possible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from microsoft_agents.activity import Activity, Attachment

from bot.channels.teams.activities import VALUE_KEY
from bot.core.contract import Button, Link, OutboundReply

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_VERSION = "1.5"
MESSAGE_BYTES = 24_000  # Teams' limit is ~28 KB for the whole activity: keep a margin
CARD_TEXT_BYTES = 8_000  # the card text a button carries to redraw the card
BUTTON_VERB = "tuki.button"
LABEL_LIMIT = 100

Card = dict[str, Any]


def markdown(text: str, links: Sequence[Link] = ()) -> str:
    """Plain reply text in the Markdown Teams renders: paragraphs, lists, links."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    body = "\n\n".join(line for line in lines if line) if lines else ""
    if links:
        body += "\n\n" + "\n\n".join(f"[{link.title.replace(']', ')')}]({link.url})"
                                       for link in links)  # fmt: skip
    return body.strip()


def split(text: str, limit: int = MESSAGE_BYTES) -> list[str]:
    """Pieces of at most ``limit`` UTF-8 bytes, cut between paragraphs when possible."""
    if len(text.encode()) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate.encode()) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while len(paragraph.encode()) > limit:  # one paragraph too long: cut by characters
            cut = len(paragraph.encode()[:limit].decode("utf-8", "ignore"))
            pieces.append(paragraph[:cut])
            paragraph = paragraph[cut:]
        current = paragraph
    if current:
        pieces.append(current)
    return pieces


def _trim(text: str, limit: int) -> str:
    return text.encode()[:limit].decode("utf-8", "ignore")


def text_block(text: str, **style: Any) -> Card:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def execute(title: str, verb: str, data: Mapping[str, Any], **style: Any) -> Card:
    """An ``Action.Execute`` button with an ``Action.Submit`` fallback carrying the same data."""
    title = title[:LABEL_LIMIT]
    return {
        "type": "Action.Execute", "title": title, "verb": verb, "data": dict(data),
        "fallback": {"type": "Action.Submit", "title": title, "data": {**data, "verb": verb}},
        **style,
    }  # fmt: skip


def card(body: Sequence[Card], actions: Sequence[Card] = ()) -> Card:
    content: Card = {
        "type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION, "body": list(body),
    }  # fmt: skip
    if actions:
        content["actions"] = list(actions)
    return content


def reply_card(text: str, buttons: Sequence[Button]) -> Card:
    """A reply with buttons: the text, then one Execute button per choice."""
    kept = _trim(text, CARD_TEXT_BYTES)
    actions = [
        execute(b.label, BUTTON_VERB, {VALUE_KEY: b.value, "label": b.label, "text": kept})
        for b in buttons
    ]
    return card([text_block(text)], actions)


def answered(data: Mapping[str, Any]) -> Card:
    """The clicked card again, without buttons and with the choice under the text."""
    text = str(data.get("text") or "")
    label = str(data.get("label") or data.get(VALUE_KEY) or "")
    body = [text_block(text)] if text else []
    return card([*body, text_block(f"✔ {label}", weight="Bolder", color="Good")])


def attachment(content: Card) -> Attachment:
    return Attachment(content_type=CARD_TYPE, content=content)


def activities(reply: OutboundReply) -> list[Activity]:
    """One reply as the activities that carry it: text pieces, then the card for buttons."""
    text = markdown(reply.text, reply.links)
    if not reply.buttons:
        return [Activity(type="message", text=piece, text_format="markdown")
                for piece in split(text)]  # fmt: skip
    pieces = split(text)
    head = [Activity(type="message", text=p, text_format="markdown") for p in pieces[:-1]]
    tail = Activity(type="message", attachments=[attachment(reply_card(pieces[-1], reply.buttons))])
    return [*head, tail]


def invoke_card(content: Card) -> dict[str, Any]:
    """The body of an ``adaptiveCard/action`` invoke response that redraws the card."""
    return {"statusCode": 200, "type": CARD_TYPE, "value": content}


def invoke_message(text: str) -> dict[str, Any]:
    """An invoke response that leaves the card as it is and shows a short message."""
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
            "value": text}  # fmt: skip
