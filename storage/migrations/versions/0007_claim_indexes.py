"""claim indexes: the outbox's and inbox's claims probe only the rows still waiting

The outbox keeps delivered items for agents, and "the first waiting item of each
recipient" was an anti-join that PostgreSQL, before it had statistics of a new burst,
ran as a scan of every waiting row per waiting row (1.3 s a claim with 10,000
waiting). A partial index holds only the waiting rows, by recipient and id; the inbox
gets its conversation's order as one index.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 10:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

WAITING = sa.text("delivered_at IS NULL AND failed_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_waiting_recipient', ['address_key', 'id'], unique=False,
                              postgresql_where=WAITING, sqlite_where=WAITING)
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_conversation_order', ['conversation_key', 'id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_conversation_order')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_waiting_recipient')
