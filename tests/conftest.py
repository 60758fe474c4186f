"""Shared fixtures: a real database (SQLite file, and PostgreSQL when configured)
and the bot's real app, driven through a collecting channel."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
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
POSTGRES_URL = os.environ.get("SUPPORTBOT_TEST_DATABASE_URL")

needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="SUPPORTBOT_TEST_DATABASE_URL is not set"
)


async def fresh_postgres(url: str) -> None:
    """Empty the test database's public schema so migrations start from nothing."""
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
