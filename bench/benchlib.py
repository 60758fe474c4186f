"""What the channel benchmarks share: the questions asked, a result row and the poster.

``bench/slack.py`` and ``bench/teams.py`` each post a platform's signed requests at
the bare SDK and at the whole bot in the same run; this module times the posting.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiohttp import ClientSession

QUESTIONS = (
    "Mikä Java-versio Windchill 12:lle?",
    "Does Creo 11 run on Windows 10?",
    "Miten siirrän lisenssin toiselle koneelle?",
    "Where do I download Creo 10 M050?",
)


@dataclass(frozen=True)
class Result:
    name: str
    latencies: list[float]
    seconds: float
    handled_per_second: float | None = None

    def row(self, width: int = 24) -> str:
        """Median and p99 time to acknowledgement (ms), requests/s, handled/s."""
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        handled = f"{self.handled_per_second:10.1f}" if self.handled_per_second else f"{'–':>10}"
        return (
            f"{self.name:<{width}}{statistics.median(ordered) * 1000:>11.2f}{p99 * 1000:>10.2f}"
            f"{len(ordered) / self.seconds:>10.1f}{handled}"
        )


async def post_all(
    url: str, bodies: Sequence[bytes], headers: Sequence[Mapping[str, str]], concurrency: int,
    accepted: tuple[int, ...] = (200,),
) -> tuple[list[float], float]:  # fmt: skip
    """Post every body with its headers, ``concurrency`` at a time; each request's time to
    its response, and the whole run's seconds. A status outside ``accepted`` fails the run."""
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)
    async with ClientSession() as session:

        async def one(body: bytes, extra: Mapping[str, str]) -> None:
            async with gate:
                started = time.perf_counter()
                async with session.post(url, data=body, headers=dict(extra)) as response:
                    await response.read()
                    latencies.append(time.perf_counter() - started)
                    assert response.status in accepted, response.status

        started = time.perf_counter()
        await asyncio.gather(*(one(b, h) for b, h in zip(bodies, headers, strict=True)))
        return latencies, time.perf_counter() - started
