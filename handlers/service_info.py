"""About the service itself, from the service description (1.2, 1.4–1.6, 1.8, 1.9)."""

from __future__ import annotations

from bot.core.contract import OutboundReply
from handlers.base import Result, Services, Turn, say
from knowledge.route import Outcome

TOPICS = ("hours", "contact", "response_time", "coverage", "consent")


class ServiceInfo:
    name = "service-info"

    def matches(self, turn: Turn) -> bool:
        return turn.route is not None and turn.route.outcome is Outcome.SERVICE_INFO

    async def handle(self, turn: Turn, services: Services) -> Result:
        s = say(turn, services)
        topic = turn.route.topic if turn.route and turn.route.topic in TOPICS else "coverage"
        text = s.text(f"service_info.{topic}")
        if topic in ("hours", "response_time") and services.hours is not None:
            text = f"{text} {services.hours.describe_now(turn.lang, turn.now)}"
        return Result(replies=(OutboundReply(text=text),), state=turn.rested())


class ServiceFeedback:
    """Complaints about the support service itself go to sales or customer service (1.9)."""

    name = "service-feedback"

    def matches(self, turn: Turn) -> bool:
        return turn.route is not None and turn.route.outcome is Outcome.SERVICE_FEEDBACK

    async def handle(self, turn: Turn, services: Services) -> Result:
        s = say(turn, services)
        return Result(
            replies=(s.reply("service_feedback"),), state=turn.rested()
        )
