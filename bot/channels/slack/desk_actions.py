"""Agents' actions in Slack, stored before Slack hears they arrived and handled once.

A reply in a case thread, a click on a card's take button, a saved note and a
``/tuki`` command are written to the inbox as messages of their own kind before
the request is acknowledged; the inbox workers hand them back here. Each desk
command then claims the action's Slack id and consumes its inbox row in the
transaction of the change it causes (:class:`bot.core.cases.Receipt`), so a crash
at any moment neither loses the action nor repeats it. What the agent is told
goes through the outbox too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.channels.slack.commands import run_command
from bot.channels.slack.desk import SlackDesk
from bot.channels.slack.marks import note_of
from bot.channels.slack.payloads import NAME
from bot.core.cases import AlreadyHandled, Delivery, Receipt, Recipient
from bot.core.contract import InboundMessage, OutboundReply, ReplyAddress, ReplyKind, Sender
from bot.core.logs import failure
from bot.desk.commands import Desk
from bot.desk.errors import DeskError

log = logging.getLogger(__name__)

KIND_POST = "slack.agent_post"
KIND_TAKE = "slack.take"
KIND_NOTE = "slack.note"
KIND_COMMAND = "slack.command"

Deliver = Callable[[Sequence[Delivery]], Awaitable[None]]
Register = Callable[[str, Callable[[InboundMessage, int], Awaitable[None]]], None]


def stored(
    kind: str, *, user: str, message_id: str, where: dict[str, str], text: str = "",
    case_id: int | None = None,
) -> InboundMessage:  # fmt: skip
    """An agent's action as the inbox keeps it; ``where`` is where answers go (a thread of
    the agents' channel, or a slash command's response_url)."""
    return InboundMessage(
        channel=NAME, conversation_id=f"desk:{message_id}", message_id=message_id,
        sender=Sender(id=user), address=ReplyAddress.of(NAME, where), text=text,
        action=None if case_id is None else str(case_id), kind=kind,
    )  # fmt: skip


class DeskActions:
    """The inbox's handlers for agents' actions in Slack."""

    def __init__(self, view: SlackDesk, desk: Desk, deliver: Deliver) -> None:
        self._view = view
        self._desk = desk
        self._deliver = deliver

    def register(self, handle_kind: Register) -> None:
        handle_kind(KIND_POST, self.post)
        handle_kind(KIND_TAKE, self.take)
        handle_kind(KIND_NOTE, self.note)
        handle_kind(KIND_COMMAND, self.command)

    async def _email(self, message: InboundMessage) -> str | None:
        return (await self._view.sender(message.sender.id)).email

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

    async def take(self, message: InboundMessage, inbox_id: int) -> None:
        """The take button: exactly one agent wins; everyone else is told who has it."""
        case_id = int(message.action or 0)
        try:
            await self._desk.take(
                await self._email(message), case_id,
                receipt=self._receipt(message, inbox_id, answer=True),
            )  # fmt: skip
        except AlreadyHandled:
            return
        except DeskError as refusal:
            await self._tell(message, str(refusal))

    async def note(self, message: InboundMessage, inbox_id: int) -> None:
        """A saved note modal: the note goes on the case (shown in the thread)."""
        try:
            await self._desk.note(
                await self._email(message), int(message.action or 0), message.text,
                receipt=self._receipt(message, inbox_id, answer=False),
            )  # fmt: skip
        except AlreadyHandled:
            return
        except DeskError as refusal:
            await self._tell(message, str(refusal))

    async def post(self, message: InboundMessage, inbox_id: int) -> None:
        """A reply in a case thread: a note stays internal, anything else goes out."""
        where = message.address.data()
        case_id = await self._view.case_of_thread(str(where["channel"]), str(where["thread_ts"]))
        if case_id is None:
            return  # an ordinary thread in the agents' channel: nothing to do with cases
        note = note_of(message.text)
        receipt = self._receipt(message, inbox_id, answer=False)
        email = await self._email(message)
        try:
            if note is not None:
                await self._desk.note(email, case_id, note, receipt=receipt)
            else:
                await self._desk.reply(email, case_id, message.text, receipt=receipt)
        except AlreadyHandled:
            return
        except DeskError as refusal:
            reason = str(refusal)
            if note is None:
                reason = self._view.text("slack_desk.not_sent", reason=reason)
            await self._tell(message, reason)
        except Exception as exc:
            # The agent must know the customer did not get it; the error is logged too.
            failure(log, "agent thread post failed", exc)
            await self._tell(message, self._view.text("slack_desk.not_sent",
                                                      reason=type(exc).__name__))  # fmt: skip
            raise

    async def command(self, message: InboundMessage, inbox_id: int) -> None:
        """``/tuki``: the desk command runs once; the answer goes to its response_url."""
        try:
            answer = await run_command(
                self._desk, await self._email(message), message.text,
                texts=self._view.texts, lang=self._view.lang, clock=self._view.clock,
                receipt=self._receipt(message, inbox_id, answer=False),
            )  # fmt: skip
        except AlreadyHandled:
            return
        await self._tell(message, answer)
