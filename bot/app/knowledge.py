"""The published knowledge base: one snapshot in use, swapped whole on publish."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from knowledge.lint import Finding, Severity, lint
from knowledge.loader import ARTICLES_DIR, KnowledgeBase, load_knowledge_base
from knowledge.router import Route, Router
from knowledge.schema import Article

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KnowledgeSnapshot:
    """One published version of the knowledge base and the router built from it."""

    kb: KnowledgeBase
    router: Router
    # A digest of the article files it was built from (/readyz, /metrics).
    version: str = ""

    def route(self, text: str) -> Route:
        return self.router.route(text)

    def article(self, article_id: str) -> Article | None:
        return self.kb.get(article_id)


def files_version(directory: Path) -> str:
    """The first 12 hex digits of a SHA-256 over the article files' names and bytes: the
    same articles give the same version in every process."""
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*.y*ml")):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


class PublishRefused(Exception):
    """The edited articles do not pass ``kb lint``; the published ones stay in use."""

    def __init__(self, errors: list[Finding]) -> None:
        super().__init__("; ".join(f"{f.article}: {f.message}" for f in errors))
        self.errors = errors


class PublishedKnowledge:
    """The knowledge base in use; :meth:`publish` swaps in a new one without a restart."""

    def __init__(self, directory: Path = ARTICLES_DIR, *, load: bool = True,
                 today: date | None = None) -> None:
        """With ``load``, the articles must pass ``kb lint`` (:class:`PublishRefused`
        names the errors): a process never starts serving articles an editor broke."""
        self.directory = directory
        self._current: KnowledgeSnapshot | None = (
            self._checked_build(today or date.today()) if load else None)

    def _build(self) -> KnowledgeSnapshot:
        version = files_version(self.directory)
        kb = load_knowledge_base(self.directory)
        return KnowledgeSnapshot(kb=kb, router=Router(kb), version=version)

    def _checked_build(self, today: date) -> KnowledgeSnapshot:
        errors = [f for f in lint(self.directory, today) if f.severity is Severity.ERROR]
        if errors:
            raise PublishRefused(errors)
        return self._build()

    def published(self) -> KnowledgeSnapshot | None:
        """The snapshot in use, or None in a process started without the knowledge base."""
        return self._current

    def current(self) -> KnowledgeSnapshot:
        if self._current is None:
            raise RuntimeError("this process was started without the knowledge base")
        return self._current

    async def publish(self, today: date) -> KnowledgeSnapshot:
        """Check the articles as ``kb lint`` does, rebuild the router off the event loop
        and swap it in at once; turns already under way finish on the old one. On any
        error (:class:`PublishRefused`) the published knowledge base stays as it was."""
        snapshot = await asyncio.to_thread(self._checked_build, today)
        self._current = snapshot
        log.info("knowledge base published articles=%d version=%s",
                 len(snapshot.kb.articles), snapshot.version)  # fmt: skip
        return snapshot
