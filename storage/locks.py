"""Per-key locks for one process; PostgreSQL advisory locks cover the others."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class KeyedLocks:
    """An :class:`asyncio.Lock` per key, dropped again when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


def advisory_key(key: str) -> int:
    """A signed 64-bit number for ``pg_advisory_xact_lock`` from any string key."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
