"""One conversation's unit of work: its state, consent, transcript and case."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.cases import OPEN_CASE_STATES, CaseCard, CaseState, Delivery, NewCase, OpenCase
from bot.core.contract import ReplyAddress, Sender
from bot.core.records import Direction, StoredMessage, UserExport, UserRecord
from bot.core.state import ConversationState, HandoverDraft, Phase
from storage.cases import add_deliveries, load_card, queue_position
from storage.people import (
    claim_message,
    erase_user,
    export_user,
    load_user,
    now,
)
from storage.tables import (
    CaseRow,
    ConsentRow,
    ConversationRow,
    MessageRow,
    UserRow,
)


async def open_case_of(session: AsyncSession, conversation_id: int) -> CaseRow | None:
    return (
        (
            await session.execute(
                select(CaseRow)
                .where(
                    CaseRow.conversation_id == conversation_id,
                    CaseRow.state.in_([s.value for s in OPEN_CASE_STATES]),
                )
                .order_by(CaseRow.id.desc())
                .limit(1)
            )
        )
        .scalars()
        .first()
    )


class SqlConversationSession:
    """One conversation's unit of work inside one database transaction."""

    def __init__(self, session: AsyncSession, row: ConversationRow, case: CaseRow | None) -> None:
        self._session = session
        self._row = row
        self._case = case

    @property
    def state(self) -> ConversationState:
        phase = Phase(self._row.phase)
        case = None
        if self._case is not None:
            assert self._case.id is not None
            case = OpenCase(
                id=self._case.id,
                state=CaseState(self._case.state),
                holder=self._case.holder,
                holder_name=self._case.holder_name,
            )
            phase = Phase.WITH_AGENT if case.state is CaseState.TAKEN else Phase.QUEUED
        elif phase in (Phase.QUEUED, Phase.WITH_AGENT):
            phase = Phase.ACTIVE  # the case was closed or handed back since the last turn
        return ConversationState(
            key=self._row.key,
            channel=self._row.channel,
            phase=phase,
            lang=self._row.lang,
            handover_pending=self._row.handover_pending,
            draft=HandoverDraft.from_json(self._row.draft),
            case=case,
        )

    async def open_case(
        self, case: NewCase, *, announce: Callable[[CaseCard], Sequence[Delivery]]
    ) -> tuple[CaseCard, int]:
        row = CaseRow(
            conversation_id=self.conversation_id,
            user_id=case.user_id,
            organisation_id=case.organisation_id,
            organisation_name=case.organisation_name,
            entitlement=case.entitlement,
            product=case.product,
            version=case.version,
            urgency=case.urgency,
            description=case.description,
            existing_reference=case.existing_reference,
            state=CaseState.QUEUED.value,
            lang=case.lang,
            customer_channel=case.customer_channel,
            customer_address=case.customer_address.payload,
            arrived_at=case.arrived_at,
            due_at=case.due_at,
        )
        self._session.add(row)
        await self._session.flush()
        assert row.id is not None
        # The transcript so far goes with the case, in the same transaction.
        await self._session.execute(
            update(MessageRow)
            .where(MessageRow.conversation_id == self.conversation_id, MessageRow.case_id.is_(None))
            .values(case_id=row.id)
        )
        self._case = row
        card = await load_card(self._session, row.id)
        assert card is not None
        add_deliveries(self._session, announce(card), case_id=row.id, at=case.arrived_at)
        await self._session.flush()
        return card, await queue_position(self._session, row)

    async def deliver(
        self, deliveries: Sequence[Delivery], *, case_id: int | None, at: datetime
    ) -> None:
        add_deliveries(self._session, deliveries, case_id=case_id, at=at)
        await self._session.flush()

    async def case_card(self, case_id: int) -> CaseCard | None:
        return await load_card(self._session, case_id)

    async def pending_transcript(self) -> list[StoredMessage]:
        rows = (
            (
                await self._session.execute(
                    select(MessageRow)
                    .where(
                        MessageRow.conversation_id == self.conversation_id,
                        MessageRow.case_id.is_(None),
                    )
                    .order_by(MessageRow.id)
                )
            )
            .scalars()
            .all()
        )
        return [
            StoredMessage(at=m.created_at, direction=Direction(m.direction), text=m.text)
            for m in rows
        ]

    @property
    def conversation_id(self) -> int:
        assert self._row.id is not None
        return self._row.id

    async def claim(self, channel: str, message_id: str, *, at: datetime) -> bool:
        return await claim_message(self._session, channel, message_id, at=at)

    async def save(self, state: ConversationState) -> None:
        self._row.phase = state.phase.value
        self._row.lang = state.lang
        self._row.handover_pending = state.handover_pending
        self._row.draft = state.draft.to_json() if state.draft else None
        self._row.updated_at = now()
        self._session.add(self._row)
        await self._session.flush()

    async def user(self, channel: str, external_id: str) -> UserRecord | None:
        row = (
            (
                await self._session.execute(
                    select(UserRow).where(
                        UserRow.channel == channel, UserRow.external_id == external_id
                    )
                )
            )
            .scalars()
            .first()
        )
        return await load_user(self._session, row) if row else None

    async def record_consent(
        self,
        *,
        sender: Sender,
        address: ReplyAddress,
        text_version: str,
        text_fingerprint: str,
        lang: str,
        at: datetime,
    ) -> UserRecord:
        row = (
            (
                await self._session.execute(
                    select(UserRow).where(
                        UserRow.channel == address.channel, UserRow.external_id == sender.id
                    )
                )
            )
            .scalars()
            .first()
        )
        if row is None:
            row = UserRow(channel=address.channel, external_id=sender.id, created_at=at)
        row.name = sender.name or row.name
        row.email = sender.email or row.email
        self._session.add(row)
        await self._session.flush()
        assert row.id is not None
        self._session.add(
            ConsentRow(
                user_id=row.id,
                text_version=text_version,
                text_fingerprint=text_fingerprint,
                lang=lang,
                given_at=at,
            )
        )
        self._row.user_id = row.id
        self._row.address = address.payload
        self._session.add(self._row)
        await self._session.flush()
        return await load_user(self._session, row)

    async def attach(self, user_id: int, address: ReplyAddress) -> None:
        if self._row.user_id == user_id and self._row.address == address.payload:
            return
        self._row.user_id = user_id
        self._row.address = address.payload
        self._session.add(self._row)
        await self._session.flush()

    async def withdraw_consent(self, user_id: int, at: datetime) -> None:
        consents = (
            (
                await self._session.execute(
                    select(ConsentRow).where(
                        ConsentRow.user_id == user_id, ConsentRow.withdrawn_at.is_(None)
                    )
                )
            )
            .scalars()
            .all()
        )
        for consent in consents:
            consent.withdrawn_at = at
            self._session.add(consent)
        await self._session.flush()

    async def log(self, *, user_id: int, direction: Direction, text: str, at: datetime) -> None:
        self._session.add(
            MessageRow(
                conversation_id=self.conversation_id,
                user_id=user_id,
                case_id=self._case.id if self._case is not None else None,
                direction=direction.value,
                text=text,
                created_at=at,
            )
        )
        await self._session.flush()

    async def export(self, user_id: int) -> UserExport:
        return await export_user(self._session, user_id)

    async def erase(self, user_id: int) -> None:
        # This conversation's row goes with the user's conversations; write it back
        # bare (key, phase, language) so the rest of the turn can save its phase.
        key, channel, phase, lang = (
            self._row.key,
            self._row.channel,
            self._row.phase,
            self._row.lang,
        )
        await erase_user(self._session, user_id)
        self._session.expunge_all()
        remaining = (
            (await self._session.execute(select(ConversationRow).where(ConversationRow.key == key)))
            .scalars()
            .first()
        )
        if remaining is None:
            started = now()
            remaining = ConversationRow(
                key=key,
                channel=channel,
                phase=phase,
                lang=lang,
                created_at=started,
                updated_at=started,
            )
            self._session.add(remaining)
        else:  # never linked to the user, so erasure left it: keep nothing of theirs on it
            remaining.user_id, remaining.address, remaining.draft = None, None, None
        await self._session.flush()
        self._row = remaining
        self._case = None
