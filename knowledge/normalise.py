"""From raw text to routing concepts: the one normalisation every matcher shares.

A message and an article's example question go through the same steps, so they
meet on the same concepts however each was written: casefolded, punctuation
and Finnish case endings removed, lemmatised (simplemma), stemmed (Snowball),
Finnish compounds split ("lisenssipalvelimen" → lisenssi + palvelin), typos and
missing umlauts repaired against the known vocabulary, and synonyms folded into
one concept per meaning from ``lexicon.yaml`` ("käyttis", "OS", "Windows" → os).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from typing import Any

import snowballstemmer
from rapidfuzz import fuzz, process

from knowledge import dictionaries
from knowledge.dots import FRONT, dottable, dotted
from knowledge.lexicon import Lexicon

LANGS = ("fi", "en")
# Words longer than this may be Finnish compounds worth splitting.
_COMPOUND_MIN = 8
# Typo repair needs enough letters to be safe: "creo" vs "crea" is not a typo.
_FUZZY_MIN = 5
_FUZZY_CUTOFF = 85.0
# A compound's part restored with dots is at least this long ("asemalle", not "lle").
_DOTTED_PART_MIN = 5
_CACHE_LIMIT = 50_000

_APOSTROPHE = re.compile(r"['’`´]s\b|['’`´]")
_COLON_SUFFIX = re.compile(r"(?<=[\w+]):[a-zåäö]{1,6}\b")
_HYPHEN = re.compile(r"(?<=\w)[-/](?=\w)")
_TOKEN = re.compile(r"[^\W_]+(?:\.\d+)*\+?")
_ASCII = str.maketrans("äöå", "aoa")


def prepare(text: str) -> str:
    """Casefold and unify the text; keeps version dots and "Creo+" intact."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _COLON_SUFFIX.sub("", _APOSTROPHE.sub("", text))
    return _HYPHEN.sub(" ", text)


def tokenise(text: str) -> tuple[str, ...]:
    """The words of a message, in order: "Windchill-palvelimen 13.0.2:lle" →
    ("windchill", "palvelimen", "13.0.2")."""
    return tuple(_TOKEN.findall(prepare(text)))


@cache
def _stemmer(lang: str) -> Any:
    return snowballstemmer.stemmer({"fi": "finnish", "sv": "swedish"}.get(lang, "english"))


# Bounded: customers type unbounded vocabularies into a long-running process.
@lru_cache(maxsize=200_000)
def _known(word: str, lang: str) -> bool:
    return dictionaries.is_known(word, lang)


@lru_cache(maxsize=200_000)
def _lemma(word: str, lang: str) -> str:
    return dictionaries.lemmatize(word, lang)


