"""``supportbot kb``: list, show, export and lint the knowledge base articles.

Every subcommand takes ``--dir`` so an editor can point it at a working copy
of the articles instead of the shipped ones.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import json
import os
import sys
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

from knowledge.lint import Finding, Severity, has_errors, lint
from knowledge.loader import ARTICLES_DIR, ArticleError, KnowledgeBase, load_knowledge_base
from knowledge.schema import LANGUAGES, Article


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "kb", help="list, show, export or check the knowledge base articles"
    )
    actions = parser.add_subparsers(dest="kb_action", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="one line per article")
    add_dir(listing)
    listing.set_defaults(run=run_list)

    show = actions.add_parser("show", help="one article in full")
    show.add_argument("id", help="the article id (its file name without .yaml)")
    show.add_argument("--lang", choices=LANGUAGES, help="only this language (default: both)")
    add_dir(show)
    show.set_defaults(run=run_show)

    export = actions.add_parser("export", help="all articles as one JSON object")
    export.add_argument(
        "--json", action="store_true", help="JSON output (the only format, and the default)"
    )
    add_dir(export)
    export.set_defaults(run=run_export)

    check = actions.add_parser("lint", help="check the articles before publishing")
    check.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="the date review dates are compared with (default: today)",
    )
    check.add_argument("--online", action="store_true", help="also request every source link")
    check.add_argument("--json", action="store_true", help="print the findings as JSON")
    add_dir(check)
    check.set_defaults(run=run_lint)


def default_articles_dir() -> Path:
    """The articles folder ``serve`` uses: ``SUPPORTBOT_ARTICLES_DIR`` or the shipped one."""
    configured = os.environ.get("SUPPORTBOT_ARTICLES_DIR")
    return Path(configured) if configured else ARTICLES_DIR


def add_dir(parser: argparse.ArgumentParser) -> None:
    """``--dir``: the editors' checks test the articles an editor is about to publish."""
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="the articles folder (default: $SUPPORTBOT_ARTICLES_DIR, else the shipped "
        "knowledge base)",
    )


def articles_dir(args: argparse.Namespace) -> Path:
    return args.dir if args.dir is not None else default_articles_dir()


def run_list(args: argparse.Namespace) -> int:
    """Print a table of id, products, review marker and Finnish title; 1 if loading fails."""
    kb = _load(articles_dir(args))
    if kb is None:
        return 1
    today = date.today()
    rows = [
        (a.id, _shorten(", ".join(a.products)), "DUE" if a.review <= today else "", a.title.fi)
        for a in kb.articles
    ]
    header = ("ID", "PRODUCTS", "REVIEW", "TITLE (FI)")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[3]]).rstrip())
    due = sum(1 for row in rows if row[2])
    print(f"\n{len(rows)} articles, {due} due for review")
    return 0


def _shorten(text: str, width: int = 30) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def run_show(args: argparse.Namespace) -> int:
    """Print one article for reading in a terminal; 1 for an unknown id or a broken KB."""
    kb = _load(articles_dir(args))
    if kb is None:
        return 1
    article = kb.get(args.id)
    if article is None:
        print(f"No article with id {args.id!r} in {articles_dir(args)}.", file=sys.stderr)
        close = difflib.get_close_matches(args.id, kb.ids(), n=3, cutoff=0.5)
        if close:
            print(f"Did you mean: {', '.join(close)}?", file=sys.stderr)
        return 1
    print(format_article(article, langs=(args.lang,) if args.lang else LANGUAGES))
    return 0


def format_article(article: Article, *, langs: tuple[str, ...] = LANGUAGES) -> str:
    """The whole article as plain text: metadata, then title, answer and questions per language."""
    due = " (due)" if article.review <= date.today() else ""
    lines = [
        article.id,
        "=" * len(article.id),
        f"products: {', '.join(article.products) or '-'}",
        f"versions: {', '.join(article.versions) or '-'}",
        f"keywords: {', '.join(article.keywords) or '-'}",
        f"owner:    {article.owner}",
        f"reviewed: {article.reviewed}   next review: {article.review}{due}",
    ]
    if article.verify:
        lines.extend(textwrap.wrap(f"verify:   {article.verify}", 100, subsequent_indent=" " * 10))
    for lang in langs:
        title = article.title.get(lang)
        lines += ["", f"[{lang}] {title}", "-" * (len(title) + 5), article.answer.get(lang), ""]
        lines.append("Example questions:" if lang == "en" else "Esimerkkikysymykset:")
        lines += [f"  - {q}" for q in getattr(article.questions, lang)]
    lines += ["", "Sources:"]
    lines += [f"  - {source.title}: {source.url}" for source in article.sources]
    return "\n".join(lines)


def run_export(args: argparse.Namespace) -> int:
    """Print every article as one JSON object ``{"articles": [...]}``; 1 if loading fails."""
    kb = _load(articles_dir(args))
    if kb is None:
        return 1
    payload = {"articles": [article_as_json(a) for a in kb.articles]}
    print(json.dumps(payload, ensure_ascii=False, indent=2))
    return 0


def article_as_json(article: Article) -> dict[str, Any]:
    """The article as JSON-ready data: the schema's field names, lists, ISO dates."""
    data = dataclasses.asdict(article)
    data["reviewed"] = article.reviewed.isoformat()
    data["review"] = article.review.isoformat()
    return data


def run_lint(args: argparse.Namespace) -> int:
    """Print the findings grouped by severity and article; 1 when any is an error."""
    today = args.today or date.today()
    findings = lint(articles_dir(args), today, online=args.online)
    if args.json:
        print(json.dumps(_findings_json(findings, today), ensure_ascii=False, indent=2))
    else:
        print(_findings_text(findings))
    return 1 if has_errors(findings) else 0


def _findings_json(findings: list[Finding], today: date) -> dict[str, Any]:
    return {
        "today": today.isoformat(),
        "errors": sum(1 for f in findings if f.severity is Severity.ERROR),
        "warnings": sum(1 for f in findings if f.severity is Severity.WARNING),
        "findings": [
            {
                "article": f.article,
                "severity": f.severity.value,
                "code": f.code,
                "message": f.message,
            }
            for f in findings
        ],
    }


def _findings_text(findings: list[Finding]) -> str:
    if not findings:
        return "No problems found."
    lines: list[str] = []
    for severity, heading in ((Severity.ERROR, "Errors"), (Severity.WARNING, "Warnings")):
        group = [f for f in findings if f.severity is severity]
        if not group:
            continue
        lines.append(f"{heading} ({len(group)}):")
        current = None
        for finding in group:
            if finding.article != current:
                current = finding.article
                lines.append(f"  {current}")
            lines.append(f"    {finding.code}: {finding.message}")
        lines.append("")
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    lines.append(f"{errors} errors, {len(findings) - errors} warnings")
    return "\n".join(lines)


def _load(directory: Path) -> KnowledgeBase | None:
    if not directory.is_dir():
        print(f"No such articles folder: {directory}", file=sys.stderr)
        return None
    try:
        return load_knowledge_base(directory)
    except ArticleError as exc:
        print(f"The knowledge base does not load:\n{exc}", file=sys.stderr)
        print("Run `supportbot kb lint` for every problem at once.", file=sys.stderr)
        return None
