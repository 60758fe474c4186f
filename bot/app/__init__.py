"""The composition root: the one place that builds storage, knowledge, handlers and
channels, used by ``supportbot serve`` and every CLI command alike."""

from bot.app.knowledge import PublishedKnowledge, PublishRefused
from bot.app.root import App

__all__ = ["App", "PublishRefused", "PublishedKnowledge"]
