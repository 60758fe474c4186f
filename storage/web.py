"""What the web console keeps: staff accounts, the questions the bot could not answer,
and the read-only views it needs (a web chat's transcript, a customer's earlier cases).

Unanswered questions keep their text only for consented users; everyone else's
are counted (a row without text), never kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, Text, delete, func, select, update
from sqlmodel import Field, SQLModel

from bot.core.gaps import UnansweredQuestion
from bot.core.records import Direction, StoredMessage
from storage.db import Database
from storage.tables import CaseRow, ConversationRow, MessageRow
from storage.types import UTCDateTime


class StaffRow(SQLModel, table=True):
    __tablename__ = "staff_accounts"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True)
    name: str = Field(max_length=255)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=255)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class SignInLinkRow(SQLModel, table=True):
    """A one-time sign-in link (``users add --link``): only the token's digest is kept."""

    __tablename__ = "staff_sign_in_links"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(sa_column=Column(
        Integer, ForeignKey("staff_accounts.id", ondelete="CASCADE"), nullable=False, index=True))
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class UnansweredRow(SQLModel, table=True):
    __tablename__ = "unanswered_questions"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    lang: str = Field(max_length=8)
    kind: str = Field(max_length=16)  # "no_answer" | "not_helpful"
    # Only a consented user's words; NULL means "counted, not kept".
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    article: str | None = Field(default=None, max_length=128)
    user_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True))


class PublicationRow(SQLModel, table=True):
    """Each knowledge-base publication: every process swaps it in when a newer row appears."""

    __tablename__ = "kb_publications"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    articles: int


@dataclass(frozen=True, slots=True)
class StaffRecord:
    email: str
    name: str
    role: str
    password_hash: str


@dataclass(frozen=True, slots=True)
class EarlierCase:
    id: int
    product: str
    state: str
    arrived_at: datetime
    resolution: str | None


def _staff(row: StaffRow) -> StaffRecord:
    return StaffRecord(email=row.email, name=row.name, role=row.role,
                       password_hash=row.password_hash)  # fmt: skip


