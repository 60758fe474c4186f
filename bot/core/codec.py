"""JSON for what waits in the inbox and the outbox: messages, replies and desk events."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.core.cases import CaseCard, DeskEvent, DeskEventKind
from bot.core.contract import (
    Button,
    InboundMessage,
    Link,
    OutboundReply,
    ReplyAddress,
    ReplyKind,
    Sender,
)


def _reply(reply: OutboundReply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "kind": reply.kind.value,
        "buttons": [[b.label, b.value] for b in reply.buttons],
        "links": [[link.title, link.url] for link in reply.links],
        **({"only_for": reply.only_for} if reply.only_for else {}),
    }


def _card(card: CaseCard) -> dict[str, Any]:
    data = {name: getattr(card, name) for name in CaseCard.__dataclass_fields__}
    data["arrived_at"] = card.arrived_at.isoformat()
    data["due_at"] = card.due_at.isoformat()
    return data


def card_from_json(data: dict[str, Any]) -> CaseCard:
    return CaseCard(
        **{
            **data,
            "arrived_at": datetime.fromisoformat(data["arrived_at"]),
            "due_at": datetime.fromisoformat(data["due_at"]),
        }
    )


def encode(replies: tuple[OutboundReply, ...], event: DeskEvent | None) -> str:
    payload: dict[str, Any] = {"replies": [_reply(r) for r in replies]}
    if event is not None:
        payload["event"] = {
            "kind": event.kind.value,
            "card": _card(event.card),
            "lines": list(event.lines),
        }
    return json.dumps(payload, ensure_ascii=False)


def decode(raw: str) -> tuple[tuple[OutboundReply, ...], DeskEvent | None]:
    payload = json.loads(raw)
    replies = tuple(
        OutboundReply(
            text=r["text"],
            kind=ReplyKind(r["kind"]),
            buttons=tuple(Button(label, value) for label, value in r["buttons"]),
            links=tuple(Link(title, url) for title, url in r["links"]),
            only_for=r.get("only_for"),
        )
        for r in payload.get("replies", ())
    )
    raw_event = payload.get("event")
    event = (
        DeskEvent(
            kind=DeskEventKind(raw_event["kind"]),
            card=card_from_json(raw_event["card"]),
            lines=tuple(raw_event["lines"]),
        )
        if raw_event
        else None
    )
    return replies, event


def encode_message(message: InboundMessage) -> str:
    """An inbound message as the inbox stores it (until its turn commits)."""
    sender = message.sender
    return json.dumps(
        {
            "channel": message.channel,
            "conversation_id": message.conversation_id,
            "message_id": message.message_id,
            "sender": [sender.id, sender.name, sender.email, sender.is_bot],
            "address": message.address.payload,
            "text": message.text,
            "action": message.action,
            "received_at": message.received_at.isoformat(),
            "private": message.private,
            "kind": message.kind,
        },
        ensure_ascii=False,
    )


def decode_message(raw: str) -> InboundMessage:
    data = json.loads(raw)
    sender_id, name, email, is_bot = data["sender"]
    return InboundMessage(
        channel=data["channel"],
        conversation_id=data["conversation_id"],
        message_id=data["message_id"],
        sender=Sender(id=sender_id, name=name, email=email, is_bot=is_bot),
        address=ReplyAddress(channel=data["channel"], payload=data["address"]),
        text=data["text"],
        action=data["action"],
        received_at=datetime.fromisoformat(data["received_at"]),
        private=data["private"],
        kind=data.get("kind", "turn"),
    )
