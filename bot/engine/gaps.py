"""Which turns the editors' workbench hears about: no answer, or "did not help"."""

from __future__ import annotations

from bot.core.gaps import UnansweredQuestion
from handlers import actions
from handlers.base import Turn
from knowledge.route import Outcome

# The handlers that serve a routed question as it is (the first message's wraps the others).
ROUTED_HANDLERS = ("no-answer", "first-contact")


def unanswered_of(turn: Turn, handler: str) -> UnansweredQuestion | None:
    """The turn as an unanswered question, or None; a non-consented user's words are
    never in it (only that it happened, its language and the closest article)."""
    if turn.bystander:
        return None
    consented = turn.user is not None and turn.user.consented
    unhelpful = actions.article_of(turn.action, actions.HELPFUL_NO)
    if unhelpful:
        return UnansweredQuestion(at=turn.now, lang=turn.lang, kind="not_helpful", text=None,
                                  article=unhelpful)  # fmt: skip
    if handler not in ROUTED_HANDLERS or turn.route is None:
        return None
    if turn.route.outcome is not Outcome.NO_ANSWER:
        return None
    suggestions = turn.route.suggestions
    text = turn.message.text.strip()[:500] if consented else None
    return UnansweredQuestion(
        at=turn.now, lang=turn.lang, kind="no_answer", text=text or None,
        article=suggestions[0] if suggestions else None,
        user_id=turn.user.id if text and turn.user is not None else None,
    )  # fmt: skip
