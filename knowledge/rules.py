"""The hand-written intents of ``intents.yaml``: cue-word rules with examples.

They hold what the team knows precisely (a named vendor product is another
vendor's, "paikan päälle" is an on-site visit …). On their own they fired on
incidental words in long messages; now each rule is one feature of the outcome
model (``features.py``), which learns from the example banks how far to trust
it, and the rule set alone is the fallback when no model is shipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.catalogue import Catalogue, Mentions, content
from knowledge.lexicon import read_words
from knowledge.normalise import Normaliser, tokenise
from knowledge.route import Outcome

INTENTS_FILE = Path(__file__).parent / "intents.yaml"
# ... and share at least this many words with an example: one shared word is chance.
_MIN_SHARED = 2


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
    texts: tuple[tuple[str, str], ...]  # the examples as written, with their language

    @property
    def label(self) -> str:
        """The outcome model's label: "out_of_scope:onsite", "escalate" …"""
        return label_of(self.outcome, self.detail)

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


def label_of(outcome: Outcome | str, detail: tuple[str, str] | None) -> str:
    """The outcome model's label for a decision: "a:<article>", "no_answer",
    "out_of_scope:onsite", "escalate" …"""
    if outcome == Outcome.ANSWER and detail:
        return f"a:{detail[1]}"
    return f"{outcome}:{detail[1]}" if detail else str(outcome)


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
    examples = [(t, lang) for lang in ("fi", "en", "sv")
                for t in entry.get("examples", {}).get(lang, ())]
    return Intent(
        id=str(entry["id"]),
        outcome=Outcome(entry["outcome"]),
        detail=detail,
        when=tuple(words(line) for line in entry["when"]),
        unless=words(entry.get("unless", ())),
        yield_above=float(entry["yield"]) if "yield" in entry else None,
        examples=tuple(frozenset(c for c in message_concepts(normaliser, catalogue, t, lang)[1]
                                 if c[0] != "@") for t, lang in examples),
        texts=tuple(examples),
    )


def message_concepts(normaliser: Normaliser, catalogue: Catalogue, text: str,
                     lang: str) -> tuple[Mentions, frozenset[str]]:
    """The message's concepts plus its markers (~request, @ptc …), as one set."""
    mentions, concepts = content(normaliser, catalogue, text, lang)
    markers = normaliser.markers(text) + mentions.markers()
    return mentions, frozenset(concepts + markers)
