"""The bench's world: real ``supportbot serve`` processes on one database, the fake Slack
Web API on a thread of its own, and a client that posts to them as Slack does.

A request that gets no answer (the process was killed, the connection dropped, it
timed out) is sent again, to whichever process answers, the way Slack retries an
event delivery; only a 2xx counts as acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import ClientError, ClientSession, ClientTimeout
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from chaoslib.fake import TimedFake
from storage.db import async_url
from tests.fakes.slack_api import sign
from tests.slack_harness import AGENT_CHANNEL, AGENTS, SECRET, TOKEN

SUPPORTBOT = Path(sys.executable).with_name("supportbot")
KEY = "chaos-bench-secret-key-0123456789abcdef"


def open_all_day(folder: Path) -> Path:
    """A service-hours file that keeps the desk open around the clock today and tomorrow,
    so a hand-over queues a case whenever the bench runs."""
    today = datetime.now(ZoneInfo("Europe/Helsinki")).date()
    days = [today + timedelta(days=n) for n in range(3)]
    lines = ["changed_hours:"]
    for day in days:
        lines += [
            f"  - date: {day.isoformat()}",
            '    opens: "00:00"',
            '    closes: "23:59"',
            "    reason: chaos bench",
        ]
    path = folder / "hours.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """One ``supportbot serve`` process; it can be killed (-9) and started again."""

    name: str
    env: Mapping[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: asyncio.subprocess.Process | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                str(SUPPORTBOT),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                env={**os.environ, **self.env},
                stdout=out,
                stderr=out,
            )
        self.starts += 1

    async def ready(self, session: ClientSession, within: float = 300.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.returncode is not None:
                raise RuntimeError(f"{self.name} exited {self.process.returncode}: see {self.log}")
            with contextlib.suppress(ClientError, TimeoutError):
                async with session.get(self.url + "/healthz") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready within {within}s: see {self.log}")

    def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), 60)
        except TimeoutError:
            self.kill()
            await self.process.wait()


@dataclass
class Delivery:
    """How one request fared: acknowledged or not, and every status seen on the way."""

    acked: bool
    statuses: list[int]
    attempts: int


@dataclass
class Cluster:
    """The servers of one phase, the database they share and the fake behind them."""

    database_url: str
    api: TimedFake
    folder: Path
    servers: list[Server] = field(default_factory=list)
    session: ClientSession | None = None
    statuses: dict[int, int] = field(default_factory=dict)
    _turn: int = 0

    def env(self) -> dict[str, str]:
        return {
            "DATABASE_URL": self.database_url,
            "SUPPORTBOT_DEMO": "1",
            "SUPPORTBOT_SECRET_KEY": KEY,
            "SUPPORTBOT_DATA_DIR": str(self.folder),
            "SUPPORTBOT_AGENTS": AGENTS,
            "SUPPORTBOT_SERVICE_HOURS_FILE": str(open_all_day(self.folder)),
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_BASE_URL": self.api.base_url,
            "SLACK_AGENT_CHANNEL": AGENT_CHANNEL,
            "PYTHONUNBUFFERED": "1",
        }

    @property
    def http(self) -> ClientSession:
        assert self.session is not None
        return self.session

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        server: Server | None = None,
        within: float = 600.0,
        headers: Mapping[str, str] | None = None,
    ) -> Delivery:
        """Post a signed request until one process acknowledges it (or ``within`` passes)."""
        statuses: list[int] = []
        deadline = time.monotonic() + within
        attempt = 0
        while time.monotonic() < deadline:
            target = server or self._next()
            sent = {"Content-Type": content_type, **sign(body, SECRET), **(headers or {})}
            if attempt:
                sent |= {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "timeout"}
            attempt += 1
            try:
                async with self.http.post(
                    target.url + "/slack/events", data=body.encode(), headers=sent
                ) as response:
                    await response.read()
                    statuses.append(response.status)
                    self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
                    if response.status < 300:
                        return Delivery(True, statuses, attempt)
                    if response.status < 500:  # refused: Slack does not send it again
                        return Delivery(False, statuses, attempt)
            except (ClientError, TimeoutError, ConnectionError):
                statuses.append(0)
            await asyncio.sleep(min(0.2 * attempt, 2.0))
        return Delivery(False, statuses, attempt)

    async def event(self, envelope: Mapping[str, Any], **kwargs: Any) -> Delivery:
        return await self.post(json.dumps(envelope), "application/json", **kwargs)

    def _next(self) -> Server:
        self._turn += 1
        return self.servers[self._turn % len(self.servers)]

    async def scalar(self, query: str) -> Any:
        engine = self.engine()
        try:
            async with engine.connect() as connection:
                return (await connection.execute(text(query))).scalar()
        finally:
            await engine.dispose()

    async def rows(self, query: str) -> list[tuple[Any, ...]]:
        engine = self.engine()
        try:
            async with engine.connect() as connection:
                return [tuple(r) for r in (await connection.execute(text(query))).all()]
        finally:
            await engine.dispose()

    def engine(self) -> AsyncEngine:
        return create_async_engine(async_url(self.database_url))

    async def quiet(self, within: float = 900.0) -> bool:
        """Wait until the inbox is empty and nothing waits in the outbox."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            waiting = await self.scalar(
                "select (select count(*) from inbox) + (select count(*) from outbox "
                "where delivered_at is null and failed_at is null)"
            )
            if not waiting:
                return True
            await asyncio.sleep(1.0)
        return False

    def errors_logged(self) -> int:
        """ERROR lines the servers logged (failures are logged by type, never by text)."""
        return sum(
            line.count(" ERROR ")
            for server in self.servers
            for line in server.log.read_text(errors="replace").splitlines()
        )


async def reset(database_url: str) -> None:
    """An empty database for a phase: PostgreSQL's schema dropped, SQLite's file removed."""
    if database_url.startswith("sqlite"):
        path = Path(database_url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            await asyncio.to_thread(Path(f"{path}{suffix}").unlink, missing_ok=True)
        return
    engine = create_async_engine(async_url(database_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text("drop schema public cascade"))
            await connection.execute(text("create schema public"))
    finally:
        await engine.dispose()


@asynccontextmanager
async def cluster(
    database_url: str, api: TimedFake, folder: Path, processes: int
) -> AsyncIterator[Cluster]:
    """``processes`` servers on a fresh database, ready; stopped (gracefully) afterwards."""
    await reset(database_url)
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    world = Cluster(database_url=database_url, api=api, folder=folder)
    async with ClientSession(timeout=ClientTimeout(total=15)) as session:
        world.session = session
        env = world.env()
        world.servers = [
            Server(name=f"p{n}", env=env, log=folder / f"p{n}.log") for n in range(processes)
        ]
        try:
            # One first: it runs the migrations; the others then start side by side.
            await world.servers[0].start()
            await world.servers[0].ready(session)
            for server in world.servers[1:]:
                await server.start()
            for server in world.servers[1:]:
                await server.ready(session)
            yield world
        finally:
            for server in world.servers:
                await server.stop()
