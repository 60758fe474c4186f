"""Loading articles from YAML files, with errors an editor can act on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from knowledge.schema import Article, Examples, Localized, Source

ARTICLES_DIR = Path(__file__).parent / "articles"
REQUIRED = (
    "id",
    "title",
    "answer",
    "questions",
    "products",
    "sources",
    "owner",
    "reviewed",
    "review",
)


class ArticleError(ValueError):
    """An article file that cannot be loaded; the message names the file and field."""


@dataclass(frozen=True)
class KnowledgeBase:
    articles: tuple[Article, ...]

    def get(self, article_id: str) -> Article | None:
        return self._by_id.get(article_id)

    @cached_property
    def _by_id(self) -> dict[str, Article]:
        # Looked up several times a turn; 10,000 articles make a scan noticeable.
        return {a.id: a for a in self.articles}

    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.articles)


def _localized(raw: Any, where: str) -> Localized:
    if not isinstance(raw, Mapping) or not all(
        isinstance(raw.get(lang), str) and raw.get(lang, "").strip() for lang in ("fi", "en")
    ):
        raise ArticleError(f"{where}: needs non-empty 'fi' and 'en' texts")
    return Localized(fi=raw["fi"].strip(), en=raw["en"].strip())


def _examples(raw: Any, where: str) -> Examples:
    if not isinstance(raw, Mapping):
        raise ArticleError(f"{where}: needs 'fi' and 'en' lists of example questions")
    out: dict[str, tuple[str, ...]] = {}
    for lang in ("fi", "en"):
        items = raw.get(lang)
        if not isinstance(items, list) or not items or not all(isinstance(q, str) for q in items):
            raise ArticleError(f"{where}.{lang}: needs at least one example question")
        out[lang] = tuple(q.strip() for q in items)
    return Examples(fi=out["fi"], en=out["en"])


def _date(raw: Any, where: str) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError as exc:
        raise ArticleError(f"{where}: not a date (YYYY-MM-DD): {raw!r}") from exc


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str | int | float) for x in raw):
        raise ArticleError(f"{where}: needs a list of strings")
    return tuple(str(x) for x in raw)


def parse_article(raw: Any, *, origin: str) -> Article:
    """Turn one file's YAML into an :class:`Article`, or raise :class:`ArticleError`."""
    if not isinstance(raw, Mapping):
        raise ArticleError(f"{origin}: the file must hold one YAML mapping")
    missing = [key for key in REQUIRED if key not in raw]
    if missing:
        raise ArticleError(f"{origin}: missing {', '.join(missing)}")
    sources = raw["sources"]
    if not isinstance(sources, list) or not sources:
        raise ArticleError(f"{origin}: sources: needs at least one source link")
    parsed_sources = []
    for n, item in enumerate(sources, 1):
        if not isinstance(item, Mapping) or not item.get("url") or not item.get("title"):
            raise ArticleError(f"{origin}: sources[{n}]: needs 'title' and 'url'")
        parsed_sources.append(Source(title=str(item["title"]), url=str(item["url"])))
    verify = raw.get("verify")
    return Article(
        id=str(raw["id"]),
        title=_localized(raw["title"], f"{origin}: title"),
        answer=_localized(raw["answer"], f"{origin}: answer"),
        questions=_examples(raw["questions"], f"{origin}: questions"),
        products=_strings(raw["products"], f"{origin}: products"),
        versions=_strings(raw.get("versions"), f"{origin}: versions"),
        keywords=_strings(raw.get("keywords"), f"{origin}: keywords"),
        sources=tuple(parsed_sources),
        owner=str(raw["owner"]),
        reviewed=_date(raw["reviewed"], f"{origin}: reviewed"),
        review=_date(raw["review"], f"{origin}: review"),
        verify=str(verify).strip() if verify else None,
    )


def read_article(path: Path) -> Article:
    """Read and parse one file, or raise :class:`ArticleError`.

    Unlike :func:`load_file` it does not compare the id with the file name, so
    ``kb lint`` can report that problem on its own.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ArticleError(f"{path.name}: not valid YAML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ArticleError(f"{path.name}: cannot be read as UTF-8 text: {exc}") from exc
    return parse_article(raw, origin=path.name)


def load_file(path: Path) -> Article:
    """Read one file whose id must match its name, or raise :class:`ArticleError`."""
    article = read_article(path)
    if article.id != path.stem:
        raise ArticleError(f"{path.name}: id {article.id!r} must match the file name")
    return article


def article_files(directory: Path = ARTICLES_DIR) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("_"))


def load_articles(paths: Iterable[Path]) -> KnowledgeBase:
    """Load every file; raise one :class:`ArticleError` listing every broken file."""
    articles: list[Article] = []
    errors: list[str] = []
    for path in paths:
        try:
            articles.append(load_file(path))
        except ArticleError as exc:
            errors.append(str(exc))
    seen: set[str] = set()
    for article in articles:
        if article.id in seen:
            errors.append(f"{article.id}: the id is used by more than one article")
        seen.add(article.id)
    if errors:
        raise ArticleError("\n".join(errors))
    return KnowledgeBase(articles=tuple(articles))


def load_knowledge_base(directory: Path = ARTICLES_DIR) -> KnowledgeBase:
    return load_articles(article_files(directory))
