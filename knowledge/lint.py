"""``kb lint``: the checks an editor runs on the articles before publishing.

Errors block publishing (a file that does not load, a duplicate, a bad link);
warnings ask for an editor's attention (an article due for review, a long
answer). Nothing here needs the network unless ``online=True``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import numpy as np
from rapidfuzz import fuzz, process

from knowledge.loader import ArticleError, article_files, read_article
from knowledge.schema import LANGUAGES, Article

#: Two example questions this similar (rapidfuzz ratio, 0–100) in different
#: articles pull the matcher both ways.
QUESTION_SIMILARITY = 92.0
#: Titles or answers this similar suggest a copied article.
TEXT_SIMILARITY = 92.0
# Rows compared per cdist call: bounds the score matrix (rows x all texts, one byte each).
_BLOCK = 2000
#: An answer should fit a chat window; about 60–180 words reads well.
MAX_ANSWER_WORDS = 200
#: The matcher needs a few phrasings per language to learn an article.
MIN_QUESTIONS = 3
LINK_TIMEOUT_SECONDS = 5.0
KNOWN_PRODUCTS = frozenset(
    {
        *("Creo", "Creo+", "Windchill", "Arbortext", "ThingWorx", "Mathcad", "Codebeamer"),
        "PTC eSupport",
    }
)
_LINK_IN_TEXT = re.compile(r"https?://|\]\(")


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: ``article`` is the article id, or the file name when it does not load."""

    article: str
    severity: Severity
    code: str
    message: str


def lint(
    kb_dir: Path,
    today: date,
    *,
    online: bool = False,
    client: httpx.Client | None = None,
) -> list[Finding]:
    """Check every article file in ``kb_dir`` and return the findings, sorted.

    Covers: files that do not load, ids that do not match the file name or
    repeat, near-duplicate example questions, titles and answers across
    articles, malformed or non-https links, articles whose review date is on
    or before ``today``, long answers and too few example questions. With
    ``online`` every link is also requested (with ``client`` if given).
    """
    if not kb_dir.is_dir():
        return [Finding(str(kb_dir), Severity.ERROR, "no-directory", "no such directory")]
    findings: list[Finding] = []
    articles: list[Article] = []
    files = article_files(kb_dir)
    if not files:
        findings.append(
            Finding(str(kb_dir), Severity.ERROR, "no-articles", "no *.yaml article files")
        )
    for stray in sorted(kb_dir.glob("*.yml")):
        findings.append(
            Finding(stray.name, Severity.WARNING, "ignored-file", "only *.yaml files are loaded")
        )
    for path in files:
        try:
            article = read_article(path)
        except ArticleError as exc:
            findings.append(Finding(path.name, Severity.ERROR, "schema", str(exc)))
            continue
        if article.id != path.stem:
            findings.append(
                Finding(
                    article.id,
                    Severity.ERROR,
                    "id-mismatch",
                    f"{path.name}: the id must be the file name without .yaml",
                )
            )
        articles.append(article)
    findings.extend(_duplicate_ids(articles))
    for article in articles:
        findings.extend(_check_article(article, today))
    findings.extend(_similar_questions(articles))
    findings.extend(_similar_texts(articles))
    if online:
        findings.extend(_check_links_online(articles, client))
    return sorted(findings, key=lambda f: (f.severity != Severity.ERROR, f.article, f.code))


def has_errors(findings: Iterable[Finding]) -> bool:
    """True when any finding is an error (publishing should stop)."""
    return any(f.severity is Severity.ERROR for f in findings)


def _duplicate_ids(articles: list[Article]) -> Iterator[Finding]:
    counts: dict[str, int] = defaultdict(int)
    for article in articles:
        counts[article.id] += 1
    for article_id, count in sorted(counts.items()):
        if count > 1:
            yield Finding(
                article_id,
                Severity.ERROR,
                "duplicate-id",
                f"{count} files use this id; every id must be unique",
            )


