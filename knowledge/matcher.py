"""Which articles fit a message, and which products and versions it names.

Scoring, per article, on the concepts of ``normalise.py`` (products are
compared separately, never as words):

- eligibility: an article answers only if it covers every product the message
  names, or is a general one (eSupport how-to, cross-product matrices): a
  Windchill article never answers a Creo question;
- coverage: the share of the message's weight (IDF over articles) that the
  article's examples, title and keywords cover; a named product counts as part
  of the question, covered only by an article specific to it;
- closeness: the best example question, half IDF-weighted cosine, half
  rapidfuzz ``token_set_ratio`` on the sorted concept strings (which forgives
  what normalisation could not repair);
- evidence: matching only generic words ("new version") caps the score.

An inverted index picks candidates first, so only a few dozen articles are
scored in full however large the knowledge base grows.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from knowledge.catalogue import Catalogue, content
from knowledge.loader import KnowledgeBase
from knowledge.normalise import Normaliser, tokenise

# Full scoring is done for this many candidates from the index.
_CANDIDATES = 30
# Examples per article compared fuzzily (those sharing the most weight with the message).
_FUZZY_EXAMPLES = 8
# Scoring weights, set on dev + heldout_style (see router.ANSWER_THRESHOLD).
_W_COVERAGE = 0.3
_PRODUCT_WEIGHT = 2.0  # a named product's share of the question, for coverage
_PRODUCT_EVIDENCE = 1.0  # ... and its worth as evidence
_FULL_EVIDENCE = 3.0
# An article naming this many products is a cross-product reference, not one product's.
_GENERAL_PRODUCT_COUNT = 3
# A cross-product article asked about a product it does not list ("is Kepware 6.15
# compatible with ThingWorx 9.6" against the matrix article for Creo, Windchill …)
# is a weaker fit: it answers only when the rest of the question fits it well.
_UNLISTED_FACTOR = 0.8



@dataclass(frozen=True, slots=True)
class Scored:
    """One article's fit to a message, 0..1."""

    article: str
    score: float
    # The share of the message's weight (IDF) the article's words cover: a question
    # with a heavy word no example of the article has is likely one it does not answer.
    coverage: float = 1.0


@dataclass(frozen=True, slots=True)
class _Entry:
    id: str
    products: frozenset[str]  # empty: a general article (eSupport, matrices)
    listed: frozenset[str]  # a general article's own product list (empty: any product)
    examples: tuple[frozenset[str], ...]
    strings: tuple[str, ...]
    norms: tuple[float, ...]
    # concept -> the examples that have it: cosine only visits examples sharing a word.
    postings: dict[str, tuple[int, ...]]
    bag: frozenset[str]  # every concept of its examples, title and keywords


