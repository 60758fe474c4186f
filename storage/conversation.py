"""One conversation's unit of work: its state, consent, transcript and case."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.cases import (
    OPEN_CASE_STATES,
    CaseCard,
    CaseState,
    Delivery,
    NewCase,
    OpenCase,
)
from bot.core.contract import InboundMessage, ReplyAddress, Sender
from bot.core.records import Direction, Erasure, StoredMessage, UserExport, UserRecord
from bot.core.state import ConversationState, HandoverDraft, Phase
from storage.cases import add_deliveries, load_card, queue_position
from storage.people import claim_message, email_key, load_user, message_digest, now
from storage.privacy import erase_user, export_user
from storage.tables import CaseRow, ConsentRow, ConversationRow, InboxRow, MessageRow, UserRow


async def open_case_of(session: AsyncSession, conversation_id: int) -> CaseRow | None:
    query = (
        select(CaseRow)
        .where(
            CaseRow.conversation_id == conversation_id,
            CaseRow.state.in_([s.value for s in OPEN_CASE_STATES]),
        )
        .order_by(CaseRow.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


class SqlConversationSession:
    """One conversation's unit of work inside one database transaction."""

    def __init__(self, session: AsyncSession, row: ConversationRow, case: CaseRow | None) -> None:
        self._session = session
        self._row = row
        self._case = case
        self.erased = False

    @property
    def state(self) -> ConversationState:
        return ConversationState(
            key=self._row.key,
            channel=self._row.channel,
            phase=Phase(self._row.phase),
            lang=self._row.lang,
            handover_pending=self._row.handover_pending,
            draft=HandoverDraft.from_json(self._row.draft),
            owner=self._row.owner,
        )

    @property
    def case(self) -> OpenCase | None:
        if self._case is None or self._case.id is None:
            return None
        return OpenCase(
            id=self._case.id,
            state=CaseState(self._case.state),
            holder=self._case.holder,
            holder_name=self._case.holder_name,
        )

    @property
    def conversation_id(self) -> int:
        assert self._row.id is not None
        return self._row.id

    async def consume(self, inbox_id: int, message: InboundMessage) -> None:
        # Its own row only: SQLite reuses the id of a deleted last row for the next one.
        digest = message_digest(message.channel, message.message_id)
        await self._session.execute(
            delete(InboxRow).where(InboxRow.id == inbox_id, InboxRow.dedupe == digest)
        )

    async def claim(self, channel: str, message_id: str, *, at: datetime) -> bool:
        return await claim_message(self._session, channel, message_id, at=at)

    async def save(self, state: ConversationState) -> None:
        self._row.phase = state.phase.value
        self._row.lang = state.lang
        self._row.handover_pending = state.handover_pending
        self._row.draft = state.draft.to_json() if state.draft else None
        self._row.owner = state.owner
        self._row.updated_at = now()
        self._session.add(self._row)
        await self._session.flush()

    # --- the hand-over ----------------------------------------------------------

    async def open_case(
        self, case: NewCase, *, announce: Callable[[CaseCard], Sequence[Delivery]]
    ) -> tuple[CaseCard, int]:
        row = CaseRow(
            conversation_id=self.conversation_id, user_id=case.user_id,
            organisation_id=case.organisation_id, organisation_name=case.organisation_name,
            entitlement=case.entitlement, product=case.product, version=case.version,
            urgency=case.urgency, description=case.description,
            existing_reference=case.existing_reference, state=CaseState.QUEUED.value,
            lang=case.lang, customer_channel=case.customer_channel,
            customer_address=case.customer_address.payload, arrived_at=case.arrived_at,
            due_at=case.due_at,
        )  # fmt: skip
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

    async def open_cases_of(self, user_id: int) -> list[int]:
        query = select(CaseRow.id).where(
            CaseRow.user_id == user_id, CaseRow.state.in_([s.value for s in OPEN_CASE_STATES])
        )
        return [int(c) for c in (await self._session.execute(query)).scalars()]

    async def end_case(
        self,
        case_id: int,
        *,
        at: datetime,
        resolution: str,
        announce: Callable[[CaseCard], Sequence[Delivery]],
    ) -> CaseCard | None:
        ended = await self._session.execute(
            update(CaseRow)
            .where(CaseRow.id == case_id, CaseRow.state.in_([s.value for s in OPEN_CASE_STATES]))
            .values(state=CaseState.CLOSED.value, closed_at=at, resolution=resolution)
        )
        if not ended.rowcount:
            return None
        self._case = None
        card = await load_card(self._session, case_id)
        assert card is not None
        add_deliveries(self._session, announce(card), case_id=case_id, at=at)
        await self._session.flush()
        return card

    async def deliver(
        self, deliveries: Sequence[Delivery], *, case_id: int | None, at: datetime
    ) -> None:
        add_deliveries(self._session, deliveries, case_id=case_id, at=at)
        await self._session.flush()

    async def case_card(self, case_id: int) -> CaseCard | None:
        return await load_card(self._session, case_id)

    async def pending_transcript(self) -> list[StoredMessage]:
        query = (
            select(MessageRow)
            .where(
                MessageRow.conversation_id == self.conversation_id, MessageRow.case_id.is_(None)
            )
            .order_by(MessageRow.id)
        )
        rows = (await self._session.execute(query)).scalars().all()
        return [StoredMessage(at=m.created_at, direction=Direction(m.direction), text=m.text)
                for m in rows]  # fmt: skip

    # --- people -------------------------------------------------------------------

    async def _user_row(self, channel: str, external_id: str) -> UserRow | None:
        query = select(UserRow).where(
            UserRow.channel == channel, UserRow.external_id == external_id
        )
        return (await self._session.execute(query)).scalars().first()

    async def user(self, channel: str, external_id: str) -> UserRecord | None:
        row = await self._user_row(channel, external_id)
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
        row = await self._user_row(address.channel, sender.id)
        if row is None:
            row = UserRow(channel=address.channel, external_id=sender.id, created_at=at)
        row.name = sender.name or row.name
        row.email = sender.email or row.email
        row.email_key = email_key(row.email)
        row.last_seen_at = at
        self._session.add(row)
        await self._session.flush()
        assert row.id is not None
        self._session.add(ConsentRow(
            user_id=row.id, text_version=text_version, text_fingerprint=text_fingerprint,
            lang=lang, given_at=at,
        ))  # fmt: skip
        self._row.user_id = row.id
        self._row.address = address.payload
        self._session.add(self._row)
        await self._session.flush()
        return await load_user(self._session, row)

    async def seen(self, user_id: int, sender: Sender, at: datetime) -> UserRecord:
        row = await self._session.get(UserRow, user_id)
        assert row is not None
        row.name = sender.name or row.name
        row.email = sender.email or row.email
        row.email_key = email_key(row.email)
        row.last_seen_at = at
        self._session.add(row)
        await self._session.flush()
        return await load_user(self._session, row)

    async def attach(self, user_id: int, address: ReplyAddress) -> None:
        if self._row.user_id == user_id and self._row.address == address.payload:
            return
        self._row.user_id = user_id
        self._row.address = address.payload
        self._session.add(self._row)
        await self._session.flush()

    async def withdraw_consent(self, user_id: int, at: datetime) -> bool:
        withdrawn = await self._session.execute(
            update(ConsentRow)
            .where(ConsentRow.user_id == user_id, ConsentRow.withdrawn_at.is_(None))
            .values(withdrawn_at=at)
        )
        return bool(withdrawn.rowcount)

    async def log(self, *, user_id: int, direction: Direction, text: str, at: datetime) -> None:
        self._session.add(MessageRow(
            conversation_id=self.conversation_id, user_id=user_id,
            case_id=self._case.id if self._case is not None else None,
            direction=direction.value, text=text, created_at=at,
        ))  # fmt: skip
        await self._session.flush()

    async def export(self, user_id: int) -> UserExport:
        return await export_user(self._session, user_id)

    async def erase(self, user_id: int, *, at: datetime, source: str) -> Erasure:
        # This conversation's row may go with the user's; it is written back bare (key,
        # channel, owner digest, language) so the rest of the turn can save its phase.
        bare = ConversationRow(
            key=self._row.key, channel=self._row.channel, phase=self._row.phase,
            lang=self._row.lang, owner=self._row.owner, created_at=at, updated_at=at,
        )  # fmt: skip
        erasure = await erase_user(self._session, user_id, at=at, source=source)
        self.erased = True
        self._session.expunge_all()
        query = select(ConversationRow).where(ConversationRow.key == bare.key)
        remaining = (await self._session.execute(query)).scalars().first()
        if remaining is None:
            self._session.add(bare)
            remaining = bare
        else:  # never linked to the user, so erasure left it: keep nothing of theirs on it
            remaining.user_id, remaining.address, remaining.draft = None, None, None
            remaining.handover_pending = False
        await self._session.flush()
        self._row = remaining
        self._case = None
        return erasure
