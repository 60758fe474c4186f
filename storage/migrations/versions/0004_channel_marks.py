"""channel marks: a channel's own ids (Teams case cards and their threads)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 06:40:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channel_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'key', name='uq_channel_mark')
    )
    with op.batch_alter_table('channel_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_marks_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('channel_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_marks_created_at'))
    op.drop_table('channel_marks')