def _check_article(article: Article, today: date) -> Iterator[Finding]:
    def finding(severity: Severity, code: str, message: str) -> Finding:
        return Finding(article.id, severity, code, message)

    for lang in LANGUAGES:
        questions = getattr(article.questions, lang)
        if len(questions) < MIN_QUESTIONS:
            yield finding(
                Severity.ERROR,
                "too-few-questions",
                f"{lang}: {len(questions)} example questions, at least {MIN_QUESTIONS} needed",
            )
        seen: set[str] = set()
        for question in questions:
            key = _normal(question)
            if key in seen:
                yield finding(Severity.WARNING, "repeated-question", f"{lang}: {question!r} twice")
            seen.add(key)
        answer = article.answer.get(lang)
        words = len(answer.split())
        if words > MAX_ANSWER_WORDS:
            yield finding(
                Severity.WARNING,
                "long-answer",
                f"{lang}: the answer has {words} words, keep it under {MAX_ANSWER_WORDS}",
            )
        if _LINK_IN_TEXT.search(answer):
            yield finding(
                Severity.WARNING, "link-in-answer", f"{lang}: put links in sources, not the answer"
            )
    for product in article.products:
        if product not in KNOWN_PRODUCTS:
            yield finding(
                Severity.WARNING,
                "unknown-product",
                f"{product!r} is not one of {', '.join(sorted(KNOWN_PRODUCTS))}",
            )
    for source in article.sources:
        problem = _link_problem(source.url)
        if problem:
            code, message = problem
            yield finding(Severity.ERROR, code, f"{source.url!r}: {message}")
    if article.review <= today:
        note = f"; verify: {article.verify}" if article.verify else ""
        yield finding(
            Severity.WARNING, "due-for-review", f"due for review since {article.review}{note}"
        )


def _link_problem(url: str) -> tuple[str, str] | None:
    if url != url.strip() or any(ch.isspace() for ch in url):
        return "link-whitespace", "the address contains whitespace"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or "." not in parts.netloc:
        return "link-malformed", "not a web address (https://host/path)"
    if parts.scheme != "https":
        return "link-not-https", "use https"
    return None


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def _similar_pairs(texts: list[str], cutoff: float) -> Iterator[tuple[int, int, float]]:
    """Pairs (i < j) of ``texts`` at least ``cutoff`` alike (rapidfuzz ratio): one
    vectorised ``cdist`` per block of rows instead of a Python loop over all pairs."""
    for start in range(0, len(texts), _BLOCK):
        block = texts[start : start + _BLOCK]
        scores = process.cdist(block, texts, scorer=fuzz.ratio, score_cutoff=cutoff,
                               dtype=np.uint8, workers=-1)
        for i, j in zip(*np.nonzero(scores), strict=True):
            if start + i < j:
                yield start + int(i), int(j), float(scores[i, j])


def _similar_questions(articles: list[Article]) -> Iterator[Finding]:
    entries = [(a.id, q, _normal(q)) for a in articles for q in a.questions.all()]
    for a, b, score in _similar_pairs([e[2] for e in entries], QUESTION_SIMILARITY):
        (id_a, q_a, _), (id_b, q_b, _) = entries[a], entries[b]
        if id_a != id_b:
            yield Finding(
                id_b,
                Severity.ERROR,
                "duplicate-question",
                f"{q_b!r} is {score:.0f}% like {q_a!r} of {id_a}: the matcher cannot part them",
            )


def _similar_texts(articles: list[Article]) -> Iterator[Finding]:
    for field in ("title", "answer"):
        for lang in LANGUAGES:
            texts = [_normal(getattr(a, field).get(lang)) for a in articles]
            for a, b, score in _similar_pairs(texts, TEXT_SIMILARITY):
                if articles[a].id != articles[b].id:
                    yield Finding(
                        articles[b].id,
                        Severity.ERROR,
                        f"duplicate-{field}",
                        f"{lang} {field} is {score:.0f}% like that of {articles[a].id}",
                    )


def _check_links_online(articles: list[Article], client: httpx.Client | None) -> Iterator[Finding]:
    owners: dict[str, list[str]] = defaultdict(list)
    for article in articles:
        for source in article.sources:
            if _link_problem(source.url) is None:
                owners[source.url].append(article.id)
    own_client = client is None
    http = client or httpx.Client(timeout=LINK_TIMEOUT_SECONDS, follow_redirects=True)
    try:
        for url, ids in sorted(owners.items()):
            problem = _fetch_problem(http, url)
            if problem:
                severity, code, message = problem
                for article_id in ids:
                    yield Finding(article_id, severity, code, f"{url}: {message}")
    finally:
        if own_client:
            http.close()


def _fetch_problem(http: httpx.Client, url: str) -> tuple[Severity, str, str] | None:
    try:
        response = http.head(url)
        if response.status_code in (405, 501):  # some servers refuse HEAD; ask properly
            response = http.get(url)
    except httpx.HTTPError as exc:
        return Severity.WARNING, "link-unreachable", f"no answer ({type(exc).__name__})"
    if response.status_code in (404, 410):
        return Severity.ERROR, "link-broken", f"HTTP {response.status_code}: the page is gone"
    if response.status_code >= 400:
        return Severity.WARNING, "link-broken", f"HTTP {response.status_code}"
    return None
