"""Agents' actions in Teams, stored before Teams hears they arrived and handled once.

A reply in a case thread, a bot command, a click on a card's take button and a
saved dialog (a note, a closing) are written to the inbox as messages of their
own kind; the inbox workers hand them back here. Each desk command claims the
action's activity id and consumes its inbox row in the transaction of the change
it causes (:class:`bot.core.cases.Receipt`), so a crash neither loses nor
repeats it. Who the agent is comes from the member lookup; non-agents are
refused by the desk. What the agent is told goes through the outbox too.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.channels.teams.activities import NAME
from bot.channels.teams.channel import TeamsChannel
from bot.channels.teams.desk import (
    HANDBACK_VERB,
    NOTE_VERB,
    TRANSFER_VERB,
    URGENCY_VERB,
    TeamsDesk,
)
from bot.core.cases import AlreadyHandled, Delivery, Receipt, Recipient
from bot.core.contract import InboundMessage, OutboundReply, ReplyAddress, ReplyKind, Sender
from bot.core.logs import failure
from bot.desk.commands import Desk
from bot.desk.errors import DeskError
from bot.desk.typed import run_typed

log = logging.getLogger(__name__)

KIND_POST = "teams.agent_post"
KIND_CARD = "teams.card"
KIND_DIALOG = "teams.dialog"
KIND_COMMAND = "teams.command"

Deliver = Callable[[Sequence[Delivery]], Awaitable[None]]
Register = Callable[[str, Callable[[InboundMessage, int], Awaitable[None]]], None]


def stored(
    kind: str, *, user: str, message_id: str, where: dict[str, str], text: str = "",
    case: str = "", thread: str = "", verb: str = "",
) -> InboundMessage:  # fmt: skip
    """An agent's action as the inbox keeps it; ``where`` is the case thread answers go to."""
    details = json.dumps({"case": case, "thread": thread, "verb": verb})
    return InboundMessage(
        channel=NAME, conversation_id=f"desk:{message_id}", message_id=message_id,
        sender=Sender(id=user), address=ReplyAddress.of(NAME, where), text=text,
        action=details, kind=kind,
    )  # fmt: skip


def _details(message: InboundMessage) -> dict[str, str]:
    try:
        loaded = json.loads(message.action or "{}")
    except ValueError:
        return {}
    return {k: str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}


class DeskActions:
    """The inbox's handlers for agents' actions in Teams."""

    def __init__(
        self, view: TeamsDesk, channel: TeamsChannel, desk: Desk, deliver: Deliver
    ) -> None:
        self._view = view
        self._channel = channel
        self._desk = desk
        self._deliver = deliver

    def register(self, handle_kind: Register) -> None:
        handle_kind(KIND_POST, self.post)
        handle_kind(KIND_CARD, self.card)
        handle_kind(KIND_DIALOG, self.dialog)
        handle_kind(KIND_COMMAND, self.command)

    async def _email(self, message: InboundMessage) -> str | None:
        self._channel.seen_at(message.sender.id, message.address)  # any process can look up
        return (await self._channel.sender(message.sender)).email

    def _receipt(self, message: InboundMessage, inbox_id: int, *, answer: bool) -> Receipt:
        return Receipt(
            channel=NAME, message_id=message.message_id, inbox_id=inbox_id,
            answer_to=message.address if answer else None, agent_id=message.sender.id,
        )  # fmt: skip

    async def _tell(self, message: InboundMessage, text: str) -> None:
        reply = OutboundReply(text=text, kind=ReplyKind.NOTICE, only_for=message.sender.id)
        await self._deliver(
            [Delivery(address=message.address, recipient=Recipient.AGENTS, replies=(reply,))]
        )

    async def _case(self, message: InboundMessage) -> int | None:
        where = message.address.data()
        conversation = str(where.get("conversation") or "").split(";", 1)[0]
        root = _details(message).get("thread", "")
        return await self._view.case_of_thread(conversation, root) if root else None

    async def card(self, message: InboundMessage, inbox_id: int) -> None:
        """A case card's button: take (exactly one agent wins; everyone else is told who has
        it), urgency, hand back, transfer."""
        details = _details(message)
        case = int(details["case"]) if details.get("case", "").isdigit() else 0
        email = await self._email(message)
        receipt = self._receipt(message, inbox_id, answer=True)
        verb, value = details.get("verb"), message.text.strip()
        try:
            if verb == URGENCY_VERB:
                level = int(value) if value.isdigit() else 0
                await self._desk.set_urgency(email, case, level, receipt=receipt)
            elif verb == HANDBACK_VERB:
                await self._desk.hand_back(email, case, receipt=receipt)
            elif verb == TRANSFER_VERB:
                await self._desk.transfer(email, case, value, receipt=receipt)
            else:
                await self._desk.take(email, case, receipt=receipt)
        except AlreadyHandled:
            return
        except DeskError as refusal:
            await self._tell(message, str(refusal))

    async def dialog(self, message: InboundMessage, inbox_id: int) -> None:
        """A saved dialog: an internal note, or the resolution the case closes with."""
        details = _details(message)
        case = int(details["case"]) if details.get("case", "").isdigit() else 0
        email = await self._email(message)
        receipt = self._receipt(message, inbox_id, answer=True)
        try:
            if details.get("verb") == NOTE_VERB:
                await self._desk.note(email, case, message.text, receipt=receipt)
            else:
                await self._desk.close(email, case, message.text, receipt=receipt)
        except AlreadyHandled:
            return
        except DeskError as refusal:
            await self._tell(message, str(refusal))

    async def post(self, message: InboundMessage, inbox_id: int) -> None:
        """A reply in a case thread: the holder's words go to the customer."""
        case = await self._case(message)
        if case is None:
            return  # an ordinary thread in the agents' channel: nothing to do with cases
        try:
            await self._desk.reply(
                await self._email(message), case, message.text,
                receipt=self._receipt(message, inbox_id, answer=False),
            )  # fmt: skip
        except AlreadyHandled:
            return
        except DeskError as refusal:
            await self._tell(message, self._view.text("slack_desk.not_sent", reason=str(refusal)))
        except Exception as exc:
            failure(log, "agent thread post failed", exc)
            await self._tell(message, self._view.text("slack_desk.not_sent",
                                                      reason=type(exc).__name__))  # fmt: skip
            raise

    async def command(self, message: InboundMessage, inbox_id: int) -> None:
        """A bot command (``@Tuki close 12 …``; in a case thread the number may be left out)."""
        try:
            answer = await run_typed(
                self._desk, await self._email(message), message.text,
                texts=self._view.texts, lang=self._view.lang, clock=self._view.clock,
                usage_key="teams.usage", case_id=await self._case(message),
                receipt=self._receipt(message, inbox_id, answer=False),
            )  # fmt: skip
        except AlreadyHandled:
            return
        await self._tell(message, answer)
