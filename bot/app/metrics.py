"""``GET /metrics``: Prometheus metrics of this process and of the shared database.

Counters and histograms are this process's own (turns, routing and turn latency,
delivery failures); the gauges are read from the database at each scrape, so
every process reports the same inbox, outbox and case figures (aggregate them
with ``max``, the counters with ``sum``). Labels are channel names, outcomes and
states only: nothing personal. With ``SUPPORTBOT_METRICS_TOKEN`` set a scrape
must carry ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from bot.core.cases import CaseState
from bot.core.metrics import OpsSnapshot
from storage.stats import SqlStats

if TYPE_CHECKING:
    from bot.app.root import App

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class PrometheusMeter:
    """The :class:`bot.core.metrics.Meter` port on prometheus-client, one registry each."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.turns = Counter(
            "supportbot_turns", "Turns handled, by channel and outcome",
            ("channel", "outcome"), registry=registry,
        )  # fmt: skip
        self.turn_seconds = Histogram(
            "supportbot_turn_seconds", "Time from routing to the committed turn",
            ("channel",), buckets=LATENCY_BUCKETS, registry=registry,
        )  # fmt: skip
        self.routing_seconds = Histogram(
            "supportbot_routing_seconds", "Time of one routing decision",
            buckets=LATENCY_BUCKETS, registry=registry,
        )  # fmt: skip
        self.delivery_failures = Counter(
            "supportbot_delivery_failures", "Outbox items that could not be delivered, for good",
            ("channel",), registry=registry,
        )  # fmt: skip

        def gauge(name: str, text: str, labels: tuple[str, ...] = ()) -> Gauge:
            return Gauge(f"supportbot_{name}", text, labels, registry=registry)

        self.inbox_depth = gauge("inbox_depth", "Messages stored and not yet handled")
        self.inbox_age = gauge("inbox_oldest_age_seconds", "Age of the oldest unhandled message")
        self.outbox_depth = gauge("outbox_depth", "Replies stored and not yet delivered")
        self.outbox_age = gauge("outbox_oldest_age_seconds", "Age of the oldest undelivered reply")
        self.outbox_failed = gauge("outbox_failed", "Replies whose delivery failed for good")
        self.cases = gauge("cases", "Cases by state", ("state",))
        self.due_soon = gauge("cases_due_soon", "Queued cases within the alert lead of target")
        self.overdue = gauge("cases_overdue", "Queued cases past their target time")
        self.kb_info = gauge("knowledge_base_info", "The published knowledge base", ("version",))
        self.kb_articles = gauge("knowledge_base_articles", "Articles in the published version")

    def turn(self, *, channel: str, outcome: str, seconds: float | None) -> None:
        self.turns.labels(channel=channel, outcome=outcome).inc()
        if seconds is not None:
            self.turn_seconds.labels(channel=channel).observe(seconds)

    def routed(self, *, seconds: float) -> None:
        self.routing_seconds.observe(seconds)

    def delivery_failed(self, *, channel: str) -> None:
        self.delivery_failures.labels(channel=channel).inc()

    def show(self, snapshot: OpsSnapshot, *, kb_version: str | None, articles: int) -> None:
        self.inbox_depth.set(snapshot.inbox_depth)
        self.inbox_age.set(snapshot.inbox_oldest_seconds)
        self.outbox_depth.set(snapshot.outbox_depth)
        self.outbox_age.set(snapshot.outbox_oldest_seconds)
        self.outbox_failed.set(snapshot.outbox_failed)
        for state in CaseState:
            self.cases.labels(state=state.value).set(snapshot.cases_by_state.get(state.value, 0))
        self.due_soon.set(snapshot.cases_due_soon)
        self.overdue.set(snapshot.cases_overdue)
        self.kb_info.clear()
        if kb_version is not None:
            self.kb_info.labels(version=kb_version).set(1)
        self.kb_articles.set(articles)


def authorised(request: web.Request, token: str | None) -> bool:
    if not token:
        return True
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def metrics_endpoint(app: App, meter: PrometheusMeter) -> web.Handler:
    stats = SqlStats(app.database)

    async def metrics(request: web.Request) -> web.StreamResponse:
        if not authorised(request, app.settings.metrics_token):
            return web.Response(
                status=401, text="bearer token needed", headers={"WWW-Authenticate": "Bearer"}
            )
        lead = timedelta(minutes=app.settings.alert_lead_minutes)
        snapshot = await stats.snapshot(now=app.clock(), lead=lead)
        published = app.knowledge.published()
        meter.show(
            snapshot,
            kb_version=published.version if published else None,
            articles=len(published.kb.articles) if published else 0,
        )
        body = generate_latest(meter.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return metrics
