"""What agents are told when a customer opens a case or writes in one."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.core.cases import CaseCard, Delivery, DeskEvent, DeskEventKind, NewCase, Recipient
from bot.core.contract import ReplyAddress
from bot.core.desk_text import message_line
from bot.core.records import StoredMessage
from handlers.base import HandoverKit, Services


def _to(addresses: Sequence[ReplyAddress], event: DeskEvent) -> list[Delivery]:
    return [Delivery(address=a, recipient=Recipient.AGENTS, event=event) for a in addresses]


def case_opened(
    services: Services, kit: HandoverKit, case: NewCase, transcript: Sequence[StoredMessage]
) -> Callable[[CaseCard], list[Delivery]]:
    """The new-case alert to every agent surface, with the transcript so far."""
    lines = tuple(message_line(services.texts, kit.agent_lang, m) for m in transcript)

    def announce(card: CaseCard) -> list[Delivery]:
        event = DeskEvent(kind=DeskEventKind.CASE_OPENED, card=card, lines=lines)
        return _to(kit.routes.everyone(), event)

    return announce


def customer_said(
    services: Services, kit: HandoverKit, card: CaseCard, text: str
) -> list[Delivery]:
    """The customer's words to the agent holding the case, or to everyone while queued."""
    line = services.texts.get(kit.agent_lang, "desk.customer_said", text=text)
    event = DeskEvent(kind=DeskEventKind.CUSTOMER_SAID, card=card, lines=(line,))
    holder = card.holder
    return _to(kit.routes.agent(holder) if holder else kit.routes.everyone(), event)
