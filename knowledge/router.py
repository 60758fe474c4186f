"""The routing decision: what the bot does with a customer's first message.

One call, :meth:`Router.route`, returns one :class:`Route` with an outcome
from ``../shared/eval/README.md``: answer from an article, no_answer,
out_of_scope (with the reason), escalate, service_info (with the topic),
service_feedback, privacy (with the action) or small_talk.

How it decides:

1. Read the message as an engineer does (``reading.py``): its question or
   request, its problem report and error text, the story around them, and
   the greetings. A message that is only greetings, thanks or goodbyes is
   small talk.
2. Analyse the parts (``features.py``): concepts, markers, the hand-written
   intent rules of ``intents.yaml`` and character n-grams, the story weighed
   less than the question.
3. The outcome model (``classifier.py``, trained on the example banks by
   ``train.py``) gives each kind of decision a probability; the article
   index (``matcher.py``) scores the articles against the question.
4. ``decide.py`` combines both with constants chosen on cross-validation:
   an article answers only when it fits well and the message is a question
   for the knowledge base; a problem report is handed over rather than
   answered; close readings ask a clarifying question (``clarify`` with the
   ``alternatives``).

Swedish messages are routed on the same concepts (``lexicon.yaml``'s
``synonyms_sv``, simplemma's Swedish dictionary) and get ``lang="sv"``.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

from knowledge import answerable
from knowledge.banks import ARTICLE_BANK, article_examples, read_bank
from knowledge.catalogue import Catalogue, extract_products, extract_versions, load_catalogue
from knowledge.classifier import LinearModel
from knowledge.decide import Params, decide, ids, intent_route
from knowledge.features import Analysis, analyse
from knowledge.language import detect_language, preload
from knowledge.lexicon import Lexicon, load_lexicon
from knowledge.loader import KnowledgeBase, load_knowledge_base
from knowledge.matcher import ArticleIndex, Scored
from knowledge.normalise import Normaliser, tokenise
from knowledge.reading import read
from knowledge.route import Outcome, Route
from knowledge.rules import INTENTS_FILE, Intent, load_intents

__all__ = ["Outcome", "Route", "Router", "extract_products", "extract_versions"]

MODEL_FILE = Path(__file__).parent / "model" / "outcomes.npz"
# The answerability judge (``answerable.py``), trained with the outcome model.
JUDGE_FILE = Path(__file__).parent / "model" / "answerable.npz"
# How close (Dice over concepts) a message must be to an intent's example
# sentence for the example alone to fire the intent (rules-only fallback).
INTENT_SIMILARITY = 0.8
# Articles the index offers for the decision (re-scored with the model's belief).
RANKED = 6


def _judge_for(model_file: Path, trained_on: str) -> LinearModel | None:
    """The answerability judge trained with the model in ``model_file`` (beside it),
    or none: a judge of another training would judge by another model's beliefs."""
    path = model_file.with_name(JUDGE_FILE.name)
    if not path.exists():
        return None
    judge, judged_on, _ = LinearModel.load(path)
    return judge if judged_on == trained_on else None


