"""Answers from the knowledge base, the closest articles when unsure, and "did it help?"."""

from __future__ import annotations

from bot.core.contract import Button, Link, OutboundReply, ReplyKind
from bot.core.state import HandoverDraft
from handlers import actions
from handlers.base import Result, Say, Services, Turn, say
from knowledge.route import Outcome
from knowledge.schema import LANGUAGES, Article


def shown_in(lang: str) -> str:
    """The language an article is shown in: the user's, or English (Swedish readers)."""
    return lang if lang in LANGUAGES else "en"


def article_replies(article: Article, s: Say) -> tuple[OutboundReply, ...]:
    """The article's answer in the user's language with its sources, then "did this help?".
    Articles are written in Finnish and English; a Swedish reader gets the English one
    with a lead-in in Swedish."""
    lang = shown_in(s.lang)
    text = f"{article.title.get(lang)}\n\n{article.answer.get(lang)}"
    if lang != s.lang:
        text = f"{s.text('talk.in_english')}\n\n{text}"
    answer = OutboundReply(
        text=text,
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
        # "Did this help?" is a question: a typed "ei" or "2" answers it (handlers.helpful).
        state = turn.rested(menu=(actions.HELPFUL_YES + (article_id or ""),
                                  actions.HELPFUL_NO + (article_id or "")))  # fmt: skip
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
        lang = shown_in(turn.lang)
        buttons = tuple(Button(a.title.get(lang), actions.ARTICLE + a.id) for a in close)
        # The question itself describes the matter for the person who takes it over.
        route, said = turn.route, turn.typed
        carry = HandoverDraft(
            product=route.products[0] if route and route.products else None,
            version=route.versions[0] if route and route.versions else None,
            description=said or None,
        )
        person = s.button("no_answer.person", actions.with_payload(actions.HANDOVER, carry))
        reply = OutboundReply(
            text=s.text("no_answer.text" if close else "no_answer.nothing_close"),
            buttons=(*buttons, person),
            kind=ReplyKind.QUESTION,
        )
        return Result(replies=(reply,), state=turn.rested())


class Helpful:
    """A "yes, it helped" click; "no" is a hand-over and belongs to escalation."""

    name = "helpful"

    def matches(self, turn: Turn) -> bool:
        return actions.article_of(turn.action, actions.HELPFUL_YES) is not None

    async def handle(self, turn: Turn, services: Services) -> Result:
        s = say(turn, services)
        return Result(replies=(s.reply("answer.thanks"),), state=turn.rested())
