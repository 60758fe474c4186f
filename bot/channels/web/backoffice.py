"""What the web console needs from the rest of the bot, given to it by the composition
root (``bot/app/console.py``): a channel imports no storage and no app."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from bot.core.records import StoredMessage

AGENT = "agent"
EDITOR = "editor"
ROLES = (AGENT, EDITOR)


@dataclass(frozen=True, slots=True)
class StaffMember:
    email: str
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class PastCase:
    id: int
    product: str
    state: str
    arrived_at: datetime
    resolution: str | None


@dataclass(frozen=True, slots=True)
class Cluster:
    """Similar unanswered questions: how many, in which languages, the closest article."""

    number: int
    count: int
    langs: tuple[str, ...]
    kinds: tuple[str, ...]
    article: str | None
    # Only consented users' words; the rest are in ``count``.
    examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ArticleStatus:
    id: str
    title: str
    owner: str
    reviewed: date
    review: date
    status: str  # "ok" | "soon" | "due" | "overdue"
    verify: str | None


@dataclass(frozen=True, slots=True)
class LintLine:
    article: str
    severity: str
    message: str


@dataclass(frozen=True, slots=True)
class EvalResult:
    cases: int
    correct: int
    # Per article: (article id, questions, routed right), the weakest first.
    articles: tuple[tuple[str, int, int], ...] = ()
    misses: tuple[tuple[str, str, str], ...] = field(default=())  # (question, expected, got)


@dataclass(frozen=True, slots=True)
class Published:
    ok: bool
    articles: int
    errors: tuple[str, ...] = ()


class Backoffice(Protocol):
    async def sign_in(self, email: str, password: str) -> StaffMember | None:
        """The account if the password is right (verified off the event loop)."""

    async def link_account(self, token: str) -> StaffMember | None:
        """The account a one-time sign-in link opens, while it is unused and unexpired."""

    async def use_link(self, token: str, password: str) -> StaffMember | None:
        """Set the account's password through the link and spend the link (once);
        None if the link is used, expired or unknown. Raises ValueError for a password
        that is too short."""

    async def refresh_agents(self) -> None:
        """Read the agents' accounts again (some may have been added since the start)."""

    async def chat_transcript(self, chat_id: str) -> list[StoredMessage]:
        """A web chat's stored messages for its customer (no internal notes)."""

    async def earlier_cases(self, case_id: int) -> list[PastCase]: ...

    async def clusters(self) -> list[Cluster]: ...

    async def draft_article(self, number: int) -> str | None:
        """A YAML skeleton for the cluster, its example questions filled in."""

    async def articles(self) -> list[ArticleStatus]: ...

    async def lint(self) -> list[LintLine]: ...

    async def evaluate(self) -> EvalResult: ...

    async def publish(self) -> Published:
        """Check and swap in the edited articles here, and tell the other processes."""

    async def follow_publications(self, stop: asyncio.Event) -> None:
        """Until ``stop``: swap in what other processes publish."""
