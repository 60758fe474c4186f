"""From the evidence to one decision: the outcome model's probabilities, the
best articles' scores and the reading of the message.

The model says what kind of message it is ("kb" for a question the knowledge
base may answer, or an intent label such as "out_of_scope:onsite"); the article
index says how well the best article fits. The constants in :class:`Params`
are chosen on cross-validated predictions of the example banks
(``knowledge/train.py``), never on the development set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from knowledge.answerable import Judge
from knowledge.matcher import Scored
from knowledge.route import Outcome, Route

# Suggestions below this score are noise, not "closest articles".
SUGGESTION_FLOOR = 0.15


@dataclass(frozen=True, slots=True)
class Params:
    # An article answers from this score up (below: no_answer with suggestions).
    threshold: float = 0.55
    # ... and only when the model gives "kb" at least this probability.
    kb_floor: float = 0.2
    # An article this good outranks an intent the model is less sure of than `strong`.
    yield_score: float = 0.85
    strong: float = 0.7
    # An out-of-scope decline needs this much probability; below it the message
    # gets the safe in-scope reading (no_answer, a person can help).
    decline_floor: float = 0.45
    # ... counting this share of the other out-of-scope reasons too: a request for
    # work the model is sure of, unsure only which kind (training or development?).
    decline_pool: float = 0.0
    # Two readings within this margin (the second at least `clarify_floor`): ask.
    clarify_margin: float = 0.25
    clarify_floor: float = 0.2
    # An article's fit: this share the model's belief in it, the rest the index's score.
    blend: float = 0.5
    # The model this sure of one article (its share of "kb"), and the index ranking it
    # among the candidates: it fits well enough whatever the words' overlap.
    sure: float = 1.01
    # The model's "no article answers this" above this share of "kb": no_answer.
    no_answer: float = 0.5
    # An article answers only when its words cover this share of the question's weight.
    min_coverage: float = 0.0
    # ... or this share, when the model is `sure` of it (a long story covers little of
    # any article's words). Chosen on sets A-D as the lowest that added no harmful
    # decision there (0.30: D 0.824 -> 0.848, harm unchanged; 0.25: +1 harmful).
    sure_coverage: float = 0.3
    # How much the less likely article labels add to "kb" (see `coarse`).
    kb_mass: float = 1.0
    # A question no article answers goes to the next reading when the model gives it
    # this much (a problem report without error words is handed over, not "no answer").
    fallback: float = 1.0
    # A problem report (error text, "stopped working") is handed over rather than
    # answered or declined when the model gives escalation at least this much.
    problem_escalate: float = 0.1
    # ... unless the model declines it this surely (a problem with another vendor's
    # software, broken hardware): the error words then do not make it PTC's.
    problem_keep: float = 1.01
    # The answerability judge (``answerable.py``): below this it does not answer what
    # the gates above would, from ``rescue`` up it answers what they would not.
    answerable: float = 0.0
    rescue: float = 1.01


def coarse(probs: Mapping[str, float], mass: float = 1.0) -> dict[str, float]:
    """The model's labels with every article and no_answer merged into "kb": the
    likeliest of them plus ``mass`` times the rest (1: their sum; less, because
    twenty-odd article labels that each take a little add up to a lot)."""
    kb = [p for label, p in probs.items() if label.startswith("a:") or label == "no_answer"]
    out = {label: p for label, p in probs.items()
           if not (label.startswith("a:") or label == "no_answer")}
    out["kb"] = max(kb, default=0.0) + mass * (sum(kb) - max(kb, default=0.0))
    return out


def blended(fine: Mapping[str, float], ranked: Sequence[Scored], params: Params) -> list[Scored]:
    """The index's candidates re-scored with the model's belief in each (its share of
    "kb"): the index decides which articles may answer (products), both how well. An
    article newer than the model keeps the index's score alone."""
    kb = sum(p for label, p in fine.items() if label.startswith("a:") or label == "no_answer")
    if not kb:
        return list(ranked)
    out = [_blend(s, fine["a:" + s.article] / kb, params) if "a:" + s.article in fine else s
           for s in ranked]
    return sorted(out, key=lambda s: s.score, reverse=True)


def _blend(scored: Scored, share: float, params: Params) -> Scored:
    """One candidate re-scored; the model this sure of it (``sure``) makes it fit
    whatever the words' overlap: its score reaches the threshold and a lower coverage
    (``sure_coverage``) will do."""
    fit = (1 - params.blend) * scored.score + params.blend * share
    if share >= params.sure:
        coverage = 1.0 if scored.coverage >= params.sure_coverage else scored.coverage
        return Scored(scored.article, round(max(fit, params.threshold), 4), coverage)
    return Scored(scored.article, round(fit, 4), scored.coverage)


