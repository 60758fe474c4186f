"""The article: what an editor writes in one file under ``knowledge/articles/``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

LANGUAGES: tuple[str, ...] = ("fi", "en")


@dataclass(frozen=True, slots=True)
class Localized:
    """One text per supported language."""

    fi: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.fi


@dataclass(frozen=True, slots=True)
class Examples:
    """Example questions per language; the matcher learns from them."""

    fi: tuple[str, ...]
    en: tuple[str, ...]

    def all(self) -> tuple[str, ...]:
        return self.fi + self.en


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class Article:
    """A curated answer.

    ``review`` is the date the article is next due for review; ``kb lint``
    reports it once that date has come. ``verify`` names what an editor must
    confirm from the primary source at that review.
    """

    id: str
    title: Localized
    answer: Localized
    questions: Examples
    products: tuple[str, ...]
    versions: tuple[str, ...]
    keywords: tuple[str, ...]
    sources: tuple[Source, ...]
    owner: str
    reviewed: date
    review: date
    verify: str | None = None
