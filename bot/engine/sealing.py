"""Button payloads sealed by the engine: before consent the outbox, the platform and the
inbox hold only a token (the customer's words ride in the consent button's payload),
opened again when the click comes back."""

from __future__ import annotations

from dataclasses import replace

from bot.core.contract import InboundMessage, OutboundReply
from bot.core.keys import Keys
from bot.core.state import HandoverDraft
from handlers.actions import fitted

# A button's value carries a payload after PAYLOAD; sealed, the payload starts with SEALED.
PAYLOAD, SEALED = "|", "~"


def sealed(keys: Keys, reply: OutboundReply) -> OutboundReply:
    """A reply whose buttons carry their payloads sealed: the outbox, the platform and
    the inbox hold only a token (the user's words before consent, for one), made to
    fit a button (a description too long for one is cut, and marked so)."""
    if not any(PAYLOAD in b.value for b in reply.buttons):
        return reply
    buttons = []
    for button in reply.buttons:
        value, sep, payload = fitted(button.value).partition(PAYLOAD)
        if sep:
            value = f"{value}{PAYLOAD}{SEALED}{keys.seal(payload)}"
        buttons.append(replace(button, value=value))
    return replace(reply, buttons=tuple(buttons))


def sealed_menu(keys: Keys, draft: HandoverDraft | None) -> HandoverDraft | None:
    """An open menu kept before consent, each choice sealed (an article id says what
    the conversation is about)."""
    if draft is None:
        return None
    return replace(draft, menu=tuple(SEALED + keys.seal(v) for v in draft.menu))


def opened_menu(keys: Keys, draft: HandoverDraft) -> HandoverDraft:
    """The kept menu with its choices opened again (at the click that consents)."""
    found = (keys.unseal(v.removeprefix(SEALED)) if v.startswith(SEALED) else v
             for v in draft.menu)  # fmt: skip
    return replace(draft, menu=tuple(v for v in found if v))


def opened(keys: Keys, message: InboundMessage) -> InboundMessage:
    """A click with its button's payload unsealed; an altered or foreign token counts
    as an empty payload (the click still does what its button says)."""
    value, sep, payload = (message.action or "").partition(PAYLOAD)
    if not sep or not payload.startswith(SEALED):
        return message
    found = keys.unseal(payload.removeprefix(SEALED)) or "{}"
    return replace(message, action=f"{value}{PAYLOAD}{found}")
