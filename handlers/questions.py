"""The consent question, asked at first contact and again before a hand-over."""

from __future__ import annotations

from bot.core.contract import Link, OutboundReply, ReplyKind
from handlers import actions
from handlers.base import Say


def consent_question(
    s: Say, privacy_url: str, *, key: str = "consent_text.question"
) -> OutboundReply:
    return OutboundReply(
        text=s.text(key),
        buttons=(
            s.button("consent_text.accept", actions.CONSENT_ACCEPT),
            s.button("consent_text.decline", actions.CONSENT_DECLINE),
        ),
        links=(Link(title=s.text("consent_text.privacy_link"), url=privacy_url),),
        kind=ReplyKind.QUESTION,
    )