class Normaliser:
    """Turns token sequences into concept sequences.

    ``vocabulary`` is every word of the knowledge base; it tells the normaliser
    which unknown words are real (product jargon such as "corretto") and what a
    misspelt word probably meant. Build one per knowledge base; it caches words.
    """

    def __init__(self, lexicon: Lexicon, vocabulary: Iterable[str] = ()) -> None:
        self._lex = lexicon
        self._cache: dict[tuple[str, str], tuple[str, ...]] = {}
        single = {w for ws in lexicon.synonyms.values() for w in ws if " " not in w}
        # Lexicon words are concepts' spellings: kept as written when no dictionary
        # knows them ("näyttis"). Knowledge-base words only vouch that a word is real.
        self._lexicon_words = frozenset(single)
        self._vocabulary = frozenset(w for w in vocabulary if w.isalpha())
        self._known_surface = self._lexicon_words | self._vocabulary
        self._fuzzy_pool = sorted(w for w in self._known_surface if len(w) >= _FUZZY_MIN)
        self._folded = {w.translate(_ASCII): w for w in self._known_surface if not w.isascii()}
        # The lexicon's own words typed without dots ("mika", "kaytto"): repaired before
        # a dictionary reads them as something else ("mika" is also a first name).
        self._undotted = {w.translate(_ASCII): w for w in self._lexicon_words
                          if not w.isascii() and w.translate(_ASCII) not in self._lexicon_words}
        self._concept: dict[str, str] = {}
        self._phrases: dict[tuple[str, ...], str] = {}
        for concept, words in lexicon.synonyms.items():
            for phrase in words:
                for lang in (*LANGS, "sv"):
                    tokens = tokenise(phrase)
                    keys = self.keys(tokens, lang)
                    if len(keys) == 1 and len(tokens) > 1:
                        continue  # "on site" minus its stopword is not "site"
                    if len(keys) == 1:
                        self._concept.setdefault(keys[0], concept)
                    elif keys:
                        self._phrases.setdefault(keys, concept)
        self._longest_phrase = max((len(k) for k in self._phrases), default=1)

    # -- words --------------------------------------------------------------
    def keys(self, tokens: Sequence[str], lang: str) -> tuple[str, ...]:
        """Lemma-stem keys of the tokens, before synonyms: the unit of comparison."""
        out: list[str] = []
        for token in tokens:
            if not token[0].isdigit():
                out.extend(self.word(token, lang))
        return tuple(out)

    def word(self, word: str, lang: str) -> tuple[str, ...]:
        """One word's keys (several for a compound, none for a stopword)."""
        hit = self._cache.get((word, lang))
        if hit is None:
            if len(self._cache) > _CACHE_LIMIT:
                self._cache.clear()
            hit = self._cache[(word, lang)] = self._word(word, lang, depth=0)
        return hit

    def _word(self, word: str, lang: str, depth: int) -> tuple[str, ...]:
        surface = self._lex.surface
        if lang == "fi" and word in self._undotted:
            word = self._undotted[word]
        undotted = lang == "fi" and self._may_be_undotted(word)
        if undotted and word not in surface["any"] and word not in surface.get("fi", {}):
            front = word.translate(FRONT)  # "pitaisko": a colloquial form without dots
            if front in surface["any"] or front in surface.get("fi", {}):
                word = front
        word = surface.get(lang, {}).get(word) or surface["any"].get(word) or word
        if " " in word:  # a colloquial form rewritten as several words
            return self.keys(word.split(), lang)
        if word in self._lex.stopwords or word.rstrip("+") == "":
            return ()
        if undotted:
            word = dotted(word)
            if word in self._lex.stopwords:
                return ()
        chain = ("sv", "en") if lang == "sv" else (lang, *(x for x in LANGS if x != lang))
        for lang_ in chain:
            if _known(word, lang_):
                return self._lemma_keys(_lemma(word, lang_), lang_)
        if word in self._lexicon_words or depth > 1:
            return (word,)
        return self._unknown(word, lang, depth)

    def _lemma_keys(self, lemma: str, lang: str) -> tuple[str, ...]:
        if lemma in self._lex.stopwords:
            return ()
        return (str(_stemmer(lang).stemWord(lemma)),)

    def _unknown(self, word: str, lang: str, depth: int) -> tuple[str, ...]:
        """A word no dictionary knows: a loan word with a Finnish ending, a
        compound, a typo, or jargon. Tried in that order, cheapest first."""
        if lang == "sv":
            return self._unknown_swedish(word, depth)
        for clitic in self._lex.clitics:  # "tukeeko", "löytyyks": a question particle
            base = word[: -len(clitic)]
            if word.endswith(clitic) and len(base) >= 3 and _known(base, "fi"):
                return self._word(base, "fi", depth + 1)
        guess = _lemma(word, "fi")
        if guess != word and guess in self._known_surface:
            return self._word(guess, "fi", depth + 1)
        for suffix in self._lex.loan_suffixes:
            base = word[: -len(suffix)]
            if not word.endswith(suffix) or len(base) < 3:
                continue
            if base[-1] == base[-2] and not self._is_word(base):
                base = base[:-1]  # "esupporttiin": Finnish doubles a loan word's last consonant
            if self._is_word(base):
                return self._word(base, "en" if _known(base, "en") else lang, depth + 1)
        folded = self._folded.get(word)  # a knowledge-base word typed without dots
        if folded is not None:
            return self._word(folded, lang, depth + 1)
        if len(word) >= _COMPOUND_MIN:
            parts = self._split(word)
            if parts:
                left, right = parts
                if left + right != word and _known(left + right, "fi"):
                    return self._word(left + right, "fi", depth + 1)
                return self._word(left, "fi", depth + 1) + self._word(right, "fi", depth + 1)
        if word not in self._vocabulary and len(word) >= _FUZZY_MIN:
            cutoff = _FUZZY_CUTOFF if len(word) >= 7 else 90.0
            match = process.extractOne(word, self._fuzzy_pool, scorer=fuzz.ratio,
                                       score_cutoff=cutoff)
            if match:
                return self._word(match[0], lang, depth + 1)
        return (str(_stemmer(lang).stemWord(_lemma(word, lang))),)

    def _unknown_swedish(self, word: str, depth: int) -> tuple[str, ...]:
        """Swedish compounds ("grafikkortet") and typos; no Finnish endings."""
        if len(word) >= _COMPOUND_MIN:
            for cut in range(len(word) - 3, 2, -1):
                left, right = word[:cut], word[cut:]
                if (_known(left, "sv") or left in self._known_surface) and _known(right, "sv"):
                    return self._word(left, "sv", depth + 1) + self._word(right, "sv", depth + 1)
        return (str(_stemmer("sv").stemWord(word)),)

    def _may_be_undotted(self, word: str) -> bool:
        """A word that may have lost its dots: no dictionary or article knows it as
        typed (English words in a Finnish message stay English: "one" is not "yö")."""
        return (dottable(word) and word not in self._known_surface
                and word not in self._lex.stopwords
                and not _known(word, "fi") and not _known(word, "en"))

    def _is_word(self, word: str) -> bool:
        return word in self._known_surface or _known(word, "en") or _known(word, "fi")

    def _split(self, word: str) -> tuple[str, str] | None:
        """Longest known first part whose remainder is a known (inflected) word."""
        for cut in range(len(word) - 4, 2, -1):
            left, right = word[:cut], word[cut:]
            if self._is_word(left) and (self._is_word(right) or self._has_loan_base(right)):
                return left, right
        if not dottable(word):
            return None
        # Each part typed without dots is its own word ("tyoasemalle": työ + asemalle);
        # a part dotted only when it is no word as typed, never a short ending, and
        # only when the dotted whole is a word (short fragments look like words).
        for cut in range(len(word) - _DOTTED_PART_MIN, 2, -1):
            left, right = word[:cut], word[cut:]
            left = left if self._is_word(left) else dotted(left)
            right = right if self._is_word(right) else dotted(right)
            if left + right != word and _known(left + right, "fi"):
                return left, right  # only when the dotted whole is a Finnish word
        return None

    def _has_loan_base(self, word: str) -> bool:
        return any(
            word.endswith(s) and len(word) - len(s) >= 3 and word[: -len(s)] in self._known_surface
            for s in self._lex.loan_suffixes
        )

    # -- concepts -----------------------------------------------------------
    def concepts(self, tokens: Sequence[str], lang: str) -> tuple[str, ...]:
        """Concepts of the tokens in order: phrases first (longest wins), then
        single-word synonyms; a word with no synonym stays its own key."""
        keys = self.keys(tokens, lang)
        out: list[str] = []
        i = 0
        while i < len(keys):
            for size in range(min(self._longest_phrase, len(keys) - i), 1, -1):
                concept = self._phrases.get(keys[i : i + size])
                if concept is not None:
                    out.append(concept)
                    i += size
                    break
            else:
                out.append(self._concept.get(keys[i], keys[i]))
                i += 1
        return tuple(out)

    def markers(self, text: str) -> tuple[str, ...]:
        """Concepts the surface shows but lemmas lose: "asentaisitteko" asks us to act."""
        prepared = prepare(text)
        return tuple(dict.fromkeys(c for c, rx in self._lex.markers if rx.search(prepared)))
