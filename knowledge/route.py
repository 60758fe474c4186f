"""A routing decision: the outcome a customer's message gets (``../shared/eval/README.md``).

Kept apart from the router so that code which only reads decisions (the
handlers, the engine) does not load the matching machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    ANSWER = "answer"
    NO_ANSWER = "no_answer"
    OUT_OF_SCOPE = "out_of_scope"
    ESCALATE = "escalate"
    SERVICE_INFO = "service_info"
    SERVICE_FEEDBACK = "service_feedback"
    PRIVACY = "privacy"
    SMALL_TALK = "small_talk"


class SmallTalk(StrEnum):
    """What kind of small talk a message is; each gets a short natural reply."""

    GREETING = "greeting"  # "Hei", "Moi", "Hello", "Hej"
    THANKS = "thanks"  # "Kiitos", "Thanks", "Tack"
    GOODBYE = "goodbye"  # "Thanks, that's all", "Hei hei", "Bye"
    ACK = "ack"  # "ok", "selvä", "okei"


@dataclass(frozen=True, slots=True)
class Route:
    """One routing decision. Exactly one of article/reason/topic/action is set,
    the one its outcome needs (none for no_answer, escalate, service_feedback)."""

    outcome: Outcome
    lang: str
    confidence: float
    article: str | None = None
    reason: str | None = None
    topic: str | None = None
    action: str | None = None
    suggestions: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    # small_talk's kind (not an eval key: small_talk has none).
    small_talk: SmallTalk | None = None
    # Two readings are close: ask one short question; this route is the best reading,
    # ``alternatives`` the others worth offering (best first).
    clarify: bool = False
    alternatives: tuple[Route, ...] = ()
    # The message reports a problem (quoted error text, licence error, stopped working).
    problem: bool = False

    def detail(self) -> tuple[str, str] | None:
        """The outcome's extra key and its value, e.g. ("article", "windchill-java")."""
        for key in ("article", "reason", "topic", "action"):
            value = getattr(self, key)
            if value is not None:
                return key, value
        return None

    def as_json(self) -> dict[str, object]:
        """The eval README's route form: outcome, its extra key, lang, confidence."""
        out: dict[str, object] = {"outcome": str(self.outcome)}
        detail = self.detail()
        if detail is not None:
            out[detail[0]] = detail[1]
        if self.clarify:
            out["clarify"] = True
        out["lang"] = self.lang
        out["confidence"] = self.confidence
        return out
