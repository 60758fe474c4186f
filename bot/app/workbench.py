"""The editors' workbench: unanswered questions in clusters, draft articles, review
status, lint and the regression evaluation on the articles' own example questions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import yaml
from rapidfuzz import fuzz

from bot.channels.web.backoffice import ArticleStatus, Cluster, EvalResult, LintLine
from bot.core.gaps import UnansweredQuestion
from knowledge.evaluate import Case, Expectation, evaluate
from knowledge.lint import lint
from knowledge.loader import KnowledgeBase
from knowledge.route import Outcome
from knowledge.router import Router

SIMILAR = 60  # rapidfuzz token_set_ratio: the same question in other words
DUE_SOON_DAYS = 30
EXAMPLES = 8


def clusters(items: Sequence[UnansweredQuestion]) -> list[Cluster]:
    """Kept questions grouped by similarity; counted-only ones by kind and closest article.
    Most frequent first."""
    groups: list[list[UnansweredQuestion]] = []
    counted: dict[tuple[str, str | None], list[UnansweredQuestion]] = {}
    for item in items:
        if item.text is None:
            counted.setdefault((item.kind, item.article), []).append(item)
            continue
        text = item.text.casefold()
        home = next((g for g in groups if fuzz.token_set_ratio(text, g[0].text or "") >= SIMILAR
                     and g[0].article == item.article), None)  # fmt: skip
        if home is None:
            groups.append([item])
        else:
            home.append(item)
    everything = groups + list(counted.values())
    everything.sort(key=lambda g: (-len(g), g[0].at))
    found = []
    for number, group in enumerate(everything, 1):
        texts = [i.text for i in group if i.text]
        unique = list(dict.fromkeys(texts))[:EXAMPLES]
        articles = Counter(i.article for i in group if i.article)
        found.append(Cluster(
            number=number, count=len(group),
            langs=tuple(sorted({i.lang for i in group})),
            kinds=tuple(sorted({i.kind for i in group})),
            article=articles.most_common(1)[0][0] if articles else None,
            examples=tuple(unique),
        ))  # fmt: skip
    return found


def draft(cluster: Cluster, today: date) -> str:
    """A YAML skeleton for a new article, the cluster's questions as its examples."""
    fi = list(cluster.examples) if "fi" in cluster.langs else []
    en = list(cluster.examples) if cluster.langs == ("en",) else []
    skeleton = {
        "id": "new-article",
        "title": {"fi": "TODO", "en": "TODO"},
        "answer": {"fi": "TODO\n", "en": "TODO\n"},
        "questions": {"fi": fi or ["TODO"], "en": en or ["TODO"]},
        "products": [], "versions": [], "keywords": [],
        "sources": [{"title": "TODO", "url": "https://support.ptc.com/"}],
        "owner": "TODO", "reviewed": today.isoformat(),
        "review": (today + timedelta(days=182)).isoformat(),
    }  # fmt: skip
    head = f"# Draft from unanswered questions (cluster {cluster.number}, {cluster.count} asked).\n"
    if cluster.article:
        head += f"# Closest existing article: {cluster.article}. Rename the file to the new id.\n"
    return head + yaml.safe_dump(skeleton, allow_unicode=True, sort_keys=False)


def article_statuses(kb: KnowledgeBase, today: date) -> list[ArticleStatus]:
    out = []
    for article in sorted(kb.articles, key=lambda a: a.review):
        if article.review < today - timedelta(days=DUE_SOON_DAYS):
            status = "overdue"
        elif article.review <= today:
            status = "due"
        elif article.review <= today + timedelta(days=DUE_SOON_DAYS):
            status = "soon"
        else:
            status = "ok"
        out.append(ArticleStatus(
            id=article.id, title=article.title.get("fi"), owner=article.owner,
            reviewed=article.reviewed, review=article.review, status=status,
            verify=article.verify,
        ))  # fmt: skip
    return out


def lint_lines(directory: Path, today: date) -> list[LintLine]:
    return [LintLine(article=f.article, severity=str(f.severity), message=f.message)
            for f in lint(directory, today)]  # fmt: skip


def regression(router: Router, kb: KnowledgeBase) -> EvalResult:
    """Every example question of every article must still lead to its article."""
    cases = [Case(text=q, expect=Expectation(Outcome.ANSWER, ("article", a.id)))
             for a in kb.articles for q in a.questions.all()]  # fmt: skip
    report = evaluate(router, cases)
    missed = Counter(f.expected.detail[1] for f in report.failures if f.expected.detail)
    asked = Counter(c.expect.detail[1] for c in cases if c.expect.detail)
    per_article = sorted(((a, n, n - missed[a]) for a, n in asked.items()),
                         key=lambda row: (row[2] / row[1], row[0]))  # fmt: skip
    misses = tuple((f.text, f.expected.detail[1] if f.expected.detail else "",
                    f"{f.got.outcome} {f.got.article or ''}".strip())
                   for f in report.failures[:50])  # fmt: skip
    return EvalResult(cases=report.cases, correct=report.correct,
                      articles=tuple(per_article), misses=misses)  # fmt: skip
