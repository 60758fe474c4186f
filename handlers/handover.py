"""The hand-over: gather what an agent needs, check entitlement, queue the case.

Asks briefly, with buttons, and never for what it already knows: the product
and version a message or article names, a problem report as the description.
Entitlement is checked as soon as the product is known, so nobody answers
four questions only to be turned away.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.cases import NewCase, Urgency
from bot.core.contract import Button, OutboundReply, ReplyKind
from bot.core.register import Entitlement, EntitlementReason
from bot.core.state import HANDOVER_PHASES, HandoverDraft, Phase
from bot.core.timefmt import date_text, local_date
from handlers import actions
from handlers.base import HandoverKit, Result, Say, Services, Turn, say, typed
from handlers.desk_events import case_opened
from handlers.email_address import email_in
from handlers.menu import Choice, cancels, pick
from handlers.words import NEW_MATTER, NO, YES
from handlers.words import URGENCY as URGENCY_WORDS
from knowledge.route import Outcome

PRIMARY_PRODUCTS = ("Creo", "Windchill", "Arbortext", "ThingWorx", "Mathcad", "Creo+", "Codebeamer")
PRODUCT = "product:"
URGENCY = "urgency:"
EXISTING_NEW = "existing:new"
EXISTING_OLD = "existing:old"
CANCEL = "handover:cancel"
TYPED_QUESTIONS = {
    Phase.HANDOVER_DESCRIPTION: "handover.ask_description",
    Phase.HANDOVER_REFERENCE: "handover.ask_reference",
    Phase.HANDOVER_EMAIL: "handover_email.ask",
}
# Refusals a mistyped address explains: the customer may try another before giving up.
TYPO_REASONS = frozenset(
    {EntitlementReason.UNKNOWN_ORGANISATION, EntitlementReason.NOT_NAMED_CONTACT}
)


def kit_of(services: Services) -> HandoverKit:
    if services.handover is None:
        raise RuntimeError("the hand-over is not wired into this engine")
    return services.handover


def prefill(turn: Turn, services: Services) -> HandoverDraft:
    """What the message (or the unhelpful article) already told us."""
    kit = kit_of(services)
    route, said = turn.route, turn.typed
    product = version = description = None
    if route is not None:
        named = [p for p in (kit.products.canonical(n) for n in route.products) if p]
        product = named[0] if named else None
        version = route.versions[0] if route.versions else None
        if said and (route.problem or (route.outcome is Outcome.ESCALATE and named)):
            description = said  # a problem report describes itself
    unhelpful = actions.article_of(turn.action, actions.HELPFUL_NO)
    article = services.knowledge.article(unhelpful) if unhelpful else None
    if article is not None and product is None:
        named = [p for p in (kit.products.canonical(n) for n in article.products) if p]
        product = named[0] if len(named) == 1 else None
    return HandoverDraft(product=product, version=version, description=description)


def _urgencies(s: Say) -> tuple[Choice, ...]:
    return tuple(
        Choice(f"{URGENCY}{u.value}", s.text(f"handover.urgency_{u.value}"), URGENCY_WORDS[u.value])
        for u in Urgency
    )


def _existing(s: Say) -> tuple[Choice, ...]:
    return (
        Choice(EXISTING_NEW, s.text("handover.existing_new"), (*NEW_MATTER, *NO)),
        Choice(EXISTING_OLD, s.text("handover.existing_old"), tuple(YES)),
    )


def _question(
    s: Say, key: str, buttons: tuple[Button, ...], raw: str | None = None
) -> OutboundReply:
    cancel = s.button("handover.cancel", CANCEL)
    text = raw or s.text(key)
    return OutboundReply(text=text, buttons=(*buttons, cancel), kind=ReplyKind.QUESTION)


def _ask(
    turn: Turn, s: Say, kit: HandoverKit, draft: HandoverDraft, phase: Phase,
    key: str | None = None, *, raw: str | None = None,
) -> Result:  # fmt: skip
    if phase is Phase.HANDOVER_PRODUCT:
        offered = [p for p in PRIMARY_PRODUCTS if p in kit.products.all()]
        buttons = tuple(Button(p, PRODUCT + p) for p in offered)
        reply = _question(s, key or "handover.ask_product", buttons)
    elif phase is Phase.HANDOVER_URGENCY:
        buttons = tuple(Button(c.label, c.value) for c in _urgencies(s))
        reply = _question(s, key or "handover.ask_urgency", buttons)
    elif phase is Phase.HANDOVER_EXISTING:
        buttons = tuple(Button(c.label, c.value) for c in _existing(s))
        reply = _question(s, key or "handover.ask_existing", buttons)
    else:
        reply = _question(s, key or TYPED_QUESTIONS[phase], (), raw)
    return Result(replies=(reply,), state=turn.state.to(phase, draft=draft, handover_pending=False))


def _refusal(s: Say, entitlement: Entitlement, turn: Turn) -> str:
    reason = entitlement.reason
    contacts = ", ".join(c.name or c.email for c in entitlement.named_contacts)
    ends = date_text(entitlement.contract_ends, turn.lang) if entitlement.contract_ends else "?"
    key = {
        EntitlementReason.NOT_NAMED_CONTACT: "handover.not_named_contact",
        EntitlementReason.NO_CONTRACT: "handover.no_contract",
        EntitlementReason.CONTRACT_EXPIRED: "handover.contract_expired",
    }.get(reason, "handover.unknown_organisation")
    return s.text(
        key,
        product=entitlement.product,
        organisation=entitlement.organisation or "",
        contacts=contacts or s.text("handover.no_named_contacts"),
        ends=ends,
    )


async def advance(turn: Turn, services: Services, draft: HandoverDraft) -> Result:
    """Ask for the next missing detail, or open the case when nothing is missing."""
    kit, s = kit_of(services), say(turn, services)
    if draft.product is None:
        return _ask(turn, s, kit, draft, Phase.HANDOVER_PRODUCT)
    email = draft.email or (turn.user.email if turn.user else None)
    if not email:  # a web chat tells no address: the entitlement check needs one
        return _ask(turn, s, kit, draft, Phase.HANDOVER_EMAIL)
    entitlement = await kit.register.check(email, draft.product, local_date(turn.now))
    if not entitlement.entitled:
        refusal = _refusal(s, entitlement, turn)
        if draft.email and entitlement.reason in TYPO_REASONS:
            retry = f"{refusal}\n\n{s.text('handover_email.retry')}"
            again = replace(draft, email=None)
            return _ask(turn, s, kit, again, Phase.HANDOVER_EMAIL, raw=retry)
        reply = OutboundReply(text=refusal, kind=ReplyKind.NOTICE)
        return Result(replies=(reply,), state=turn.state.to(Phase.ACTIVE, draft=None))
    if draft.urgency is None:
        return _ask(turn, s, kit, draft, Phase.HANDOVER_URGENCY)
    if draft.description is None:
        return _ask(turn, s, kit, draft, Phase.HANDOVER_DESCRIPTION)
    if draft.cut:  # only the start of a long message came along: say so, ask the rest
        return _ask(turn, s, kit, draft, Phase.HANDOVER_DESCRIPTION, "told_before.ask_rest")
    if draft.existing is None:
        return _ask(turn, s, kit, draft, Phase.HANDOVER_EXISTING)
    if draft.existing and draft.reference is None:
        return _ask(turn, s, kit, draft, Phase.HANDOVER_REFERENCE)
    return await _open(turn, services, draft, entitlement)


async def _open(
    turn: Turn, services: Services, draft: HandoverDraft, entitlement: Entitlement
) -> Result:
    kit, s = kit_of(services), say(turn, services)
    assert turn.user is not None and draft.product and draft.urgency and draft.description
    due = kit.hours.due(turn.now)
    if draft.email and draft.email != turn.user.email:
        # Kept on the user (after consent, as the consent text says) so agents see whom
        # they answer and the next hand-over need not ask; erasure removes it with them.
        sender = replace(turn.message.sender, email=draft.email)
        await services.session.seen(turn.user.id, sender, turn.now)
    transcript = await services.session.pending_transcript()
    case = NewCase(
        user_id=turn.user.id,
        organisation_id=entitlement.organisation_id,
        organisation_name=entitlement.organisation,
        entitlement=entitlement.reason.value,
        product=draft.product,
        version=draft.version,
        urgency=draft.urgency,
        description=draft.description,
        existing_reference=draft.reference,
        lang=turn.lang,
        customer_channel=turn.message.channel,
        customer_address=turn.message.address,
        arrived_at=turn.now,
        due_at=due,
    )
    card, position = await services.session.open_case(
        case, announce=case_opened(services, kit, case, transcript)
    )
    if kit.hours.is_open(turn.now):
        text = s.text(
            "handover.queued_open",
            case=card.case_id,
            position=position,
            due=kit.hours_text.due_phrase(due, turn.lang, turn.now),
        )
    else:
        next_open = kit.hours_text.due_phrase(kit.hours.next_open(turn.now), turn.lang, turn.now)
        text = s.text("handover.queued_closed", case=card.case_id, next_open=next_open)
    return Result(
        replies=(OutboundReply(text=text, kind=ReplyKind.NOTICE),),
        state=turn.state.to(Phase.QUEUED, draft=None, handover_pending=False),
    )


def _answer(turn: Turn, services: Services, draft: HandoverDraft) -> HandoverDraft | str:
    """The draft with this turn's answer, or the catalogue key of a "say again"."""
    kit, phase, text = kit_of(services), turn.state.phase, turn.message.text.strip()
    action, s = turn.action or "", say(turn, services)
    if phase is Phase.HANDOVER_PRODUCT:
        product = kit.products.canonical(action.removeprefix(PRODUCT)) if action else None
        route = turn.route
        if product is None and route is not None:
            product = next((p for p in map(kit.products.canonical, route.products) if p), None)
        offered = [Choice(PRODUCT + p, p) for p in PRIMARY_PRODUCTS if p in kit.products.all()]
        number = pick(text, offered) if typed(text).isdigit() else None
        product = product or kit.products.canonical(text) or kit.products.canonical(
            (number or "").removeprefix(PRODUCT)
        )
        if product is None:
            return "handover.product_unknown"
        version = draft.version or (route.versions[0] if route and route.versions else None)
        return replace(draft, product=product, version=version)
    if phase is Phase.HANDOVER_URGENCY:
        # The button, its number, its label or what people say ("urgent, production is
        # down"); "Creo 10 M050" is not urgency 1: a bare number only.
        answer = action or pick(text, _urgencies(s)) or ""
        level = answer.removeprefix(URGENCY)
        if level in {"1", "2", "3", "4"}:
            return replace(draft, urgency=int(level))
        return "handover.urgency_unknown"
    if phase is Phase.HANDOVER_DESCRIPTION:
        if not text:
            return "handover.ask_description"
        versions = turn.route.versions if turn.route else ()
        if draft.cut and draft.description:
            text = f"{draft.description}\n{text}"
        return replace(draft, description=text, cut=False,
                       version=draft.version or (versions[0] if versions else None))  # fmt: skip
    if phase is Phase.HANDOVER_EXISTING:
        answer = action or pick(text, _existing(s))
        if answer in (EXISTING_NEW, EXISTING_OLD):
            return replace(draft, existing=answer == EXISTING_OLD)
        return "handover.ask_existing"
    if phase is Phase.HANDOVER_EMAIL:
        email = email_in(text)
        return replace(draft, email=email) if email else "handover_email.invalid"
    return replace(draft, reference=text[:64]) if text else "handover.ask_reference"


class HandoverAnswer:
    """An answer to one of the hand-over's questions (or cancelling it)."""

    name = "handover"

    def matches(self, turn: Turn) -> bool:
        return turn.state.phase in HANDOVER_PHASES

    async def handle(self, turn: Turn, services: Services) -> Result:
        s = say(turn, services)
        if turn.action == CANCEL or (turn.typed is not None and cancels(turn.typed)):
            return Result(
                replies=(s.reply("handover.cancelled"),),
                state=turn.state.to(Phase.ACTIVE, draft=None),
            )
        draft = turn.state.draft or HandoverDraft()
        answered = _answer(turn, services, draft)
        if isinstance(answered, str):
            return _ask(turn, s, kit_of(services), draft, turn.state.phase, answered)
        return await advance(turn, services, answered)
