"""The database: URL handling, the async engine, and migrations on start."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

log = logging.getLogger(__name__)
# aiosqlite logs every statement with its parameters at DEBUG: message text and
# email addresses would reach the logs. Our own logs say what happened instead.
logging.getLogger("aiosqlite").setLevel(logging.INFO)

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same in every bot process.
_MIGRATION_LOCK = 0x5EC0_CA9
LOCK_TABLE = "migration_lock"


class DatabaseError(RuntimeError):
    """The database cannot be used; the message says what to check."""


def async_url(url: str) -> str:
    """The URL with its async driver: sqlite:// gets aiosqlite, postgresql:// asyncpg."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    elif backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    else:
        raise DatabaseError(f"unsupported database {backend!r}: use sqlite:// or postgresql://")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Erased rows are overwritten with zeros, not left in free pages (GDPR art. 17):
    # not every SQLite is built with this on.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # Several terminals or processes may share one SQLite file: wait for the lock
    # rather than fail (a turn waits at most this long, then reports the error).
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _upgrade(connection: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


class Database:
    """The async engine and its sessions; :meth:`open` also upgrades the schema."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> Database:
        # hide_parameters: error messages must not carry message text or emails.
        engine = create_async_engine(async_url(url), pool_pre_ping=True, hide_parameters=True)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        database = cls(engine)
        if migrate:
            await database.migrate()
        return database

    async def migrate(self) -> None:
        """Bring the schema to the newest migration; several processes may race here safely."""
        try:
            async with self.engine.begin() as connection:
                if self.dialect == "postgresql":
                    await connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                    )
                else:
                    # A write takes SQLite's database lock until commit, so a second
                    # process starting at the same moment waits, then finds the schema done.
                    await connection.execute(
                        text(f"CREATE TABLE IF NOT EXISTS {LOCK_TABLE} (id INTEGER)")
                    )
                    await connection.execute(text(f"DELETE FROM {LOCK_TABLE}"))
                await connection.run_sync(_upgrade)
        except OSError as exc:
            raise DatabaseError(f"cannot reach the database: {exc}") from exc

    async def ping(self) -> bool:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True

    async def forget_freed_pages(self) -> None:
        """After an erasure: on SQLite, copy the write-ahead log into the database (whose
        freed pages secure_delete has zeroed) and empty it, so no old page image of the
        erased rows stays in the -wal file. Nothing to do on PostgreSQL (VACUUM's job)."""
        if self.dialect != "sqlite":
            return
        async with self.engine.connect() as connection:
            await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))

    async def close(self) -> None:
        await self.engine.dispose()
