"""The routing decision: what the bot does with a customer's first message.

One call, :meth:`Router.route`, returns one :class:`Route` with an outcome
from ``../shared/eval/README.md``: answer from an article, no_answer,
out_of_scope (with the reason), escalate, service_info (with the topic),
service_feedback, or privacy (with the action).

How it decides, in order:

1. The intents of ``intents.yaml``, top to bottom (privacy, feedback,
   out-of-scope reasons, escalation, service questions): the first whose cue
   words all occur fires, unless a well-matched article outranks it.
2. The best article, if its confidence reaches the answer threshold and it
   covers every product the message names.
3. An intent whose example sentences the message closely resembles.
4. Otherwise no_answer, with the closest articles as suggestions.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from knowledge.catalogue import (
    Catalogue,
    Mentions,
    content,
    extract_products,
    extract_versions,
    load_catalogue,
)
from knowledge.language import detect_language, preload
from knowledge.loader import KnowledgeBase, load_knowledge_base
from knowledge.matcher import ArticleIndex, Scored
from knowledge.normalise import Lexicon, Normaliser, load_lexicon, read_words, tokenise
from knowledge.route import Outcome, Route

__all__ = ["Outcome", "Route", "Router", "extract_products", "extract_versions"]

INTENTS_FILE = Path(__file__).parent / "intents.yaml"

# The answer threshold, chosen on data with `supportbot eval --sweep` (2026-11-24):
#   threshold            0.30  0.40  0.50  0.55  0.60  0.65  0.70  0.80
#   dev+heldout_style    209   209   209   210   210   209   209   202   (of 210)
#   fresh+blind          142   143   143   143   141   138   138   130   (of 143)
# Below 0.55 a product's articles start answering what none covers ("which
# browsers does Windchill 13 support" got windchill-java); from 0.60 terse real
# questions fall to no_answer ("creo 64 bit only?", "download arbortext m030").
# 0.55 is the one value best on both, and leans to "not sure" over a wrong article.
ANSWER_THRESHOLD = 0.55
# How close (Dice over concepts) a message must be to an intent's example
# sentence for the example alone to fire the intent.
INTENT_SIMILARITY = 0.8
# ... and share at least this many words with it: one shared word is chance.
_MIN_SHARED = 2
# Suggestions below this score are noise, not "closest articles".
SUGGESTION_FLOOR = 0.15


@dataclass(frozen=True, slots=True)
class Intent:
    """One entry of ``intents.yaml`` with its words already normalised."""

    id: str
    outcome: Outcome
    detail: tuple[str, str] | None
    when: tuple[frozenset[str], ...]
    unless: frozenset[str]
    yield_above: float | None
    examples: tuple[frozenset[str], ...]

    def fires(self, concepts: frozenset[str]) -> bool:
        return not (self.unless & concepts) and any(line <= concepts for line in self.when)

    def closeness(self, concepts: frozenset[str]) -> float:
        """Dice similarity to the nearest example sentence, 0..1, on words only:
        "@ptc" is shared by half of all messages and proves nothing here."""
        words = frozenset(c for c in concepts if c[0] != "@")
        best = 0.0
        for example in self.examples:
            shared = len(words & example)
            if shared >= _MIN_SHARED:
                best = max(best, 2 * shared / (len(words) + len(example)))
        return best


def load_intents(normaliser: Normaliser, catalogue: Catalogue,
                 path: Path = INTENTS_FILE) -> tuple[Intent, ...]:
    """Parse ``intents.yaml``; raise ``ValueError`` naming a cue word that
    normalises to nothing (a typo or a stopword would silently never match)."""
    raw = read_words(path)
    return tuple(_intent(entry, normaliser, catalogue) for entry in raw["intents"])


def _intent(entry: Mapping[str, Any], normaliser: Normaliser, catalogue: Catalogue) -> Intent:
    def words(items: Iterable[str]) -> frozenset[str]:
        out: set[str] = set()
        for item in items:
            found = (item,) if item[0] in "@~" else normaliser.concepts(tokenise(item), "fi")
            if not found:
                raise ValueError(f"intents.yaml: {entry['id']}: {item!r} normalises to nothing")
            out.update(found)
        return frozenset(out)

    detail = next(((k, str(entry[k])) for k in ("reason", "topic", "action") if k in entry), None)
    examples = [(t, lang) for lang in ("fi", "en") for t in entry.get("examples", {}).get(lang, ())]
    return Intent(
        id=str(entry["id"]),
        outcome=Outcome(entry["outcome"]),
        detail=detail,
        when=tuple(words(line) for line in entry["when"]),
        unless=words(entry.get("unless", ())),
        yield_above=float(entry["yield"]) if "yield" in entry else None,
        examples=tuple(frozenset(c for c in _message_concepts(normaliser, catalogue, t, lang)[1]
                                 if c[0] != "@") for t, lang in examples),
    )


def _message_concepts(normaliser: Normaliser, catalogue: Catalogue, text: str,
                      lang: str) -> tuple[Mentions, frozenset[str]]:
    """The message's concepts plus its markers (~request, @ptc …), as one set."""
    mentions, concepts = content(normaliser, catalogue, text, lang)
    markers = normaliser.markers(text) + mentions.markers()
    return mentions, frozenset(concepts + markers)


