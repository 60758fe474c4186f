"""Hostile requests: unsigned and forged ones first (they must change nothing: no row,
no call to Slack), then correctly signed ones with strange bodies. None may get a 5xx."""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientError
from sqlalchemy import text
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (the tables, for the state snapshot)
from chaoslib.cluster import Cluster
from tests.fakes.slack_api import dm_event, event_envelope, sign
from tests.slack_harness import SECRET

PATHS = (
    "/slack/events",
    "/slack/events",
    "/slack/events",
    "/slack/events/",
    "/healthz",
    "/api/messages",
    "/",
    "/slack/events?x=%00",
    "/%2e%2e/etc/passwd",
)
TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "text/plain",
    "",
    "multipart/form-data; boundary=x",
    "application/json; charset=latin-1",
)
HOSTILE_TEXT = (
    "\x00",
    "\ud800",
    "\udfff",
    "\u202e",
    "\ufeff",
    "𝕏" * 50,
    "<script>",
    "' or 1=1--",
    "%s%s%n",
    "${jndi:ldap://x}",
    "\r\n\r\n",
    "a" * 5000,
    "ä" * 3000,
    "🙂" * 2000,
)


@dataclass
class Fuzzed:
    unsigned: int = 0
    signed: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    unanswered: int = 0
    changed_tables: list[str] = field(default_factory=list)
    slack_calls: int = 0
    seconds: float = 0.0
    failed: list[str] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)


def _json_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 4 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False, 0, -1, 2**70, 1e308, -0.0])
    if kind == 2:
        return rng.choice(HOSTILE_TEXT) + str(rng.random())
    if kind == 3:
        return rng.choice(["event_callback", "url_verification", "block_actions", "message"])
    if kind == 4:
        return "".join(chr(rng.randrange(1, 0x2FFF)) for _ in range(rng.randrange(20)))
    if kind in (5, 6):
        keys = [
            "type",
            "event",
            "user",
            "text",
            "channel",
            "payload",
            "actions",
            "challenge",
            "team_id",
            "ts",
            "thread_ts",
            "view",
            "token",
            rng.choice(HOSTILE_TEXT),
        ]
        return {rng.choice(keys): _json_value(rng, depth + 1) for _ in range(rng.randrange(6))}
    return [_json_value(rng, depth + 1) for _ in range(rng.randrange(5))]


def _body(rng: random.Random) -> bytes:
    kind = rng.randrange(7)
    if kind == 0:
        return rng.randbytes(rng.randrange(3000))
    if kind == 1:
        depth = rng.choice([10, 1000, 50_000, 400_000])
        return b'{"a":' * depth + b"1" + b"}" * depth if rng.random() < 0.5 else b"[" * depth
    if kind == 2:
        value = json.dumps({"payload": json.dumps(_json_value(rng))})
        return urlencode({"payload": value}).encode()
    if kind == 3:
        return b"x" * rng.choice([1024 * 1024 + 1, 3 * 1024 * 1024])
    if kind == 4:
        event = dm_event("U0FUZZ", rng.choice(HOSTILE_TEXT), ts=f"{rng.random():.6f}")
        return json.dumps(event_envelope(event)).encode()
    if kind == 5:
        fields = {"command": "/tuki", "text": rng.choice(HOSTILE_TEXT), "user_id": "U0MAIJA"}
        return urlencode(fields, errors="surrogatepass").encode()
    return json.dumps(_json_value(rng)).encode("utf-8", "surrogatepass")


def _forged_headers(rng: random.Random, body: bytes) -> dict[str, str]:
    """Headers that are absent, garbage, signed with a wrong secret, stale or for another
    body: nothing here is a valid signature."""
    kind = rng.randrange(6)
    decoded = body.decode("utf-8", "replace")
    if kind == 0:
        return {}
    if kind == 1:
        return {
            "X-Slack-Signature": "v0=" + rng.randbytes(32).hex(),
            "X-Slack-Request-Timestamp": str(int(time.time())),
        }
    if kind == 2:
        return sign(decoded, "not-the-signing-secret-but-close")
    if kind == 3:
        return sign(decoded, SECRET, timestamp=int(time.time()) - 3600)
    if kind == 4:
        return sign(decoded + " ", SECRET)
    return {
        "X-Slack-Signature": rng.choice(["", "v0=", "v1=abc", "ä" * 10, "v0=" + "0" * 64]),
        "X-Slack-Request-Timestamp": rng.choice(
            ["", "-1", "1e9", "99999999999999999999", "١٢٣", str(int(time.time()))]
        ),
    }


