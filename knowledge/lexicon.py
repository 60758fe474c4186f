"""``lexicon.yaml`` read: the router's vocabulary, independent of any article
(colloquial forms, stopwords, synonyms, markers, loan-word suffixes, clitics)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LEXICON_FILE = Path(__file__).parent / "lexicon.yaml"


@dataclass(frozen=True, slots=True)
class Lexicon:
    """``lexicon.yaml`` parsed: the router's vocabulary, independent of any article."""

    surface: Mapping[str, Mapping[str, str]]
    stopwords: frozenset[str]
    synonyms: Mapping[str, tuple[str, ...]]
    markers: tuple[tuple[str, re.Pattern[str]], ...]
    loan_suffixes: tuple[str, ...]
    clitics: tuple[str, ...]


class _WordLoader(yaml.SafeLoader):
    """YAML without YAML 1.1 booleans: in a word list "on" and "no" are words."""


_WordLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_words(path: Path) -> Any:
    """Parse one of the router's vocabulary files (lexicon, products, intents)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_WordLoader)


@cache
def load_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    """Read the lexicon once per process; it ships with the code, not with articles."""
    raw: dict[str, Any] = read_words(path)
    return Lexicon(
        surface={lang: dict(words) for lang, words in raw["surface"].items()},
        stopwords=frozenset(str(w) for w in raw["stopwords"]),
        synonyms={c: tuple(str(w) for w in (*ws, *raw.get("synonyms_sv", {}).get(c, ())))
                  for c, ws in raw["synonyms"].items()},
        markers=tuple(
            (concept, re.compile(pattern))
            for concept, patterns in raw["markers"].items()
            for pattern in patterns
        ),
        loan_suffixes=tuple(sorted(raw["loan_suffixes"], key=len, reverse=True)),
        clitics=tuple(raw["clitics"]),
    )
