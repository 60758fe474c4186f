"""Which PTC products, other vendors' products, platforms and product versions a
text names, however customers spell them ("Creolle", "windchil", "WC12", "M050")."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from knowledge.lexicon import load_lexicon, read_words
from knowledge.normalise import Normaliser, tokenise

PRODUCTS_FILE = Path(__file__).parent / "lexicon_products.yaml"
_NUMBER = re.compile(r"\d+(?:\.\d+)*$")
_DATECODE = re.compile(r"[mf]\d{3}$")
_GLUED = re.compile(r"([a-z+]+?)(\d+(?:\.\d+)*)$")
# Between a product and its version only these may stand: "Creo 9 ja 10".
_VERSION_LINKS = frozenset(
    {"ja", "and", "tai", "or", "vai", "to", "versio", "version", "release", "julkaisu"}
)


@dataclass(frozen=True, slots=True)
class Mentions:
    """What a text names: PTC products, other vendors' products, platforms
    (Windows, Java …) and product versions, plus which tokens named them."""

    products: tuple[str, ...] = ()
    vendors: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    consumed: frozenset[int] = frozenset()

    def markers(self) -> tuple[str, ...]:
        """Concepts for intent cues: "@ptc", "@vendor", "@platform"."""
        kinds = (("@ptc", self.products), ("@vendor", self.vendors), ("@platform", self.platforms))
        return tuple(marker for marker, names in kinds if names)


@dataclass(frozen=True, slots=True)
class _Alias:
    words: tuple[str, ...]
    name: str
    kind: str  # "ptc" | "vendor" | "platform"


class Catalogue:
    """Product names from ``lexicon_products.yaml`` and how customers spell them."""

    def __init__(self, raw: dict[str, Any], suffixes: Iterable[str]) -> None:
        aliases = [_Alias(tokenise(a), name, "ptc") for name, al in raw["ptc"].items() for a in al]
        aliases += [_Alias(tokenise(a), a.title(), "vendor") for a in raw["vendors"]]
        aliases += [_Alias(tokenise(a), a.title(), "platform") for a in raw["platforms"]]
        self._multi: dict[str, list[_Alias]] = defaultdict(list)  # by first word
        for alias in sorted(aliases, key=lambda a: -len(a.words)):  # longest alias wins
            if len(alias.words) > 1:
                self._multi[alias.words[0]].append(alias)
        self._single = {a.words[0]: a for a in aliases if len(a.words) == 1}
        self._long_words = sorted({a.words[-1] for a in aliases if len(a.words[-1]) >= 6})
        self._suffixes = frozenset(suffixes)
        self._longest_suffix = max(map(len, self._suffixes), default=0)
        self._not_version = frozenset(raw["not_product_version"])
        self._version_words = frozenset(raw["version_words"])
        self._loose_cache: dict[str, str | None] = {}

    def _loose(self, token: str) -> str | None:
        """The alias word ``token`` is, allowing a Finnish ending ("creolle") or a
        typo ("windchil"); cached, since the same words recur in every message."""
        if token in self._loose_cache:
            return self._loose_cache[token]
        found = None
        for cut in range(max(3, len(token) - self._longest_suffix), len(token)):
            base, rest = token[:cut], token[cut:]
            if rest in self._suffixes and (base in self._single or base in self._long_words) and (
                len(base) >= 4 or len(rest) >= 2
            ):
                found = base
                break
        if found is None and len(token) >= 6:
            match = process.extractOne(token, self._long_words, scorer=fuzz.ratio,
                                       score_cutoff=85)
            found = match[0] if match else None
        if len(self._loose_cache) < 100_000:
            self._loose_cache[token] = found
        return found

    def _match(self, tokens: Sequence[str], i: int) -> tuple[_Alias, int, str | None] | None:
        token = tokens[i]
        glued = _GLUED.match(token)
        if glued and not _DATECODE.match(token) and glued.group(1) in self._single:
            return self._single[glued.group(1)], 1, glued.group(2)
        for alias in self._multi.get(token, ()):
            n = len(alias.words)
            window = tokens[i : i + n]
            last = alias.words[-1]
            if (len(window) == n and window[1:-1] == alias.words[1:-1]
                    and (window[-1] == last or self._loose(window[-1]) == last)):
                return alias, n, None
        single = self._single.get(token)
        if single is None:
            loose = self._loose(token)
            single = self._single.get(loose) if loose else None
        return (single, 1, None) if single is not None else None

    def find(self, tokens: Sequence[str]) -> Mentions:
        """Every product, vendor, platform and product version in ``tokens``."""
        found: dict[str, list[str]] = {"ptc": [], "vendor": [], "platform": []}
        versions: list[str] = []
        consumed: set[int] = set()
        last = -10  # position of the last product name or product version
        i = 0
        while i < len(tokens):
            hit = self._match(tokens, i)
            if hit is not None:
                alias, n, glued = hit
                found[alias.kind].append(alias.name)
                if alias.kind != "platform":
                    consumed.update(range(i, i + n))
                if alias.kind == "ptc":
                    last = i + n - 1
                    if glued:
                        versions.append(glued)
                i += n
                continue
            if self._is_version(tokens, i, last):
                versions.append(tokens[i].upper())  # datecodes are written "M050"
                last = i
            i += 1
        return Mentions(
            products=tuple(dict.fromkeys(found["ptc"])),
            vendors=tuple(dict.fromkeys(found["vendor"])),
            platforms=tuple(dict.fromkeys(found["platform"])),
            versions=tuple(dict.fromkeys(versions)),
            consumed=frozenset(consumed),
        )

    def _is_version(self, tokens: Sequence[str], i: int, last: int) -> bool:
        token = tokens[i]
        if _DATECODE.match(token):
            return True
        if not _NUMBER.match(token) or i == 0:
            return False
        before = tokens[i - 1]
        if before in self._not_version:
            return False
        after_product = i - last == 1 or (i - last == 2 and before in _VERSION_LINKS)
        after_word = before in self._version_words and (i < 2 or tokens[i - 2] not in
                                                         self._not_version)
        return after_product or after_word


@cache
def load_catalogue(path: Path = PRODUCTS_FILE) -> Catalogue:
    """The shipped product catalogue, read once per process."""
    return Catalogue(read_words(path), load_lexicon().loan_suffixes)


def extract_products(text: str) -> tuple[str, ...]:
    """Canonical PTC product names in ``text``, first mention first ("Creolle" → "Creo")."""
    return load_catalogue().find(tokenise(text)).products


def extract_versions(text: str) -> tuple[str, ...]:
    """Product versions and datecodes in ``text`` ("Creo 11", "WC12", "M050");
    never the version of Java, Windows, Tomcat or a database."""
    return load_catalogue().find(tokenise(text)).versions


def content(normaliser: Normaliser, catalogue: Catalogue, text: str,
            lang: str) -> tuple[Mentions, tuple[str, ...]]:
    """What ``text`` names, and its concepts with product names taken out."""
    tokens = tokenise(text)
    mentions = catalogue.find(tokens)
    words = [t for k, t in enumerate(tokens) if k not in mentions.consumed]
    return mentions, normaliser.concepts(words, lang)