def _signed_body(rng: random.Random, respond: str) -> tuple[str, str]:
    kind = rng.randrange(5)
    if kind == 0:
        return json.dumps(_json_value(rng)), "application/json"
    if kind == 1:
        user = f"U0FZ{rng.randrange(50):03d}"
        event = dm_event(
            user,
            "".join(rng.choice(HOSTILE_TEXT) for _ in range(rng.randrange(1, 5))),
            ts=f"17970{rng.randrange(10**5):05d}.{rng.randrange(10**6):06d}",
        )
        envelope = event_envelope(event)
        if rng.random() < 0.3:
            envelope["event"] = {**event, **{rng.choice(list(event)): _json_value(rng)}}
        return json.dumps(envelope), "application/json"
    if kind == 2:
        payload = {
            "type": rng.choice(["block_actions", "view_submission", "shortcut"]),
            **{k: _json_value(rng) for k in ("user", "actions", "container", "view")},
        }
        return urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    if kind == 3:
        fields = {
            "command": "/tuki",
            "text": rng.choice(HOSTILE_TEXT),
            "user_id": rng.choice(["U0MAIJA", "U0FUZZ", ""]),
            "response_url": respond,
        }
        return urlencode(fields, errors="surrogatepass"), "application/x-www-form-urlencoded"
    return "[" * rng.choice([100, 5000, 100_000]), "application/json"


async def _send(
    world: Cluster, result: Fuzzed, method: str, path: str, body: bytes, headers: dict[str, str]
) -> None:
    server = world.servers[hash(body) % len(world.servers)]
    try:
        async with world.http.request(
            method, server.url + path, data=body, headers=headers
        ) as response:
            await response.read()
            result.statuses[response.status] = result.statuses.get(response.status, 0) + 1
    except (ClientError, TimeoutError):
        result.unanswered += 1


async def snapshot(world: Cluster) -> dict[str, str]:
    """A digest of every table's rows."""
    digests = {}
    engine = world.engine()
    try:
        async with engine.connect() as connection:
            for table in SQLModel.metadata.sorted_tables:
                rows = (await connection.execute(text(f"select * from {table.name}"))).all()
                digests[table.name] = hashlib.sha256(
                    repr(sorted(map(repr, rows))).encode()
                ).hexdigest()
    finally:
        await engine.dispose()
    return digests


async def fuzz(world: Cluster, *, count: int, parallel: int, seed: int) -> Fuzzed:
    rng, result = random.Random(seed), Fuzzed()
    gate = asyncio.Semaphore(parallel)
    unsigned = count * 2 // 3

    async def bounded(make: Callable[[], tuple[str, str, bytes, dict[str, str]]]) -> None:
        async with gate:
            await _send(world, result, *make())

    def hostile() -> tuple[str, str, bytes, dict[str, str]]:
        body = _body(rng)
        headers = {"Content-Type": rng.choice(TYPES), **_forged_headers(rng, body)}
        return rng.choice(["POST"] * 8 + ["GET", "PUT"]), rng.choice(PATHS), body, headers

    def signed() -> tuple[str, str, bytes, dict[str, str]]:
        body, content_type = _signed_body(rng, world.api.response_url("fuzz"))
        return (
            "POST",
            "/slack/events",
            body.encode("utf-8", "surrogatepass"),
            {"Content-Type": content_type, **sign(body, SECRET)},
        )

    started = time.monotonic()
    before, calls = await snapshot(world), len(world.api.calls)
    await asyncio.gather(*(bounded(hostile) for _ in range(unsigned)))
    await asyncio.sleep(2.0)  # anything they could have started would show by now
    after = await snapshot(world)
    result.unsigned = unsigned
    result.changed_tables = [name for name in before if before[name] != after[name]]
    result.slack_calls = len(world.api.calls) - calls
    await asyncio.gather(*(bounded(signed) for _ in range(count - unsigned)))
    result.signed = count - unsigned
    await world.quiet(within=600)
    failed = await world.rows("select error from outbox where failed_at is not null")
    result.failed = [str(row[0])[:120] for row in failed]
    result.seconds = time.monotonic() - started
    return result