class SqlWebStore:
    """The web console's tables and read-only queries on a :class:`Database`."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def add_staff(self, record: StaffRecord, *, at: datetime) -> bool:
        """Add or replace an account (a new password, a changed role); True if new."""
        async with self.database.sessions() as session, session.begin():
            query = select(StaffRow).where(StaffRow.email == record.email)
            row = (await session.execute(query)).scalars().first()
            new = row is None
            row = row or StaffRow(email=record.email, created_at=at, name="", role="",
                                  password_hash="")  # fmt: skip
            row.name, row.role, row.password_hash = record.name, record.role, record.password_hash
            session.add(row)
            return new

    async def staff(self, email: str) -> StaffRecord | None:
        async with self.database.sessions() as session:
            query = select(StaffRow).where(StaffRow.email == email)
            row = (await session.execute(query)).scalars().first()
            return _staff(row) if row else None

    async def all_staff(self) -> list[StaffRecord]:
        async with self.database.sessions() as session:
            rows = (await session.execute(select(StaffRow).order_by(StaffRow.email))).scalars()
            return [_staff(row) for row in rows]

    async def remove_staff(self, email: str) -> bool:
        async with self.database.sessions() as session, session.begin():
            gone = await session.execute(delete(StaffRow).where(StaffRow.email == email))
            return bool(gone.rowcount)

    async def add_link(self, email: str, token_hash: str, *, at: datetime,
                       expires_at: datetime) -> bool:  # fmt: skip
        """A one-time sign-in link for the account; False if there is no such account."""
        async with self.database.sessions() as session, session.begin():
            query = select(StaffRow.id).where(StaffRow.email == email)
            staff_id = (await session.execute(query)).scalar()
            if staff_id is None:
                return False
            session.add(SignInLinkRow(staff_id=staff_id, token_hash=token_hash, created_at=at,
                                      expires_at=expires_at))  # fmt: skip
            return True

    async def link_account(self, token_hash: str, *, at: datetime) -> StaffRecord | None:
        """The account of a link that is unused and unexpired at ``at``."""
        async with self.database.sessions() as session:
            row = (await session.execute(self._usable(token_hash, at))).scalars().first()
            return _staff(row) if row else None

    async def use_link(self, token_hash: str, password_hash: str, *,
                       at: datetime) -> StaffRecord | None:  # fmt: skip
        """Spend the link (once: of two at the same moment only one wins) and set the
        account's password; None if it was used, expired or never existed."""
        async with self.database.sessions() as session, session.begin():
            spent = await session.execute(
                update(SignInLinkRow)
                .where(SignInLinkRow.token_hash == token_hash,
                       SignInLinkRow.used_at.is_(None),  # type: ignore[union-attr]
                       SignInLinkRow.expires_at > at)  # type: ignore[arg-type]
                .values(used_at=at)
            )  # fmt: skip
            if not spent.rowcount:
                return None
            query = select(StaffRow).join(SignInLinkRow, SignInLinkRow.staff_id == StaffRow.id)
            row = (await session.execute(query.where(SignInLinkRow.token_hash == token_hash))
                   ).scalars().one()  # fmt: skip
            row.password_hash = password_hash
            session.add(row)
            return _staff(row)

    @staticmethod
    def _usable(token_hash: str, at: datetime) -> Any:
        return (
            select(StaffRow)
            .join(SignInLinkRow, SignInLinkRow.staff_id == StaffRow.id)
            .where(SignInLinkRow.token_hash == token_hash,
                   SignInLinkRow.used_at.is_(None),  # type: ignore[union-attr]
                   SignInLinkRow.expires_at > at)  # type: ignore[arg-type]
        )  # fmt: skip

    async def add_unanswered(self, item: UnansweredQuestion) -> None:
        async with self.database.sessions() as session, session.begin():
            session.add(UnansweredRow(at=item.at, lang=item.lang, kind=item.kind,
                                      text=item.text, article=item.article,
                                      user_id=item.user_id))  # fmt: skip

    async def unanswered(self, *, since: datetime) -> list[UnansweredQuestion]:
        async with self.database.sessions() as session:
            query = select(UnansweredRow).where(UnansweredRow.at >= since)
            rows = (await session.execute(query.order_by(UnansweredRow.id))).scalars()
            return [UnansweredQuestion(at=r.at, lang=r.lang, kind=r.kind, text=r.text,
                                       article=r.article, user_id=r.user_id)
                    for r in rows]  # fmt: skip

    async def forget_unanswered(self, *, before: datetime) -> int:
        async with self.database.sessions() as session, session.begin():
            gone = await session.execute(delete(UnansweredRow).where(UnansweredRow.at < before))
            return int(gone.rowcount or 0)

    async def published(self, *, articles: int, at: datetime) -> int:
        async with self.database.sessions() as session, session.begin():
            row = PublicationRow(at=at, articles=articles)
            session.add(row)
            await session.flush()
            return row.id or 0

    async def last_publication(self) -> int:
        async with self.database.sessions() as session:
            found = await session.execute(select(func.max(PublicationRow.id)))
            return int(found.scalar() or 0)

    async def chat_transcript(self, conversation_key: str) -> list[StoredMessage]:
        """A conversation's stored messages, internal notes left out (for its customer)."""
        async with self.database.sessions() as session:
            query = (
                select(MessageRow)
                .join(ConversationRow, ConversationRow.id == MessageRow.conversation_id)
                .where(ConversationRow.key == conversation_key,
                       MessageRow.direction != Direction.NOTE.value)
                .order_by(MessageRow.id)
            )  # fmt: skip
            rows = (await session.execute(query)).scalars().all()
            return [StoredMessage(at=m.created_at, direction=Direction(m.direction), text=m.text)
                    for m in rows]  # fmt: skip

    async def earlier_cases(self, case_id: int, *, limit: int = 10) -> list[EarlierCase]:
        """The same customer's other cases, newest first."""
        async with self.database.sessions() as session:
            case = await session.get(CaseRow, case_id)
            if case is None:
                return []
            query = (
                select(CaseRow)
                .where(CaseRow.user_id == case.user_id, CaseRow.id != case_id)
                .order_by(CaseRow.id.desc())  # type: ignore[union-attr]
                .limit(limit)
            )
            rows = (await session.execute(query)).scalars().all()
            return [EarlierCase(id=r.id or 0, product=r.product, state=r.state,
                                arrived_at=r.arrived_at, resolution=r.resolution)
                    for r in rows]  # fmt: skip
