"""The tables. Personal data lives only in ``users``, ``consents`` and ``messages``,
and rows there are written only after the user's consent."""

from __future__ import annotations

from datetime import date, datetime

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
    draft: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
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
    case_id: int | None = Field(
        default=None, sa_column=_owner("cases", nullable=True, ondelete="CASCADE")
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


# --- The customer register (service description 1.6) -------------------------


class OrganisationRow(SQLModel, table=True):
    __tablename__ = "organisations"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=255, unique=True)
    created_at: datetime = Field(sa_column=_when())


class OrganisationDomainRow(SQLModel, table=True):
    __tablename__ = "organisation_domains"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=_owner("organisations", nullable=False, ondelete="CASCADE")
    )
    domain: str = Field(max_length=255, unique=True)


class ContractRow(SQLModel, table=True):
    """A maintained product of an organisation and the day its maintenance ends."""

    __tablename__ = "contracts"
    __table_args__ = (UniqueConstraint("organisation_id", "product", name="uq_contract_product"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=_owner("organisations", nullable=False, ondelete="CASCADE")
    )
    product: str = Field(max_length=64)
    ends_on: date


class NamedContactRow(SQLModel, table=True):
    """A named responsible person (system administrator) for a system product."""

    __tablename__ = "named_contacts"
    __table_args__ = (
        UniqueConstraint("organisation_id", "product", "email", name="uq_named_contact"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=_owner("organisations", nullable=False, ondelete="CASCADE")
    )
    product: str = Field(max_length=64)
    email: str = Field(max_length=320, index=True)
    name: str | None = Field(default=None, max_length=255)


# --- Cases, the agent queue and delivery ---------------------------------------


class CaseRow(SQLModel, table=True):
    """A hand-over to people: what the agent needs, the queue order and who holds it."""

    __tablename__ = "cases"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int | None = Field(
        default=None, sa_column=_owner("conversations", nullable=True, ondelete="SET NULL")
    )
    user_id: int = Field(sa_column=_owner("users", nullable=False, ondelete="CASCADE"))
    organisation_id: int | None = Field(
        default=None, sa_column=_owner("organisations", nullable=True, ondelete="SET NULL")
    )
    organisation_name: str | None = Field(default=None, max_length=255)
    entitlement: str = Field(max_length=32)
    product: str = Field(max_length=64)
    version: str | None = Field(default=None, max_length=64)
    urgency: int = Field(index=True)
    description: str = Field(sa_column=Column(Text, nullable=False))
    existing_reference: str | None = Field(default=None, max_length=64)
    state: str = Field(max_length=16, index=True)
    holder: str | None = Field(default=None, max_length=320)
    holder_name: str | None = Field(default=None, max_length=255)
    lang: str = Field(max_length=8)
    customer_channel: str = Field(max_length=32)
    customer_address: str = Field(sa_column=Column(Text, nullable=False))
    arrived_at: datetime = Field(sa_column=_when(index=True))
    due_at: datetime = Field(sa_column=_when())
    taken_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    resolution: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    due_alert_sent_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


class OutboxRow(SQLModel, table=True):
    """A message stored before it is delivered, and marked when it has been."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32, index=True)
    address: str = Field(sa_column=Column(Text, nullable=False))
    recipient: str = Field(max_length=16)
    case_id: int | None = Field(
        default=None, sa_column=_owner("cases", nullable=True, ondelete="CASCADE")
    )
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=_when())
    next_attempt_at: datetime = Field(sa_column=_when(index=True))
    attempts: int = 0
    delivered_at: datetime | None = Field(default=None, sa_column=_when(nullable=True, index=True))
    failed_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    error: str | None = Field(default=None, max_length=500)
