"""The web console as the composition root wires it: its back office (accounts, the
transcript a web chat reloads, earlier cases, the editors' workbench, publishing), the
sample staff of demo mode, and following other processes' publications."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta

from bot.app import workbench
from bot.app.knowledge import PublishRefused
from bot.app.root import App
from bot.app.secret import load_secret
from bot.channels.web.backoffice import (
    AGENT,
    ROLES,
    ArticleStatus,
    Cluster,
    EvalResult,
    LintLine,
    PastCase,
    Published,
    StaffMember,
)
from bot.channels.web.channel import NAME as WEB
from bot.channels.web.mount import WebMount
from bot.core.contract import InboundMessage, ReplyAddress, Sender
from bot.core.records import StoredMessage
from bot.core.timefmt import local_date
from bot.service.accounts import (
    check_password,
    hash_password,
    new_password,
    token_digest,
    verify_password,
)
from bot.service.agents import Agent
from knowledge.loader import ArticleError
from storage.live import SqlLive
from storage.web import SqlWebStore, StaffRecord

log = logging.getLogger(__name__)

UNANSWERED_DAYS = 90
FOLLOW_SECONDS = 3.0
DEMO_STAFF = (
    ("maija.virtanen@econocap.example", "Maija Virtanen", "agent"),
    ("pekka.korhonen@econocap.example", "Pekka Korhonen", "agent"),
    ("eeva.editori@econocap.example", "Eeva Editori", "editor"),
)


class Console:
    """:class:`bot.channels.web.backoffice.Backoffice` on the app."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.store = SqlWebStore(app.database)
        self._seen_publication = 0
        # Set each time another process's publication is swapped in here (tests wait on it).
        self.followed = asyncio.Event()

    async def sign_in(self, email: str, password: str) -> StaffMember | None:
        record = await self.store.staff(email.strip().lower())
        if not await verify_password(record.password_hash if record else None, password):
            return None
        assert record is not None
        if record.role not in ROLES:
            return None
        return _member(record)

    async def link_account(self, token: str) -> StaffMember | None:
        record = await self.store.link_account(token_digest(token), at=self.app.clock())
        return _member(record) if record else None

    async def use_link(self, token: str, password: str) -> StaffMember | None:
        check_password(password)
        if await self.link_account(token) is None:
            return None  # no hashing for a dead link
        hashed = await hash_password(password)
        record = await self.store.use_link(token_digest(token), hashed, at=self.app.clock())
        return _member(record) if record else None

    async def refresh_agents(self) -> None:
        accounts = await self.store.all_staff()
        self.app.routes.directory.use_accounts(
            Agent(email=a.email, name=a.name) for a in accounts if a.role == AGENT)

    async def chat_transcript(self, chat_id: str) -> list[StoredMessage]:
        probe = InboundMessage(
            channel=WEB, conversation_id=chat_id, message_id="", sender=Sender(id=chat_id),
            address=ReplyAddress.of(WEB, {}),
        )  # fmt: skip
        return await self.store.chat_transcript(self.app.engine.conversation_key(probe))

    async def earlier_cases(self, case_id: int) -> list[PastCase]:
        return [PastCase(id=c.id, product=c.product, state=c.state, arrived_at=c.arrived_at,
                         resolution=c.resolution)
                for c in await self.store.earlier_cases(case_id)]  # fmt: skip

    async def clusters(self) -> list[Cluster]:
        since = self.app.clock() - timedelta(days=UNANSWERED_DAYS)
        items = await self.store.unanswered(since=since)
        return await asyncio.to_thread(workbench.clusters, items)

    async def draft_article(self, number: int) -> str | None:
        found = next((c for c in await self.clusters() if c.number == number), None)
        if found is None or not found.examples:
            return None
        return workbench.draft(found, local_date(self.app.clock()))

    async def articles(self) -> list[ArticleStatus]:
        kb = self.app.knowledge.current().kb
        return workbench.article_statuses(kb, local_date(self.app.clock()))

    async def lint(self) -> list[LintLine]:
        today = local_date(self.app.clock())
        return await asyncio.to_thread(workbench.lint_lines, self.app.knowledge.directory, today)

    async def evaluate(self) -> EvalResult:
        snapshot = self.app.knowledge.current()
        return await asyncio.to_thread(workbench.regression, snapshot.router, snapshot.kb)

    async def publish(self) -> Published:
        """Publish here, then record it so every other process follows within seconds."""
        try:
            snapshot = await self.app.knowledge.publish(local_date(self.app.clock()))
        except PublishRefused as refused:
            errors = tuple(f"{f.article}: {f.message}" for f in refused.errors)
            return Published(ok=False, articles=0, errors=errors)
        except ArticleError as broken:
            return Published(ok=False, articles=0, errors=(str(broken),))
        count = len(snapshot.kb.articles)
        self._seen_publication = await self.store.published(articles=count, at=self.app.clock())
        return Published(ok=True, articles=count)

    async def follow_publications(self, stop: asyncio.Event) -> None:
        """Swap in what another process published (the same checks as SIGHUP)."""
        with contextlib.suppress(Exception):
            self._seen_publication = await self.store.last_publication()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=FOLLOW_SECONDS)
            try:
                latest = await self.store.last_publication()
                if latest > self._seen_publication:
                    self._seen_publication = latest
                    await self.app.knowledge.publish(local_date(self.app.clock()))
                    self.followed.set()
            except (PublishRefused, ArticleError) as refused:
                log.error("publication not followed error=%s", type(refused).__name__)
            except Exception as exc:
                log.warning("publication check failed error=%s", type(exc).__name__)


def _member(record: StaffRecord) -> StaffMember:
    return StaffMember(email=record.email, name=record.name, role=record.role)


async def demo_staff(app: App) -> str:
    """Demo mode: the sample agents and editor, with one fresh password for this start."""
    password = new_password()
    hashed = await hash_password(password)
    store = SqlWebStore(app.database)
    for email, name, role in DEMO_STAFF:
        record = StaffRecord(email=email, name=name, role=role, password_hash=hashed)
        await store.add_staff(record, at=app.clock())
    return password


def web_mount(app: App) -> WebMount:
    settings = app.settings
    secure = (settings.web_public_url or "").startswith("https://")
    # Each process its own token: its nudges to the others are not heard back as news.
    live = SqlLive(app.database, origin=uuid.uuid4().hex)
    mount = WebMount(Console(app), load_secret(settings), live, secure=secure,
                     session_hours=settings.web_session_hours)  # fmt: skip
    app.wakers.append(mount.changed)  # turns and desk commands refresh the open desks
    return mount