def decide(probs: Mapping[str, float], ranked: Sequence[Scored], base: Route,
           params: Params, judge: Judge | None = None) -> Route:
    """The route for one message; ``base`` carries lang, mentions and suggestions;
    ``judge`` tells how likely an article answers it (``answerable.py``)."""
    if any(label.startswith("a:") for label in probs):
        ranked = blended(probs, ranked, params)
        no_answer = probs.get("no_answer", 0.0)
        fine, probs = probs, coarse(probs, params.kb_mass)
        # The model knows the gaps of the knowledge base it was trained with; an
        # article published since may fill one.
        known = bool(ranked) and "a:" + ranked[0].article in fine
        if known and probs["kb"] and no_answer / probs["kb"] >= params.no_answer:
            ranked = [Scored(s.article, min(s.score, params.threshold - 0.01), s.coverage)
                      for s in ranked]
    order = sorted((label for label in probs if label != "small_talk"),
                   key=probs.__getitem__, reverse=True)
    best = ranked[0].score if ranked else 0.0
    top = order[0]
    if top != "kb" and best >= params.yield_score and probs[top] < params.strong:
        top = "kb"
    if top.startswith("out_of_scope") and _declining(probs, top, params) < params.decline_floor:
        top = "kb"
    if (base.problem and top != "escalate" and (top == "kb" or top.startswith("out_of_scope"))
            and probs.get("escalate", 0.0) >= params.problem_escalate
            and not (top.startswith("out_of_scope") and probs[top] >= params.problem_keep)):
        top = "escalate"
    route = _route(top, probs, ranked, base, params, judge)
    others = [label for label in order if label != top]
    if route.outcome == Outcome.NO_ANSWER and others and not others[0].startswith(
            "out_of_scope") and probs[others[0]] >= params.fallback:
        top = others[0]
        route = _route(top, probs, ranked, base, params, judge)
        others = [label for label in order if label != top]
    if others:
        second = others[0]
        p_top, p_second = probs[top], probs[second]
        if p_second >= params.clarify_floor and p_top - p_second <= params.clarify_margin:
            alternative = _route(second, probs, ranked, base, params, judge)
            if (alternative.outcome, alternative.detail()) != (route.outcome, route.detail()):
                route = replace(route, clarify=True, alternatives=(alternative,))
    if base.problem and route.outcome is Outcome.ANSWER and not route.clarify:
        # An article for a message that reports a problem: the article or a person?
        person = intent_route(base, "escalate", probs.get("escalate", 0.0))
        route = replace(route, clarify=True, alternatives=(person,))
    return route


def _declining(probs: Mapping[str, float], top: str, params: Params) -> float:
    """How sure the model is that ``top``, an out-of-scope reason, should decline."""
    others = sum(p for label, p in probs.items()
                 if label.startswith("out_of_scope") and label != top)
    return probs[top] + params.decline_pool * others


def _route(label: str, probs: Mapping[str, float], ranked: Sequence[Scored], base: Route,
           params: Params, judge: Judge | None = None) -> Route:
    best = ranked[0].score if ranked else 0.0
    if label == "kb":
        fits = best >= params.threshold and ranked and ranked[0].coverage >= params.min_coverage
        likely = judge(ranked[0].article) if ranked and judge is not None else None
        if likely is not None:
            fits = (fits and likely >= params.answerable) or likely >= params.rescue
        if ranked and fits and probs.get("kb", 0.0) >= params.kb_floor:
            return replace(base, outcome=Outcome.ANSWER, confidence=round(best, 3),
                           article=ranked[0].article, suggestions=ids(ranked[1:]))
        return replace(base, confidence=round(probs.get("kb", 0.0) * (1 - best), 3))
    return intent_route(base, label, probs[label])


def intent_route(base: Route, label: str, confidence: float) -> Route:
    """``base`` turned into the route an intent label names."""
    outcome, _, value = label.partition(":")
    kind = Outcome(outcome)
    key = {Outcome.OUT_OF_SCOPE: "reason", Outcome.SERVICE_INFO: "topic",
           Outcome.PRIVACY: "action"}.get(kind)
    return replace(base, outcome=kind, confidence=round(confidence, 3), suggestions=(),
                   article=None, reason=value if key == "reason" else None,
                   topic=value if key == "topic" else None,
                   action=value if key == "action" else None)


def ids(ranked: Iterable[Scored]) -> tuple[str, ...]:
    return tuple(s.article for s in ranked if s.score >= SUGGESTION_FLOOR)[:3]
