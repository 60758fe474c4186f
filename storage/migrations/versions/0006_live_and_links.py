"""web console: replies kept briefly for live pages in every process; one-time sign-in links

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 10:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_pushes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('address_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('web_pushes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_pushes_address_key'), ['address_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_pushes_at'), ['at'], unique=False)
    op.create_table('staff_sign_in_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('staff_sign_in_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_sign_in_links_staff_id'), ['staff_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('staff_sign_in_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sign_in_links_staff_id'))
    op.drop_table('staff_sign_in_links')
    with op.batch_alter_table('web_pushes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_pushes_at'))
        batch_op.drop_index(batch_op.f('ix_web_pushes_address_key'))
    op.drop_table('web_pushes')
