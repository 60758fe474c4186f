"""Real ``supportbot serve`` processes behind one fake Slack: for the several-process
test and ``bench/load.py``. Each process is started as an administrator would start it
(the console script, settings in the environment) and posted to over loopback, signed
as Slack signs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

from tests.fakes.slack_api import ApiCall, FakeSlackApi, event_envelope, form, sign
from tests.slack_harness import AGENT_CHANNEL, AGENTS, SECRET, TOKEN

EXE = str(Path(sys.executable).with_name("supportbot"))
SERVING = "supportbot serving on"
KEY = "0123456789abcdef" * 4


@dataclass
class WatchedSlack(FakeSlackApi):
    """The fake Slack API, telling listeners about every call as it is recorded."""

    listeners: list[Callable[[ApiCall], None]] = field(default_factory=list)

    async def _record(self, call: ApiCall) -> None:
        await super()._record(call)
        for listener in self.listeners:
            listener(call)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_env(database_url: str, slack_api: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of one serve process: only what the test sets, no stray settings."""
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("SUPPORTBOT_", "SLACK_", "TEAMS_")) and k != "DATABASE_URL"}
    return {
        **keep,
        "DATABASE_URL": database_url, "SUPPORTBOT_SECRET_KEY": KEY,
        "SUPPORTBOT_DATA_DIR": str(data_dir), "SUPPORTBOT_AGENTS": AGENTS,
        "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_BASE_URL": slack_api, "SLACK_AGENT_CHANNEL": AGENT_CHANNEL,
        **extra,
    }  # fmt: skip


@dataclass
class ServeProcess:
    process: asyncio.subprocess.Process
    port: int
    output: list[str] = field(default_factory=list)
    _drain: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, env: Mapping[str, str], *, wait: float = 240) -> ServeProcess:
        port = free_port()
        process = await asyncio.create_subprocess_exec(
            EXE, "serve", "--host", "127.0.0.1", "--port", str(port), env=dict(env),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        served = cls(process=process, port=port)
        try:
            await asyncio.wait_for(served._until_serving(), wait)
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            raise
        served._drain = asyncio.create_task(served._keep_reading())
        return served

    async def _until_serving(self) -> None:
        assert self.process.stdout is not None
        while True:
            raw = await self.process.stdout.readline()
            if not raw:
                raise AssertionError("serve ended before serving:\n" + "".join(self.output))
            self.output.append(raw.decode(errors="replace"))
            if SERVING in self.output[-1]:
                return

    async def _keep_reading(self) -> None:
        # A pipe nobody reads fills up and stops the process: keep reading it.
        assert self.process.stdout is not None
        while raw := await self.process.stdout.readline():
            self.output.append(raw.decode(errors="replace"))

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def rss_mb(self) -> float:
        """Resident memory of the process now, in MB (Linux)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kb = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))
        return int(kb) / 1024

    def cpu_seconds(self) -> float:
        """User and system CPU time the process has used so far (Linux)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> int:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 60)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._drain is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._drain, 10)
        return int(self.process.returncode or 0)


class Poster:
    """Posts to a process as Slack does (signed); returns the time to the acknowledgement."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session

    async def _post(self, url: str, body: str, content_type: str, **headers: str) -> float:
        sent = {"Content-Type": content_type, **sign(body, SECRET), **headers}
        started = time.perf_counter()
        async with self.session.post(url, data=body.encode(), headers=sent) as response:
            await response.read()
            assert response.status == 200, (response.status, url)
        return time.perf_counter() - started

    async def event(self, process: ServeProcess, envelope: str, **headers: str) -> float:
        return await self._post(process.url("/slack/events"), envelope, "application/json",
                                **headers)  # fmt: skip

    async def interact(self, process: ServeProcess, payload: Mapping[str, Any]) -> float:
        return await self._post(process.url("/slack/events"), form(payload),
                                "application/x-www-form-urlencoded")  # fmt: skip


    async def activity(self, process: ServeProcess, activity: Mapping[str, Any],
                       token: str) -> float:  # fmt: skip
        """Post a Teams activity with its Bot Framework token (200 or 202 is arrived)."""
        sent = {"Authorization": f"Bearer {token}"}
        started = time.perf_counter()
        async with self.session.post(process.url("/api/messages"), json=dict(activity),
                                     headers=sent) as response:  # fmt: skip
            await response.read()
            assert response.status in (200, 202), (response.status, process.port)
        return time.perf_counter() - started


def envelope(event: Mapping[str, Any]) -> str:
    return json.dumps(event_envelope(event))
