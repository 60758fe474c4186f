"""What the bot counts about itself, as a port: the engine and the inbox report turns,
the composition root turns them into Prometheus metrics (bot/app/metrics.py).

Labels are bounded and impersonal: a channel name, an outcome, a state. Never an
id, a name, an email or any part of a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class Meter(Protocol):
    def turn(self, *, channel: str, outcome: str, seconds: float | None) -> None:
        """A turn ended: ``outcome`` is the routing outcome, "action", "duplicate" or
        "error"; ``seconds`` from the start of routing to the commit (None: unknown)."""

    def routed(self, *, seconds: float) -> None:
        """One routing decision took ``seconds``."""

    def delivery_failed(self, *, channel: str) -> None:
        """An outbox item could not be delivered, for good."""


class NoMeter:
    """Counts nothing (commands, tests that do not look)."""

    def turn(self, *, channel: str, outcome: str, seconds: float | None) -> None:
        return None

    def routed(self, *, seconds: float) -> None:
        return None

    def delivery_failed(self, *, channel: str) -> None:
        return None


NO_METER = NoMeter()


@dataclass(frozen=True, slots=True)
class OpsSnapshot:
    """The shared state every process sees in the database, at one instant."""

    inbox_depth: int = 0
    inbox_oldest_seconds: float = 0.0
    outbox_depth: int = 0
    outbox_oldest_seconds: float = 0.0
    outbox_failed: int = 0
    cases_by_state: dict[str, int] = field(default_factory=dict)
    # Open (queued) cases whose target is within the alert lead, and past it.
    cases_due_soon: int = 0
    cases_overdue: int = 0
