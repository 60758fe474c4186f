"""The composition root: the one place that wires storage, knowledge, handlers and desk."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bot.app import upkeep
from bot.app.knowledge import PublishedKnowledge
from bot.app.secret import load_secret
from bot.core.cases import DeskEvent, OutboxItem
from bot.core.contract import Channel, ReplyAddress
from bot.core.desk_text import event_text
from bot.core.keys import Keys
from bot.core.logs import failure
from bot.core.metrics import NO_METER, Meter
from bot.core.records import Erasure
from bot.core.settings import Settings
from bot.core.texts import Catalogue
from bot.desk.alerts import DueAlerts
from bot.desk.commands import Desk
from bot.desk.outbox import Dispatcher
from bot.desk.outbox import Route as OutboxRoute
from bot.engine.inbox import InboxWorkers
from bot.engine.turns import Clock, Engine, EngineParts, utc_now
from bot.service.agents import Agent, AgentDirectory, DeskRoutes
from bot.service.entitlement import load_products
from bot.service.hours import ServiceHours
from bot.service.hours_config import load_config as load_hours
from bot.service.hours_text import HoursText
from bot.service.register import Register
from handlers.base import HandoverKit
from handlers.table import FALLBACK, PHASES
from knowledge.language import reply_language
from knowledge.loader import ARTICLES_DIR
from storage.cases import SqlCases
from storage.db import Database
from storage.inbox import SqlInbox
from storage.marks import SqlMarks
from storage.outbox import SqlOutbox
from storage.register import SqlRegisterStore
from storage.repository import SqlStorage
from storage.web import SqlWebStore

log = logging.getLogger(__name__)


def _detect(text: str, default: str) -> str:
    return reply_language(text, default)


def _hours(settings: Settings) -> ServiceHours:
    config = load_hours(settings.service_hours_file) if settings.service_hours_file else None
    return ServiceHours(config)


@dataclass(slots=True)
class App:
    """Everything one bot process runs on, wired together."""

    settings: Settings
    database: Database
    storage: SqlStorage
    knowledge: PublishedKnowledge
    engine: Engine
    texts: Catalogue
    hours: ServiceHours
    register: Register
    cases: SqlCases
    outbox: SqlOutbox
    desk: Desk
    routes: DeskRoutes
    alerts: DueAlerts
    clock: Clock
    inbox: SqlInbox
    marks: SqlMarks
    wakers: list[Callable[[], None]] = field(default_factory=list)
    meter: Meter = NO_METER

    @classmethod
    async def start(
        cls,
        settings: Settings,
        *,
        clock: Clock = utc_now,
        shared_desks: tuple[ReplyAddress, ...] = (),
        knowledge: bool = True,
        meter: Meter = NO_METER,
    ) -> App:
        """Open (and migrate) the database, load the knowledge base and build the engine.

        Commands that never route a message (``customers``, ``privacy``) pass
        ``knowledge=False`` and skip loading the articles."""
        database = await Database.open(settings.database_url)
        storage = SqlStorage(database)
        keys = Keys(await asyncio.to_thread(load_secret, settings))
        articles = Path(settings.articles_dir) if settings.articles_dir else ARTICLES_DIR
        published = await asyncio.to_thread(PublishedKnowledge, articles, load=knowledge)
        # Reading and parsing the YAML files is blocking work: keep it off the loop.
        texts = await asyncio.to_thread(Catalogue.load)
        products_file = Path(settings.products_file) if settings.products_file else None
        products = await asyncio.to_thread(load_products, products_file)
        register = Register(SqlRegisterStore(database), products)
        if settings.demo and await register.load_sample_if_empty():
            log.info("sample customer register loaded (demo mode)")
        hours = await asyncio.to_thread(_hours, settings)
        directory = AgentDirectory.parse(settings.agents)
        # Agents with a web console account (`supportbot users add`) are agents too; the
        # console reads them again when it meets one it does not know.
        directory.use_accounts(
            Agent(email=s.email, name=s.name)
            for s in await SqlWebStore(database).all_staff() if s.role == "agent"
        )
        # Terminal agent consoles get their own copies only when no shared agent
        # surface (Slack's agents' channel) exists: nobody would deliver them otherwise.
        surfaces = () if shared_desks else ("local",)
        routes = DeskRoutes(directory=directory, shared=shared_desks, surfaces=surfaces)
        cases, outbox = SqlCases(database), SqlOutbox(database)
        wakers: list[Callable[[], None]] = []

        def notify() -> None:
            for wake in wakers:
                wake()

        kit = HandoverKit(
            register=register,
            products=products,
            hours=hours,
            hours_text=HoursText(hours, texts),
            routes=routes,
            agent_lang=settings.agent_language,
        )
        engine = Engine(
            EngineParts(
                storage=storage,
                keys=keys,
                table=PHASES,
                fallback=FALLBACK,
                texts=texts,
                knowledge=published.current,
                settings=settings,
                detect_language=_detect,
                clock=clock,
                hours=kit.hours_text,
                handover=kit,
                notify=notify,
                meter=meter,
                unanswered=SqlWebStore(database).add_unanswered,
            )
        )
        desk = Desk(
            cases=cases,
            routes=routes,
            texts=texts,
            clock=clock,
            notify=notify,
            lang=settings.agent_language,
        )
        alerts = DueAlerts(
            cases=cases,
            routes=routes,
            texts=texts,
            clock=clock,
            notify=notify,
            lead=timedelta(minutes=settings.alert_lead_minutes),
            lang=settings.agent_language,
        )
        return cls(
            settings=settings,
            database=database,
            storage=storage,
            knowledge=published,
            engine=engine,
            texts=texts,
            hours=hours,
            register=register,
            cases=cases,
            outbox=outbox,
            desk=desk,
            routes=routes,
            alerts=alerts,
            clock=clock,
            inbox=SqlInbox(database),
            marks=SqlMarks(database),
            wakers=wakers,
            meter=meter,
        )

    async def ping(self) -> None:
        """Raise if the database does not answer."""
        await self.database.ping()

    def wake(self) -> None:
        """Tell this process's dispatchers that the outbox has something new."""
        for wake in self.wakers:
            wake()

    def workers(self, channels: Mapping[str, Channel], *, concurrency: int = 4) -> InboxWorkers:
        """This process's inbox workers; woken when this process stores a message."""
        return InboxWorkers(
            inbox=self.inbox, engine=self.engine, clock=self.clock, channels=channels,
            concurrency=concurrency, meter=self.meter,
        )  # fmt: skip

    def dispatcher(self, routes: Mapping[str, OutboxRoute], *, woken: bool = True) -> Dispatcher:
        """A dispatcher delivering this process's channels; woken after every commit."""

        def desk_text(event: DeskEvent) -> str:
            return event_text(self.texts, self.settings.agent_language, event, self.clock())

        async def report(item: OutboxItem, error: str) -> None:
            self.meter.delivery_failed(channel=item.address.channel)
            await self.report_failure(item, error)

        dispatcher = Dispatcher(
            outbox=self.outbox,
            routes=routes,
            desk_text=desk_text,
            clock=self.clock,
            on_failure=report,
            # SQLite has one writer: concurrent claims there only fail on its lock.
            recipients_at_once=1 if self.database.dialect == "sqlite" else 8,
        )
        if woken:
            self.wakers.append(dispatcher.wake)
        return dispatcher

    async def report_failure(self, item: OutboxItem, error: str) -> None:
        """Tell the agents that a message could not be delivered (not for their own desk)."""
        await upkeep.report_failure(self, item)

    async def housekeep(self) -> int:
        """Bookkeeping past its use, and personal data past the retention period."""
        return await upkeep.housekeep(self)

    async def purge(self, *, dry_run: bool) -> Erasure:
        """Retention on demand (``supportbot privacy purge``)."""
        return await upkeep.purge(self, dry_run=dry_run)

    async def housekeeping(self, stop: asyncio.Event, *, every_seconds: float = 3600.0) -> None:
        """Run :meth:`housekeep` until ``stop`` is set (any process may; deletes are idempotent)."""
        while not stop.is_set():
            try:
                pruned = await self.housekeep()
                log.info("housekeeping pruned=%d", pruned)
            except Exception as exc:
                failure(log, "housekeeping failed", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every_seconds)

    async def close(self) -> None:
        await self.database.close()
