"""The agent desk: what agents do with cases, as commands any channel can call.

Each command checks the agent, changes the case in one transaction, and stores
the messages it causes (to the customer, to the agents) in the outbox in that
same transaction, so nothing is lost if a channel is down or in another process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.cases import (
    CaseCard,
    CaseChange,
    CaseState,
    Delivery,
    DeskEvent,
    DeskEventKind,
    Receipt,
    Recipient,
    Urgency,
)
from bot.core.contract import OutboundReply, ReplyKind
from bot.core.ports import Cases
from bot.core.records import Direction, StoredMessage
from bot.core.texts import Catalogue
from bot.desk.errors import DeskError, DeskErrorCode
from bot.service.agents import Agent, AgentDirectory, DeskRoutes


@dataclass(frozen=True, slots=True)
class DeskOutcome:
    card: CaseCard
    message: str


class Desk:
    def __init__(
        self,
        *,
        cases: Cases,
        routes: DeskRoutes,
        texts: Catalogue,
        clock: Callable[[], datetime],
        notify: Callable[[], None] = lambda: None,
        lang: str = "fi",
    ) -> None:
        self._cases = cases
        self._routes = routes
        self._texts = texts
        self._clock = clock
        self._notify = notify
        self._lang = lang

    @property
    def directory(self) -> AgentDirectory:
        return self._routes.directory

    def _say(self, key: str, **params: object) -> str:
        return self._texts.get(self._lang, key, **params)

    def agent(self, email: str | None) -> Agent:
        """The agent with this identity, or :class:`DeskError` for everyone else."""
        agent = self.directory.find(email)
        if agent is None:
            raise DeskError(DeskErrorCode.NOT_AGENT, self._say("desk.not_agent"))
        return agent

    async def queue(self, email: str | None) -> list[CaseCard]:
        self.agent(email)
        return await self._cases.queue()

    async def card(self, email: str | None, case_id: int) -> CaseCard | None:
        self.agent(email)
        return await self._cases.card(case_id)

    async def transcript(self, email: str | None, case_id: int) -> list[StoredMessage]:
        self.agent(email)
        return await self._cases.transcript(case_id)

    async def _customer(self, case_id: int) -> Callable[[str, dict[str, object]], Delivery]:
        found = await self._cases.customer(case_id)
        if found is None:
            raise DeskError(DeskErrorCode.NO_CASE, self._say("desk.no_case", case=case_id))
        address, lang, _ = found

        def tell(key: str, params: dict[str, object]) -> Delivery:
            text = self._texts.get(lang, key, **params)
            return Delivery(
                address=address,
                recipient=Recipient.CUSTOMER,
                replies=(OutboundReply(text=text, kind=ReplyKind.NOTICE),),
            )

        return tell

    def confirmation(self, receipt: Receipt | None, text: str) -> list[Delivery]:
        """What the acting agent is told, through the outbox (only them, where possible)."""
        if receipt is None or receipt.answer_to is None:
            return []
        reply = OutboundReply(text=text, kind=ReplyKind.NOTICE, only_for=receipt.agent_id)
        return [Delivery(address=receipt.answer_to, recipient=Recipient.AGENTS, replies=(reply,))]

    def _to_agents(self, kind: DeskEventKind, card: CaseCard, *lines: str) -> list[Delivery]:
        event = DeskEvent(kind=kind, card=card, lines=tuple(lines))
        return [
            Delivery(address=a, recipient=Recipient.AGENTS, event=event)
            for a in self._routes.everyone()
        ]

    async def take(
        self, email: str | None, case_id: int, *, receipt: Receipt | None = None
    ) -> DeskOutcome:
        agent = self.agent(email)
        tell = await self._customer(case_id)
        result = await self._cases.take(
            case_id,
            agent=agent.email,
            name=agent.name,
            at=self._clock(),
            deliveries=lambda card: [
                tell("relay.joined", {"name": agent.first_name}),
                *self._to_agents(
                    DeskEventKind.CASE_CHANGED, card, self._say("desk.taken_by", name=agent.name)
                ),
                *self.confirmation(receipt, self._say("desk.took", case=case_id)),
            ],
            receipt=receipt,
        )
        if not result.won or result.card is None:
            if result.card is None:
                raise DeskError(DeskErrorCode.NO_CASE, self._say("desk.no_case", case=case_id))
            holder = result.holder_name or result.holder or self._say("desk.nobody")
            raise DeskError(
                DeskErrorCode.TAKEN,
                self._say("desk.already_taken", case=case_id, name=holder, state=result.card.state),
            )
        self._notify()
        return DeskOutcome(card=result.card, message=self._say("desk.took", case=case_id))

    async def _change(
        self,
        email: str | None,
        case_id: int,
        *,
        change: CaseChange,
        log: tuple[Direction, str] | None,
        customer: tuple[str, dict[str, object]] | None,
        agents: Callable[[CaseCard], list[Delivery]] | None,
        done: str,
        any_holder: bool = False,
        receipt: Receipt | None = None,
    ) -> DeskOutcome:
        agent = self.agent(email)
        tell = await self._customer(case_id)

        def deliveries(card: CaseCard) -> Sequence[Delivery]:
            out = [tell(*customer)] if customer else []
            return out + (agents(card) if agents else []) + self.confirmation(receipt, done)

        card = await self._cases.change(
            case_id,
            agent="" if any_holder else agent.email,
            at=self._clock(),
            change=change,
            log=log,
            deliveries=deliveries,
            receipt=receipt,
        )
        if card is None:
            raise DeskError(DeskErrorCode.NOT_HOLDER, self._say("desk.not_holder", case=case_id))
        self._notify()
        return DeskOutcome(card=card, message=done)

    async def reply(
        self, email: str | None, case_id: int, text: str, *, receipt: Receipt | None = None
    ) -> DeskOutcome:
        """Send the agent's words to the customer (and into the case's transcript)."""
        if not text.strip():
            raise DeskError(DeskErrorCode.EMPTY, self._say("desk.empty"))
        agent = self.agent(email)
        return await self._change(
            email,
            case_id,
            change=CaseChange(),
            log=(Direction.AGENT, text),
            customer=("relay.agent_says", {"name": agent.first_name, "text": text}),
            agents=None,
            done=self._say("desk.sent", case=case_id),
            receipt=receipt,
        )

    async def note(
        self, email: str | None, case_id: int, text: str, *, receipt: Receipt | None = None
    ) -> DeskOutcome:
        """An internal note: stored on the case and shown to agents, never to the customer."""
        if not text.strip():
            raise DeskError(DeskErrorCode.EMPTY, self._say("desk.empty"))
        agent = self.agent(email)
        return await self._change(
            email,
            case_id,
            change=CaseChange(),
            log=(Direction.NOTE, f"{agent.name}: {text}"),
            customer=None,
            agents=lambda card: self._to_agents(
                DeskEventKind.NOTICE, card, self._say("desk.note_line", name=agent.name, text=text)
            ),
            done=self._say("desk.noted", case=case_id),
            any_holder=True,
            receipt=receipt,
        )

    async def set_urgency(
        self, email: str | None, case_id: int, urgency: int, *, receipt: Receipt | None = None
    ) -> DeskOutcome:
        if urgency not in {u.value for u in Urgency}:
            raise DeskError(DeskErrorCode.BAD_URGENCY, self._say("desk.bad_urgency"))
        return await self._change(
            email,
            case_id,
            change=CaseChange(urgency=urgency),
            log=None,
            customer=("relay.urgency_changed", {"level": urgency}),
            agents=lambda card: self._to_agents(DeskEventKind.CASE_CHANGED, card),
            done=self._say("desk.urgency_set", case=case_id, level=urgency),
            any_holder=True,
            receipt=receipt,
        )

    async def hand_back(
        self, email: str | None, case_id: int, *, receipt: Receipt | None = None
    ) -> DeskOutcome:
        """Give the chat back to the bot; the case leaves the queue."""
        return await self._change(
            email,
            case_id,
            change=CaseChange(state=CaseState.RETURNED, closed_at=self._clock()),
            log=None,
            customer=("relay.handed_back", {}),
            agents=lambda card: self._to_agents(DeskEventKind.CASE_CHANGED, card),
            done=self._say("desk.handed_back", case=case_id),
            receipt=receipt,
        )

    async def transfer(
        self, email: str | None, case_id: int, to: str, *, receipt: Receipt | None = None
    ) -> DeskOutcome:
        """Pass a held case to another agent, or back to the queue with ``to="queue"``."""
        if to.strip().lower() in ("queue", "jono"):
            change = CaseChange(state=CaseState.QUEUED, release=True)
            customer: tuple[str, dict[str, object]] = ("relay.requeued", {})
        else:
            target = self.directory.find(to)
            if target is None:
                raise DeskError(
                    DeskErrorCode.UNKNOWN_AGENT, self._say("desk.unknown_agent", email=to)
                )
            change = CaseChange(holder=(target.email, target.name))
            customer = ("relay.transferred", {"name": target.first_name})
        return await self._change(
            email,
            case_id,
            change=change,
            log=None,
            customer=customer,
            agents=lambda card: self._to_agents(DeskEventKind.CASE_CHANGED, card),
            done=self._say("desk.transferred", case=case_id),
            receipt=receipt,
        )

    async def close(
        self, email: str | None, case_id: int, resolution: str, *, receipt: Receipt | None = None
    ) -> DeskOutcome:
        if not resolution.strip():
            raise DeskError(DeskErrorCode.EMPTY, self._say("desk.resolution_needed"))
        return await self._change(
            email,
            case_id,
            change=CaseChange(
                state=CaseState.CLOSED, closed_at=self._clock(), resolution=resolution
            ),
            log=(Direction.NOTE, f"{self._say('desk.resolution')}: {resolution}"),
            customer=("relay.closed", {"resolution": resolution}),
            agents=lambda card: self._to_agents(DeskEventKind.CASE_CHANGED, card),
            done=self._say("desk.closed", case=case_id),
            receipt=receipt,
        )
