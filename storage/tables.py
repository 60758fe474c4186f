"""The tables. Personal data lives only in ``users``, ``consents`` and ``messages``,
and rows there are written only after the user's consent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def _when(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


def _owner(table: str, *, nullable: bool, ondelete: str) -> Column[int]:
    return Column(
        Integer, ForeignKey(f"{table}.id", ondelete=ondelete), nullable=nullable, index=True
    )


class UserRow(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_users_identity"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    external_id: str = Field(max_length=255)
    name: str | None = Field(default=None, max_length=255)
    email: str | None = Field(default=None, max_length=320, index=True)
    created_at: datetime = Field(sa_column=_when())


class ConsentRow(SQLModel, table=True):
    __tablename__ = "consents"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=_owner("users", nullable=False, ondelete="CASCADE"))
    text_version: str = Field(max_length=64)
    text_fingerprint: str = Field(max_length=64)
    lang: str = Field(max_length=8)
    given_at: datetime = Field(sa_column=_when())
    withdrawn_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


class ConversationRow(SQLModel, table=True):
    __tablename__ = "conversations"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    channel: str = Field(max_length=32)
    phase: str = Field(max_length=32)
    lang: str = Field(max_length=8)
    handover_pending: bool = False
    user_id: int | None = Field(
        default=None, sa_column=_owner("users", nullable=True, ondelete="SET NULL")
    )
    address: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=_when())
    updated_at: datetime = Field(sa_column=_when())


class MessageRow(SQLModel, table=True):
    __tablename__ = "messages"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = Field(
        sa_column=_owner("conversations", nullable=False, ondelete="CASCADE")
    )
    user_id: int | None = Field(
        default=None, sa_column=_owner("users", nullable=True, ondelete="CASCADE")
    )
    direction: str = Field(max_length=16)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=_when(index=True))


class ProcessedMessageRow(SQLModel, table=True):
    """Message ids already handled, so a retried delivery is answered once."""

    __tablename__ = "processed_messages"
    __table_args__ = (UniqueConstraint("channel", "message_id", name="uq_processed_message"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    message_id: str = Field(max_length=255)
    processed_at: datetime = Field(sa_column=_when(index=True))
