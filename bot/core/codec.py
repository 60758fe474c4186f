"""JSON for what waits in the outbox: replies and desk events."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.core.cases import CaseCard, DeskEvent, DeskEventKind
from bot.core.contract import Button, Link, OutboundReply, ReplyKind


def _reply(reply: OutboundReply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "kind": reply.kind.value,
        "buttons": [[b.label, b.value] for b in reply.buttons],
        "links": [[link.title, link.url] for link in reply.links],
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
