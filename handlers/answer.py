"""Answers from the knowledge base, the closest articles when unsure, and "did it help?"."""

from __future__ import annotations

from bot.core.contract import Button, Link, OutboundReply, ReplyKind
from handlers import actions
from handlers.base import Result, Say, Services, Turn, say
from knowledge.route import Outcome
from knowledge.schema import Article


def article_replies(article: Article, s: Say) -> tuple[OutboundReply, ...]:
    """The article's answer in the user's language with its sources, then "did this help?"."""
    answer = OutboundReply(
        text=f"{article.title.get(s.lang)}\n\n{article.answer.get(s.lang)}",
        links=tuple(Link(title=f"{s.text('answer.source')}: {src.title}", url=src.url)
                    for src in article.sources),
        kind=ReplyKind.ANSWER,
    )  # fmt: skip
    helpful = OutboundReply(
        text=s.text("answer.helpful"),
        buttons=(
            s.button("answer.helpful_yes", actions.HELPFUL_YES + article.id),
            s.button("answer.helpful_no", actions.HELPFUL_NO + article.id),
        ),
        kind=ReplyKind.QUESTION,
    )
    return (answer, helpful)


class KnowledgeAnswer:
    name = "answer"

    def matches(self, turn: Turn) -> bool:
        if actions.article_of(turn.action, actions.ARTICLE):
            return True
        return turn.route is not None and turn.route.outcome is Outcome.ANSWER

    async def handle(self, turn: Turn, services: Services) -> Result:
        article_id = actions.article_of(turn.action, actions.ARTICLE) or (
            turn.route.article if turn.route else None
        )
        article = services.knowledge.article(article_id) if article_id else None
        state = turn.state.to(turn.resting_phase)
        if article is None:
            # An article can be unpublished between the question and the click.
            return await NoAnswer().handle(turn, services)
        return Result(replies=article_replies(article, say(turn, services)), state=state)


class NoAnswer:
    """In scope but unanswered: say so, offer the closest articles and a person."""

    name = "no-answer"

    def matches(self, turn: Turn) -> bool:
        return turn.route is not None and turn.route.outcome is Outcome.NO_ANSWER

    async def handle(self, turn: Turn, services: Services) -> Result:
        s = say(turn, services)
        suggestions = turn.route.suggestions if turn.route else ()
        close = [a for a in (services.knowledge.article(i) for i in suggestions[:3]) if a]
        buttons = tuple(Button(a.title.get(turn.lang), actions.ARTICLE + a.id) for a in close)
        person = s.button("no_answer.person", actions.HANDOVER)
        reply = OutboundReply(
            text=s.text("no_answer.text" if close else "no_answer.nothing_close"),
            buttons=(*buttons, person),
            kind=ReplyKind.QUESTION,
        )
        return Result(replies=(reply,), state=turn.state.to(turn.resting_phase))


class Helpful:
    """A "yes, it helped" click; "no" is a hand-over and belongs to escalation."""

    name = "helpful"

    def matches(self, turn: Turn) -> bool:
        return actions.article_of(turn.action, actions.HELPFUL_YES) is not None

    async def handle(self, turn: Turn, services: Services) -> Result:
        s = say(turn, services)
        return Result(replies=(s.reply("answer.thanks"),), state=turn.state.to(turn.resting_phase))
