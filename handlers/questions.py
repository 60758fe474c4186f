"""The consent question, asked briefly where it matters: before a hand-over."""

from __future__ import annotations

from bot.core.contract import Link, OutboundReply, ReplyKind
from bot.core.state import HandoverDraft
from handlers import actions
from handlers.base import Say


def consent_question(
    s: Say,
    privacy_url: str,
    *,
    key: str = "consent_text.question",
    carry: HandoverDraft | None = None,
) -> OutboundReply:
    """The question with its two buttons; ``carry`` rides in the accept button so that
    accepting continues the hand-over from what the user already told."""
    accept = actions.CONSENT_ACCEPT
    if carry is not None:
        accept = actions.with_payload(accept, carry)
    return OutboundReply(
        text=s.text(key),
        buttons=(
            s.button("consent_text.accept", accept),
            s.button("consent_text.decline", actions.CONSENT_DECLINE),
        ),
        links=(Link(title=s.text("consent_text.privacy_link"), url=privacy_url),),
        kind=ReplyKind.QUESTION,
    )
