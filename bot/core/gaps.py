"""A question the bot could not answer, as the editors' workbench counts it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    """``text`` only for a consented user: everyone else's question is counted, not kept."""

    at: datetime
    lang: str
    kind: str  # "no_answer" | "not_helpful"
    text: str | None
    article: str | None  # the closest article (no_answer) or the unhelpful one
    # Whose words ``text`` are: erasing the user erases them too.
    user_id: int | None = None
