"""Counts for monitoring: inbox and outbox depth and age, cases by state and target.

Aggregates only; nothing here reads a message, a name or an address.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from bot.core.cases import CaseState
from bot.core.metrics import OpsSnapshot
from storage.db import MIGRATIONS, Database
from storage.tables import CaseRow, InboxRow, OutboxRow


def _age(now: datetime, oldest: datetime | None) -> float:
    if oldest is None:
        return 0.0
    oldest = oldest.replace(tzinfo=UTC) if oldest.tzinfo is None else oldest
    return max(0.0, (now - oldest).total_seconds())


class SqlStats:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def snapshot(self, *, now: datetime, lead: timedelta) -> OpsSnapshot:
        waiting = (OutboxRow.delivered_at.is_(None), OutboxRow.failed_at.is_(None))
        async with self.database.sessions() as session:
            inbox = (
                await session.execute(select(func.count(), func.min(InboxRow.received_at)))
            ).one()
            outbox = (
                await session.execute(
                    select(func.count(), func.min(OutboxRow.created_at)).where(*waiting)
                )
            ).one()
            failed = await session.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.failed_at.is_not(None))
            )
            states = (
                await session.execute(select(CaseRow.state, func.count()).group_by(CaseRow.state))
            ).all()
            queued = CaseRow.state == CaseState.QUEUED.value
            overdue = await session.scalar(
                select(func.count()).select_from(CaseRow).where(queued, CaseRow.due_at <= now)
            )
            soon = await session.scalar(
                select(func.count())
                .select_from(CaseRow)
                .where(queued, CaseRow.due_at > now, CaseRow.due_at <= now + lead)
            )
        return OpsSnapshot(
            inbox_depth=int(inbox[0]),
            inbox_oldest_seconds=_age(now, inbox[1]),
            outbox_depth=int(outbox[0]),
            outbox_oldest_seconds=_age(now, outbox[1]),
            outbox_failed=int(failed or 0),
            cases_by_state={str(state): int(count) for state, count in states},
            cases_due_soon=int(soon or 0),
            cases_overdue=int(overdue or 0),
        )


async def schema_revisions(database: Database) -> tuple[str | None, set[str]]:
    """The schema's migration revision in the database (None: never migrated) and the
    newest revisions this code ships. Reads only; never migrates."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = set(ScriptDirectory.from_config(config).get_heads())

    def current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with database.engine.connect() as connection:
        return await connection.run_sync(current), heads
