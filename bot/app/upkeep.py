"""Upkeep that any process may do: bookkeeping pruned, personal data purged after the
retention period (with its copies on agent surfaces), delivery failures reported."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.core.cases import Delivery, DeskEvent, DeskEventKind, OutboxItem, Recipient, erased_card
from bot.core.contract import OutboundReply, ReplyKind
from bot.core.records import Erasure
from storage.web import SqlWebStore

if TYPE_CHECKING:
    from bot.app.root import App

log = logging.getLogger(__name__)


async def housekeep(app: App) -> int:
    """Handled message ids go after a week, delivered outbox rows after 30 days, and
    closed cases, transcripts and people not seen within the retention period."""
    now = app.clock()
    pruned = await app.storage.prune(
        handled_before=now - timedelta(days=7), delivered_before=now - timedelta(days=30)
    )
    # The workbench shows 90 days of unanswered questions; older ones go after 180.
    pruned += await SqlWebStore(app.database).forget_unanswered(before=now - timedelta(days=180))
    return pruned + (await purge(app, dry_run=False)).rows


async def purge(app: App, *, dry_run: bool) -> Erasure:
    now = app.clock()
    before = now - timedelta(days=app.settings.retention_days)
    erasure = await app.storage.purge(before=before, at=now, dry_run=dry_run)
    if erasure.cases and not dry_run:
        # The cards of purged cases go from the agents' channels too.
        lang = app.settings.agent_language
        deliveries = [
            Delivery(address=address, recipient=Recipient.AGENTS, event=DeskEvent(
                kind=DeskEventKind.CASE_ERASED, card=erased_card(case_id, now),
                lines=(app.texts.get(lang, "desk.case_purged", case=case_id),),
            ))
            for case_id in erasure.cases
            for address in app.routes.everyone()
        ]  # fmt: skip
        await app.storage.deliver_now(deliveries, at=now)
        app.wake()
    if erasure.rows:
        log.info("retention purge rows=%d cases=%d dry_run=%s", erasure.rows,
                 len(erasure.cases), dry_run)  # fmt: skip
    return erasure


async def report_failure(app: App, item: OutboxItem) -> None:
    """Tell the agents that a message could not be delivered (not for their own desk)."""
    if item.event is not None and item.replies == ():
        return  # a desk message that failed cannot be reported through the desk
    case_id = item.event.card.case_id if item.event else None
    text = app.texts.get(
        app.settings.agent_language, "desk.delivery_failed",
        channel=item.address.channel, case=case_id or "?",
    )  # fmt: skip
    notice = (OutboundReply(text=text, kind=ReplyKind.NOTICE),)
    deliveries = [
        Delivery(address=a, recipient=Recipient.AGENTS, replies=notice)
        for a in app.routes.everyone()
    ]
    await app.storage.deliver_now(deliveries, at=app.clock())
    app.wake()
    log.warning("delivery failure reported channel=%s", item.address.channel)
