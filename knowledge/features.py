"""What the outcome model sees of a message: weighted features, one dict per message.

Every part of a message (``reading.py``) contributes its concepts (lemmas with
synonyms folded, ``normalise.py``), its markers ("~request", "problem"), which
of the hand-written intent rules fire on it (``intents.yaml``: the precise
knowledge the team wrote down), and character 4-grams (they carry typos,
umlaut-less Finnish and Swedish that no dictionary repairs). A feature counts
with the weight of the part it came from: the question, request and problem
fully, the story around them a third, greetings not at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from knowledge.catalogue import Catalogue, Mentions, content
from knowledge.normalise import Normaliser, prepare, tokenise
from knowledge.reading import Reading

_ASCII = str.maketrans("äöå", "aoa")
_GRAM = 4
_GRAM_WEIGHT = 0.3
_BIGRAM_WEIGHT = 0.5
_RULE_CONTEXT_WEIGHT = 0.5


class Rule(Protocol):
    """An intent of ``intents.yaml`` as the model uses it: an id and its test."""

    @property
    def id(self) -> str: ...

    def fires(self, concepts: frozenset[str]) -> bool: ...


@dataclass(frozen=True, slots=True)
class Analysis:
    """A message analysed once: what routing, retrieval and the model all need."""

    lang: str
    mentions: Mentions
    focus: frozenset[str]  # concepts and markers of the question/request/problem parts
    concepts: frozenset[str]  # of the whole message
    features: dict[str, float]


def analyse(text: str, reading: Reading, lang: str, normaliser: Normaliser,
            catalogue: Catalogue, rules: Sequence[Rule]) -> Analysis:
    norm_lang = lang if lang in ("fi", "en", "sv") else "en"
    mentions = catalogue.find(tokenise(text))
    marks = mentions.markers()
    feats: dict[str, float] = {}
    focus: set[str] = set(marks)
    whole: set[str] = set(marks)

    def add(name: str, weight: float) -> None:
        if weight > feats.get(name, 0.0):
            feats[name] = weight

    for part in reading.parts:
        if not part.weight:
            continue
        _, concepts = content(normaliser, catalogue, part.text, norm_lang)
        found = set(concepts) | set(normaliser.markers(part.text))
        whole |= found
        if part.weight >= 1.0:
            focus |= found
        for concept in found:
            add(("m:" if concept[0] in "~@" else "w:") + concept, part.weight)
        for left, right in itertools.pairwise(concepts):
            add(f"b:{left}_{right}", _BIGRAM_WEIGHT * part.weight)
        for gram in _grams(part.text):
            add("g:" + gram, _GRAM_WEIGHT * part.weight)
        # Whose product the part names: a crash of another vendor's tool told in the
        # problem part is that vendor's, a PTC product there makes it ours.
        for marker in catalogue.find(tokenise(part.text)).markers():
            add(f"{part.role.value}{marker}", part.weight)
    if not focus - set(marks):
        focus = set(whole)
    for marker in marks:
        add("m:" + marker, 1.0)
    # The products by their canonical names: "TWX" and "wc" are ThingWorx and
    # Windchill to the model too, not only to the index.
    for product in mentions.products:
        add("p:" + product, 1.0)
    focus_set, whole_set = frozenset(focus), frozenset(whole)
    for rule in rules:
        if rule.fires(focus_set):
            add("r:" + rule.id, 1.0)
        elif rule.fires(whole_set):
            add("r:" + rule.id, _RULE_CONTEXT_WEIGHT)
    roles = {part.role.value for part in reading.parts}
    for role in roles:
        add("role:" + role, 1.0)
    if reading.problem:
        add("problem", 1.0)
    if reading.quoted:
        add("quoted", 1.0)
    if mentions.versions:
        add("version", 1.0)
    words = len(text.split())
    add("len:" + ("1" if words <= 3 else "2" if words <= 8 else "3" if words <= 20 else "4"), 1.0)
    add("lang:" + lang, 1.0)
    add("bias", 1.0)
    return Analysis(lang, mentions, focus_set, whole_set, feats)


def _grams(text: str) -> set[str]:
    out: set[str] = set()
    for word in prepare(text).translate(_ASCII).split():
        word = "".join(ch for ch in word if ch.isalnum())
        if len(word) < 3 or word.isdigit():
            continue
        padded = f"<{word}>"
        out.update(padded[i:i + _GRAM] for i in range(len(padded) - _GRAM + 1))
    return out