class Router:
    """Routes messages against one knowledge base.

    Treat it as immutable: editors publish by building a new Router (well under
    a second for the shipped base once the process is warm) and swapping it in.
    """

    __slots__ = ("catalogue", "index", "intents", "judge", "model", "normaliser", "params")

    def __init__(self, kb: KnowledgeBase, *, lexicon: Lexicon | None = None,
                 catalogue: Catalogue | None = None, intents_file: Path = INTENTS_FILE,
                 threshold: float | None = None, model: LinearModel | None = None,
                 model_file: Path | None = MODEL_FILE,
                 examples: dict[str, list[tuple[str, str]]] | None = None,
                 params: Params | None = None, judge: LinearModel | None = None) -> None:
        self.catalogue = catalogue or load_catalogue()
        vocabulary = {t for a in kb.articles
                      for text in (*a.questions.all(), a.title.fi, a.title.en, *a.keywords)
                      for t in tokenise(text)}
        self.normaliser = Normaliser(lexicon or load_lexicon(), vocabulary)
        if examples is None:
            examples = article_examples(read_bank(ARTICLE_BANK), kb.ids())
        self.index = ArticleIndex(kb, self.normaliser, self.catalogue, examples)
        self.intents = load_intents(self.normaliser, self.catalogue, intents_file)
        if model is None and model_file is not None and model_file.exists():
            model, trained_on, chosen = LinearModel.load(model_file)
            params = params or Params(**chosen)
            judge = judge or _judge_for(model_file, trained_on)
        self.params = params or Params()
        self.model = model
        self.judge = judge if model is not None else None
        if threshold is not None:
            self.params = replace(self.params, threshold=threshold)
        preload()

    @classmethod
    def default(cls, articles: Path | None = None) -> Router:
        """The shipped knowledge base (or the one in ``articles``) and intents."""
        return cls(load_knowledge_base(articles) if articles else load_knowledge_base())

    @property
    def threshold(self) -> float:
        return self.params.threshold

    def with_threshold(self, threshold: float) -> Router:
        """The same router answering from ``threshold`` up (for sweeps; no rebuild)."""
        return self.with_params(replace(self.params, threshold=threshold))

    def with_params(self, params: Params) -> Router:
        twin = copy.copy(self)
        twin.params = params
        return twin

    def analyse(self, text: str) -> tuple[Route, Analysis | None]:
        """The message read and analysed; a small-talk route needs no analysis."""
        reading = read(text)
        lang = detect_language(text)
        if reading.small_talk is not None:
            return Route(Outcome.SMALL_TALK, lang=lang, confidence=1.0,
                         small_talk=reading.small_talk), None
        analysis = analyse(text, reading, lang, self.normaliser, self.catalogue, self.intents)
        base = Route(Outcome.NO_ANSWER, lang=lang, confidence=0.0,
                     products=analysis.mentions.products, versions=analysis.mentions.versions,
                     problem=reading.problem)
        return base, analysis

    def route(self, text: str) -> Route:
        """Decide what to do with ``text``. Pure and synchronous; a few ms."""
        base, analysis = self.analyse(text)
        if analysis is None:
            return base
        ranked = self.index.rank(tuple(analysis.focus), analysis.mentions.products,
                                 limit=RANKED)
        base = replace(base, suggestions=ids(ranked))
        if self.model is not None:
            probs = self.model.probabilities(analysis.features)
            judge = None if self.judge is None else answerable.bind(
                self.judge, ranked, probs,
                lambda article: self.index.uncovered(analysis.focus, article), analysis.lang)
            route = decide(probs, ranked, base, self.params, judge)
        else:
            route = self._by_rules(analysis, ranked, base)
        # The decision weighs error text only; the flag also marks problems told in
        # words ("Creo kaatuu", "crashes"), for a hand-over that keeps the description.
        if not route.problem and "problem" in analysis.concepts:
            route = replace(route, problem=True)
        return route

    def _by_rules(self, analysis: Analysis, ranked: tuple[Scored, ...], base: Route) -> Route:
        """Without a model: the first intent rule that fires, else the best article."""
        best = ranked[0].score if ranked else 0.0
        concepts = analysis.focus
        for intent in self.intents:
            if intent.fires(concepts) and not (
                    intent.yield_above is not None and best >= intent.yield_above):
                return intent_route(base, intent.label, 0.6 + 0.4 * intent.closeness(concepts))
        if ranked and best >= self.params.threshold:
            return replace(base, outcome=Outcome.ANSWER, confidence=round(best, 3),
                           article=ranked[0].article, suggestions=ids(ranked[1:]))
        close: Intent | None = max(self.intents, key=lambda i: i.closeness(concepts),
                                   default=None)
        if close is not None and close.closeness(concepts) >= INTENT_SIMILARITY:
            return intent_route(base, close.label, close.closeness(concepts))
        return replace(base, confidence=round(1 - best, 3))
