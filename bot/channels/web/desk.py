"""The agents' desk at ``/desk``: the live queue, a case and every desk command.

Commands are the desk's own (:class:`bot.desk.commands.Desk`, as Slack's and the
terminal's); the page is the agent's answer, so a refusal ("Pekka has it") shows at
once. Every open desk page refreshes when a desk event arrives (one SSE stream per
tab), and every 15-20 s besides, which also covers other processes' changes.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from bot.channels.base import Host
from bot.channels.web.backoffice import AGENT, Backoffice, StaffMember
from bot.channels.web.hub import DESK, Hub
from bot.channels.web.pages import Pages
from bot.channels.web.security import staff_token
from bot.channels.web.signin import Page, requires
from bot.core.cases import OPEN_CASE_STATES, CaseCard, CaseState
from bot.core.desk_text import state_text
from bot.core.timefmt import day_and_time
from bot.desk.errors import DeskError

TABS = ("mine", "unassigned", "all")
LOOKING_SECONDS = 45.0


class Presence:
    """Who has which case open, in this process (refreshed by each tab's live view)."""

    def __init__(self) -> None:
        self._seen: dict[int, dict[str, tuple[str, float]]] = {}

    def saw(self, case_id: int, member: StaffMember) -> bool:
        """Record a look; True when this agent was not looking before."""
        viewers = self._seen.setdefault(case_id, {})
        now = time.monotonic()
        new = member.email not in viewers or now - viewers[member.email][1] > LOOKING_SECONDS
        viewers[member.email] = (member.name, now)
        return new

    def others(self, case_id: int, member: StaffMember) -> list[str]:
        cutoff = time.monotonic() - LOOKING_SECONDS
        viewers = self._seen.get(case_id, {})
        return [name for email, (name, at) in sorted(viewers.items())
                if email != member.email and at >= cutoff]  # fmt: skip


class DeskPages:
    def __init__(self, host: Host, hub: Hub, pages: Pages, backoffice: Backoffice) -> None:
        self._host = host
        self._hub = hub
        self._pages = pages
        self._backoffice = backoffice
        self.presence = Presence()

    def routes(self, web_app: web.Application) -> None:
        add, agent = web_app.router, self._agent
        add.add_get("/desk", requires(AGENT, agent(self.page, fresh=True)))
        add.add_get("/desk/queue", requires(AGENT, agent(self.queue)))
        add.add_get("/desk/events", requires(AGENT, agent(self.events)))
        add.add_get("/desk/case/{case:\\d+}", requires(AGENT, agent(self.case)))
        add.add_get("/desk/case/{case:\\d+}/live", requires(AGENT, agent(self.live)))
        add.add_post("/desk/case/{case:\\d+}/{action}", requires(AGENT, agent(self.act)))

    def _agent(self, page: Page, *, fresh: bool = False) -> Page:
        """An agent added while the server runs (``supportbot users add``) is not yet in
        the desk's directory: read the accounts again (a removed one is refused). The
        whole page always does, so its list of colleagues to transfer to is current."""

        async def known(request: web.Request, member: StaffMember) -> web.StreamResponse:
            if fresh or self._host.desk.directory.find(member.email) is None:
                await self._backoffice.refresh_agents()
            if self._host.desk.directory.find(member.email) is None:  # the account went
                raise web.HTTPForbidden(text="no agent account")
            return await page(request, member)

        return known

    # --- what the page shows -------------------------------------------------

    def _due(self, card: CaseCard, lang: str, now: datetime) -> tuple[str, str]:
        t = self._pages.t(lang)
        when = day_and_time(card.due_at, "en" if lang == "en" else "fi", now)
        lead = timedelta(minutes=self._host.settings.alert_lead_minutes)
        if card.state not in OPEN_CASE_STATES:
            return "done", t("web.due_ok", due=when)
        if now > card.due_at:
            return "overdue", t("web.overdue", due=when)
        if card.due_at - now <= lead:
            return "due-soon", t("web.due_soon", due=when)
        return "on-time", t("web.due_ok", due=when)

    def _facts(self, card: CaseCard, lang: str) -> dict[str, Any]:
        texts, now = self._host.texts, self._host.clock()
        due_class, due = self._due(card, lang, now)
        entitled = card.entitlement == "entitled"
        entitlement = (
            texts.get(lang, "slack_desk.entitlement_entitled") if entitled
            else texts.get(lang, "slack_desk.entitlement_other", code=card.entitlement)
        )  # fmt: skip
        return {
            "card": card, "due": due, "due_class": due_class, "entitlement": entitlement,
            "urgency": texts.get(lang, f"handover.urgency_{card.urgency}"),
            "product": f"{card.product} {card.version}" if card.version else card.product,
            "state": state_text(texts, lang, card),
        }  # fmt: skip

    async def _rows(self, member: StaffMember, tab: str, lang: str) -> list[dict[str, Any]]:
        cards = await self._host.desk.queue(member.email)
        if tab == "mine":
            cards = [c for c in cards if c.holder == member.email]
        elif tab == "unassigned":
            cards = [c for c in cards if c.state == CaseState.QUEUED]
        return [self._facts(c, lang) for c in cards]

    async def _case_context(self, member: StaffMember, case_id: int, lang: str
                            ) -> dict[str, Any] | None:  # fmt: skip
        card = await self._host.desk.card(member.email, case_id)
        if card is None:
            return None
        if self.presence.saw(case_id, member):
            self._hub.publish(DESK, "changed", str(case_id))  # the others see who came
        transcript = await self._host.desk.transcript(member.email, case_id)
        return {
            **self._facts(card, lang), "transcript": transcript,
            "earlier": await self._backoffice.earlier_cases(case_id),
            "looking": ", ".join(self.presence.others(case_id, member)),
            "open": card.state in OPEN_CASE_STATES,
            "agents": [a for a in self._host.desk.directory.agents if a.email != member.email],
        }  # fmt: skip

    def _tab(self, request: web.Request) -> str:
        tab = request.query.get("tab", "all")
        return tab if tab in TABS else "all"

    def _case_id(self, request: web.Request, key: str = "case") -> int | None:
        raw = request.match_info.get(key) or request.query.get(key, "")
        return int(raw) if raw.isdigit() and len(raw) < 12 else None

    async def page(self, request: web.Request, member: StaffMember) -> web.Response:
        lang, tab = self._pages.lang(request), self._tab(request)
        case_id = self._case_id(request)
        case = await self._case_context(member, case_id, lang) if case_id else None
        context = {
            "title": self._pages.t(lang)("web.desk_title"), "page": "desk-page", "lang": lang,
            "staff": member, "tab": tab, "rows": await self._rows(member, tab, lang),
            "current": case_id, "flash": "", "error": "", **(case or {"card": None}),
        }  # fmt: skip
        return self._pages.render(request, "desk.html", context, csrf=await self._csrf(request))

    async def _csrf(self, request: web.Request) -> str:
        return await staff_token(request)

    async def queue(self, request: web.Request, member: StaffMember) -> web.Response:
        lang, tab = self._pages.lang(request), self._tab(request)
        context = {"tab": tab, "rows": await self._rows(member, tab, lang), "lang": lang,
                   "current": self._case_id(request)}  # fmt: skip
        return self._pages.render(request, "desk_queue.html", context)

    async def _case(self, request: web.Request, member: StaffMember, template: str,
                    case: int | None = None, **extra: Any) -> web.Response:  # fmt: skip
        lang = self._pages.lang(request)
        case_id = case or self._case_id(request)
        found = await self._case_context(member, case_id, lang) if case_id else None
        if found is None:
            raise web.HTTPNotFound(text="no such case")
        context = {"lang": lang, "flash": "", "error": "", **found, **extra}
        return self._pages.render(request, template, context)

    async def case(self, request: web.Request, member: StaffMember) -> web.Response:
        return await self._case(request, member, "desk_case.html")

    async def live(self, request: web.Request, member: StaffMember) -> web.Response:
        return await self._case(request, member, "desk_live.html")

    async def events(self, request: web.Request, member: StaffMember) -> web.StreamResponse:
        return await self._hub.stream(request, DESK)

    # --- what the agent does --------------------------------------------------

    async def act(self, request: web.Request, member: StaffMember) -> web.Response:
        desk, email = self._host.desk, member.email
        case_id = self._case_id(request) or 0
        action = request.match_info["action"]
        form = await request.post()

        def field(name: str) -> str:
            return str(form.get(name) or "").strip()[:4000]

        commands = {
            "take": lambda: desk.take(email, case_id),
            "reply": lambda: desk.reply(email, case_id, field("text")),
            "note": lambda: desk.note(email, case_id, field("text")),
            "urgency": lambda: desk.set_urgency(
                email, case_id, int(field("urgency")) if field("urgency").isdigit() else 0),
            "handback": lambda: desk.hand_back(email, case_id),
            "transfer": lambda: desk.transfer(email, case_id, field("to") or "queue"),
            "close": lambda: desk.close(email, case_id, field("resolution")),
        }  # fmt: skip
        if action not in commands:
            raise web.HTTPNotFound()
        try:
            outcome = await commands[action]()
        except DeskError as refusal:
            return await self._case(request, member, "desk_case.html", error=str(refusal))
        self._hub.publish(DESK, "changed", str(case_id))
        if action == "close" and field("next"):
            following = [c for c in await desk.queue(email) if c.state == CaseState.QUEUED]
            if following:
                response = await self._case(request, member, "desk_case.html",
                                            following[0].case_id, flash=outcome.message)
                response.headers["HX-Push-Url"] = f"/desk?case={following[0].case_id}"
                return response
        return await self._case(request, member, "desk_case.html", flash=outcome.message)
