"""Shared fixtures: a real database (SQLite file, and PostgreSQL when configured)
and the bot's real app, driven through a collecting channel."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import App
from bot.core.logs import OWN_LOGGERS
from bot.core.settings import Settings
from storage.db import async_url
from tests.harness import Clock


@pytest.fixture(autouse=True)
def _logging_as_found() -> Iterator[None]:
    """A command run in-process sets our loggers' levels; put them back, so later
    tests' log capture sees what they log (pytest renews its own handlers each phase)."""
    root = logging.getLogger()
    level = root.level
    levels = {name: logging.getLogger(name).level for name in OWN_LOGGERS}
    yield
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)

REPO = Path(__file__).resolve().parent.parent


def _own_database(url: str | None) -> str | None:
    """Under pytest-xdist every worker gets its own database beside the configured
    one (``test`` becomes ``test_gw0``, ``test_gw1`` …), so workers never drop each
    other's schema or hear each other's NOTIFY."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    parsed = make_url(url)
    base = parsed.database or parsed.username or "postgres"
    return parsed.set(database=f"{base}_{worker}").render_as_string(hide_password=False)


CONFIGURED_POSTGRES_URL = os.environ.get("SUPPORTBOT_TEST_DATABASE_URL")
POSTGRES_URL = _own_database(CONFIGURED_POSTGRES_URL)

needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="SUPPORTBOT_TEST_DATABASE_URL is not set"
)


_created: set[str] = set()


async def _ensure_database(url: str) -> None:
    """Create a worker's own database once, through the configured one."""
    if url in _created or url == CONFIGURED_POSTGRES_URL or not CONFIGURED_POSTGRES_URL:
        return
    name = make_url(url).database
    admin = create_async_engine(async_url(CONFIGURED_POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            found = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not found:
                try:
                    await connection.execute(text(f'CREATE DATABASE "{name}"'))
                except DBAPIError as error:
                    if "already exists" not in str(error):  # another run made it meanwhile
                        pytest.fail(f"cannot create the worker's database {name!r} beside "
                                    f"SUPPORTBOT_TEST_DATABASE_URL (the role needs CREATEDB, "
                                    f"or run pytest without -n): {error}")
    finally:
        await admin.dispose()
    _created.add(url)


async def fresh_postgres(url: str) -> None:
    """Empty the test database's public schema so migrations start from nothing."""
    await _ensure_database(url)
    engine = create_async_engine(async_url(url))
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Every backend the bot supports: a fresh SQLite file, and PostgreSQL when set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.db'}"
    else:
        assert POSTGRES_URL
        await fresh_postgres(POSTGRES_URL)
        yield POSTGRES_URL


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bot.db'}"


@pytest.fixture
def clock() -> Clock:
    # A Tuesday inside service hours (10:00 in Helsinki).
    return Clock(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture
async def app(settings: Settings, clock: Clock) -> AsyncIterator[App]:
    app = await App.start(settings, clock=clock)
    yield app
    await app.close()


@pytest.fixture(autouse=True)
def _own_log_levels() -> Iterator[None]:
    """A command run in-process (``bot.core.logs.configure``) sets our loggers' levels;
    they are put back, so a later test's caplog still sees INFO lines."""
    from bot.core.logs import OWN_LOGGERS

    saved = {name: logging.getLogger(name).level for name in OWN_LOGGERS}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)