class Router:
    """Routes messages against one knowledge base.

    Treat it as immutable: editors publish by building a new Router (well under
    a second for the shipped base once the process is warm) and swapping it in.
    """

    __slots__ = ("catalogue", "index", "intents", "normaliser", "threshold")

    def __init__(self, kb: KnowledgeBase, *, lexicon: Lexicon | None = None,
                 catalogue: Catalogue | None = None, intents_file: Path = INTENTS_FILE,
                 threshold: float = ANSWER_THRESHOLD) -> None:
        self.catalogue = catalogue or load_catalogue()
        vocabulary = {t for a in kb.articles
                      for text in (*a.questions.all(), a.title.fi, a.title.en, *a.keywords)
                      for t in tokenise(text)}
        self.normaliser = Normaliser(lexicon or load_lexicon(), vocabulary)
        self.index = ArticleIndex(kb, self.normaliser, self.catalogue)
        self.intents = load_intents(self.normaliser, self.catalogue, intents_file)
        self.threshold = threshold
        preload()

    @classmethod
    def default(cls) -> Router:
        """The shipped knowledge base and intents."""
        return cls(load_knowledge_base())

    def with_threshold(self, threshold: float) -> Router:
        """The same router answering from ``threshold`` up (for sweeps; no rebuild)."""
        twin = copy.copy(self)
        twin.threshold = threshold
        return twin

    def route(self, text: str) -> Route:
        """Decide what to do with ``text``. Pure and synchronous; a few ms."""
        lang = detect_language(text)
        # Swedish is detected (to answer in the default language) but has no
        # articles; its loan words lemmatise best as English.
        mentions, concepts = _message_concepts(self.normaliser, self.catalogue, text,
                                               lang if lang in ("fi", "en") else "en")
        ranked = self.index.rank(tuple(concepts), mentions.products, limit=4)
        best = ranked[0].score if ranked else 0.0
        base = Route(Outcome.NO_ANSWER, lang=lang, confidence=round(1 - best, 3),
                     suggestions=_ids(ranked), products=mentions.products,
                     versions=mentions.versions)
        for intent in self.intents:
            if intent.fires(concepts) and not (
                intent.yield_above is not None and best >= intent.yield_above
            ):
                return _intent_route(base, intent, 0.6 + 0.4 * intent.closeness(concepts))
        if ranked and best >= self.threshold:
            return replace(base, outcome=Outcome.ANSWER, confidence=round(best, 3),
                           article=ranked[0].article, suggestions=_ids(ranked[1:]))
        close = max(self.intents, key=lambda i: i.closeness(concepts), default=None)
        if close is not None and close.closeness(concepts) >= INTENT_SIMILARITY:
            return _intent_route(base, close, close.closeness(concepts))
        return base


def _intent_route(base: Route, intent: Intent, confidence: float) -> Route:
    key, value = intent.detail or ("", "")
    return replace(base, outcome=intent.outcome, confidence=round(confidence, 3), suggestions=(),
                   article=None, reason=value if key == "reason" else None,
                   topic=value if key == "topic" else None,
                   action=value if key == "action" else None)


def _ids(ranked: Iterable[Scored]) -> tuple[str, ...]:
    return tuple(s.article for s in ranked if s.score >= SUGGESTION_FLOOR)[:3]
