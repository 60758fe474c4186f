"""The tables. Personal data lives only in ``users``, ``consents`` and ``messages``,
and rows there are written only after the user's consent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def _when(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


# Rows still waiting for delivery. PostgreSQL and SQLite both index only these: the
# claim asks for a recipient's first waiting item, among thousands delivered. (One such
# index only: with a second, PostgreSQL without fresh statistics probed through the
# wrong one, a scan of every waiting row per candidate.)
_WAITING = text("delivered_at IS NULL AND failed_at IS NULL")


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
    email: str | None = Field(default=None, max_length=320)
    # The email folded the same way on every database (SQLite's lower() is ASCII-only).
    email_key: str | None = Field(default=None, max_length=320, index=True)
    created_at: datetime = Field(sa_column=_when())
    # The last turn of this user: retention counts from here.
    last_seen_at: datetime | None = Field(default=None, sa_column=_when(nullable=True, index=True))


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
    # Who started it, as a keyed digest (bot/core/keys.py): others in a shared thread
    # may not click its buttons, and their words are neither stored nor relayed.
    owner: str | None = Field(default=None, max_length=64)
    user_id: int | None = Field(
        default=None, sa_column=_owner("users", nullable=True, ondelete="SET NULL")
    )
    address: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    draft: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=_when())
    updated_at: datetime = Field(sa_column=_when(index=True))


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
    version: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    urgency: int = Field(index=True)
    description: str = Field(sa_column=Column(Text, nullable=False))
    existing_reference: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
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
    __table_args__ = (
        Index("ix_outbox_waiting_recipient", "address_key", "id",
              postgresql_where=_WAITING, sqlite_where=_WAITING),
    )  # fmt: skip

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32, index=True)
    address: str = Field(sa_column=Column(Text, nullable=False))
    # A digest of (channel, address): items to one recipient go out in order.
    address_key: str = Field(max_length=64, index=True)
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


class InboxRow(SQLModel, table=True):
    """An inbound message or click, stored before the platform is told it arrived.

    Workers take the oldest row of each conversation under a lease; the turn
    deletes the row in its own transaction, so a crash at any moment loses
    nothing acknowledged and a redelivery (same ``dedupe``) is stored once.
    """

    __tablename__ = "inbox"
    # A conversation's oldest message first: the claim's probe reads only this index.
    __table_args__ = (Index("ix_inbox_conversation_order", "conversation_key", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe: str = Field(max_length=64, unique=True)
    channel: str = Field(max_length=32)
    conversation_key: str = Field(max_length=64, index=True)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(sa_column=_when())
    lease_until: datetime = Field(sa_column=_when(index=True))
    attempts: int = 0
    error: str | None = Field(default=None, max_length=200)


class PrivacyAuditRow(SQLModel, table=True):
    """That a privacy request was carried out: when, which, how many rows. Nothing personal."""

    __tablename__ = "privacy_audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_when(index=True))
    request: str = Field(max_length=32)
    source: str = Field(max_length=32)
    rows: int = 0


class ChannelMarkRow(SQLModel, table=True):
    """What a channel must remember about its own messages (a Teams case card's activity id,
    the case a thread belongs to): platform ids only, nothing personal."""

    __tablename__ = "channel_marks"
    __table_args__ = (UniqueConstraint("channel", "key", name="uq_channel_mark"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    key: str = Field(max_length=255)
    value: str = Field(max_length=512)
    created_at: datetime = Field(sa_column=_when(index=True))


class WebPushRow(SQLModel, table=True):
    """A web chat's replies for a minute or two after delivery: the process holding the
    page pushes them from here. Erasure deletes them with the user's conversations."""

    __tablename__ = "web_pushes"
    # Ids only grow (pages follow them), also after the newest rows were erased.
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(sa_column=Column(Text, nullable=False))
    address_key: str = Field(max_length=64, index=True)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = Field(sa_column=_when(index=True))
