"""The composition root: the one place that wires storage, knowledge, handlers and channels."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.engine import Clock, Engine, EngineParts, utc_now
from bot.i18n import Catalogue
from handlers.table import FALLBACK, PHASES
from knowledge.language import detect_language
from knowledge.loader import ARTICLES_DIR, KnowledgeBase, load_knowledge_base
from knowledge.router import Route, Router
from knowledge.schema import Article
from storage.db import Database
from storage.repository import SqlStorage

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KnowledgeSnapshot:
    """One published version of the knowledge base and the router built from it."""

    kb: KnowledgeBase
    router: Router

    def route(self, text: str) -> Route:
        return self.router.route(text)

    def article(self, article_id: str) -> Article | None:
        return self.kb.get(article_id)


class PublishedKnowledge:
    """The knowledge base in use; :meth:`publish` swaps in a new one without a restart."""

    def __init__(self, directory: Path = ARTICLES_DIR) -> None:
        self.directory = directory
        self._current = self._build()

    def _build(self) -> KnowledgeSnapshot:
        kb = load_knowledge_base(self.directory)
        return KnowledgeSnapshot(kb=kb, router=Router(kb))

    def current(self) -> KnowledgeSnapshot:
        return self._current

    async def publish(self) -> KnowledgeSnapshot:
        """Reload the articles off the event loop and swap them in atomically."""
        self._current = await asyncio.to_thread(self._build)
        log.info("knowledge base published articles=%d", len(self._current.kb.articles))
        return self._current


def _detect(text: str, default: str) -> str:
    return detect_language(text, default=default)


@dataclass(slots=True)
class App:
    settings: Settings
    database: Database
    storage: SqlStorage
    knowledge: PublishedKnowledge
    engine: Engine

    @classmethod
    async def start(cls, settings: Settings, *, clock: Clock = utc_now) -> App:
        """Open (and migrate) the database, load the knowledge base and build the engine."""
        database = await Database.open(settings.database_url)
        storage = SqlStorage(database)
        knowledge = await asyncio.to_thread(PublishedKnowledge)
        texts = Catalogue.load()
        engine = Engine(
            EngineParts(
                storage=storage,
                table=PHASES,
                fallback=FALLBACK,
                texts=texts,
                knowledge=knowledge.current,
                settings=settings,
                detect_language=_detect,
                clock=clock,
            )
        )
        return cls(
            settings=settings,
            database=database,
            storage=storage,
            knowledge=knowledge,
            engine=engine,
        )

    async def close(self) -> None:
        await self.database.close()