class ArticleIndex:
    """The knowledge base prepared for fast scoring; immutable once built."""

    def __init__(self, kb: KnowledgeBase, normaliser: Normaliser, catalogue: Catalogue,
                 extra: Mapping[str, Sequence[tuple[str, str]]] | None = None) -> None:
        """``extra``: more example questions per article id, (text, language),
        from the example banks (``knowledge/examples``)."""
        entries: list[tuple[str, frozenset[str], list[frozenset[str]], frozenset[str],
                            frozenset[str]]] = []
        df: dict[str, int] = defaultdict(int)
        for article in kb.articles:
            named = {p for name in article.products
                     for p in catalogue.find(tokenise(name)).products}
            general = not named or len(named) >= _GENERAL_PRODUCT_COUNT
            texts = [(q, "fi") for q in (*article.questions.fi, article.title.fi)]
            texts += [(q, "en") for q in (*article.questions.en, article.title.en)]
            texts += list((extra or {}).get(article.id, ()))
            examples = [frozenset(_words(content(normaliser, catalogue, t, lang)[1]))
                        for t, lang in texts]
            keywords = {c for kw in article.keywords
                        for c in _words(content(normaliser, catalogue, kw, "fi")[1])}
            bag = frozenset(keywords.union(*examples))
            for concept in bag:
                df[concept] += 1
            entries.append((article.id, frozenset() if general else frozenset(named),
                            [e for e in examples if e], bag,
                            frozenset(named) if general else frozenset()))
        n = max(len(entries), 1)
        self._idf = {c: math.log(1 + n / d) for c, d in df.items()}
        self._unseen = math.log(1 + n)
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._by_product: dict[str, list[int]] = defaultdict(list)
        self._general: set[int] = set()
        self._entries: list[_Entry] = []
        for k, (aid, products, examples, bag, listed) in enumerate(entries):
            for concept in bag:
                self._postings[concept].append(k)
            for product in products:
                self._by_product[product].append(k)
            if not products:
                self._general.add(k)
            where: dict[str, list[int]] = defaultdict(list)
            for i, example in enumerate(examples):
                for concept in example:
                    where[concept].append(i)
            self._entries.append(_Entry(
                aid, products, listed, tuple(examples),
                tuple(" ".join(sorted(e)) for e in examples),
                tuple(math.sqrt(sum(self._idf[c] for c in e)) for e in examples),
                {c: tuple(ix) for c, ix in where.items()}, bag))
        self._by_id = {entry.id: entry for entry in self._entries}

    def _specific(self, products: Sequence[str]) -> set[int]:
        """Articles specific to every product named."""
        if not products:
            return set()
        return set.intersection(*(set(self._by_product.get(p, ())) for p in products))

    def rank(self, concepts: Sequence[str], products: Sequence[str],
             limit: int = 3) -> tuple[Scored, ...]:
        """The best ``limit`` articles for these concepts, best first. With products
        named, only articles covering all of them and general ones may answer."""
        query = set(_words(concepts))
        weights = {c: self._idf.get(c, self._unseen) for c in query}
        total = sum(weights.values())
        if not total:
            return ()
        specific = self._specific(products)
        eligible = (specific | self._general) if products else None
        covered: dict[int, float] = defaultdict(float)
        for concept in query:
            for k in self._postings.get(concept, ()):
                if eligible is None or k in eligible:
                    covered[k] += weights[concept]
        # Candidates in order of what the full score will mostly reward.
        best = heapq.nlargest(_CANDIDATES, covered, key=lambda k: covered[k] + (
            _PRODUCT_WEIGHT if k in specific else 0.0))
        query_ = _Query(query, weights, total, " ".join(sorted(query)), frozenset(products))
        scored = [Scored(self._entries[k].id, self._score(self._entries[k], covered[k], query_),
                         round(covered[k] / total, 3))
                  for k in best]
        scored.sort(key=lambda s: s.score, reverse=True)
        return tuple(scored[:limit])

    def uncovered(self, concepts: Iterable[str], article: str) -> tuple[tuple[str, float], ...]:
        """The message's concepts the article never mentions, with their weights
        (IDF; a word no article has weighs most): what it may not answer."""
        entry = self._by_id.get(article)
        if entry is None:
            return ()
        return tuple((c, self._idf.get(c, self._unseen)) for c in sorted(set(_words(concepts)))
                     if c not in entry.bag)

    @staticmethod
    def _score(entry: _Entry, matched: float, q: _Query) -> float:
        dots: dict[int, float] = defaultdict(float)
        for concept in q.concepts:
            for i in entry.postings.get(concept, ()):
                dots[i] += q.weights[concept]
        root = math.sqrt(q.total)
        cosine = max((dot / (root * entry.norms[i]) for i, dot in dots.items()
                      if entry.norms[i]), default=0.0)
        # The fuzzy comparison only for the examples sharing the most weight: an
        # article with dozens of long examples would otherwise cost milliseconds.
        nearest = heapq.nlargest(_FUZZY_EXAMPLES, dots, key=dots.__getitem__)
        close = process.extractOne(q.string, [entry.strings[i] for i in nearest],
                                   scorer=fuzz.token_set_ratio)
        closeness = 0.5 * cosine + 0.5 * (close[1] / 100 if close else 0.0)
        # A named product is part of the question: an article specific to it
        # covers that part, a general eSupport article does not.
        own = bool(entry.products & q.products)
        coverage = ((matched + _PRODUCT_WEIGHT * own)
                    / (q.total + (_PRODUCT_WEIGHT if q.products else 0.0)))
        # Evidence: generic words alone ("new version") prove little however
        # well they match.
        mass = min(1.0, (matched + _PRODUCT_EVIDENCE * own) / _FULL_EVIDENCE)
        if entry.listed and not q.products <= entry.listed:
            mass *= _UNLISTED_FACTOR
        return round(mass * (_W_COVERAGE * coverage + (1 - _W_COVERAGE) * closeness), 4)


@dataclass(frozen=True, slots=True)
class _Query:
    concepts: set[str]
    weights: dict[str, float]
    total: float
    string: str
    products: frozenset[str]


def _words(concepts: Iterable[str]) -> list[str]:
    # Markers ("~request", "@ptc") steer intents, not article choice.
    return [c for c in concepts if c[0] not in "~@"]
