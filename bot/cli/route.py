"""``supportbot route`` and ``supportbot eval``: one routing decision, or a set scored.

Both run the same :class:`knowledge.router.Router` that serves the chat, on the
shipped knowledge base (``../shared/eval/README.md`` defines the JSON forms).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.cli.kb import add_dir, articles_dir
from knowledge.evaluate import CaseError, Report, evaluate, load_cases, sweep
from knowledge.loader import ArticleError
from knowledge.router import Route, Router


def register(commands: Any) -> None:
    route: argparse.ArgumentParser = commands.add_parser(
        "route",
        help="show what the bot decides for one message",
        description="Route one customer message: answer, no_answer, out_of_scope, escalate, "
        "service_info, service_feedback or privacy, with its detail and confidence.",
    )
    route.add_argument("text", help="the customer's message")
    route.add_argument("--json", action="store_true", help="print one JSON object")
    add_dir(route)
    route.set_defaults(run=run_route)

    evaluation: argparse.ArgumentParser = commands.add_parser(
        "eval",
        help="score routing on labelled .jsonl sets",
        description="Run every message of the sets through the router and report accuracy "
        "per expected outcome and every miss.",
    )
    evaluation.add_argument("files", nargs="+", type=Path, metavar="FILE",
                            help=".jsonl set (one {text, expect} per line)")
    evaluation.add_argument("--json", action="store_true", help="print one JSON object")
    evaluation.add_argument("--sweep", action="store_true",
                            help="also show accuracy at answer thresholds 0.30..0.80")
    add_dir(evaluation)
    evaluation.set_defaults(run=run_eval)


def _router(args: argparse.Namespace) -> Router | None:
    directory = articles_dir(args)
    if not directory.is_dir():
        print(f"supportbot: no such articles folder: {directory}", file=sys.stderr)
        return None
    try:
        return Router.default(directory)
    except (ArticleError, ValueError) as error:
        print(f"supportbot: the knowledge base does not load:\n{error}", file=sys.stderr)
        return None


def run_route(args: argparse.Namespace) -> int:
    """Print the decision for ``args.text``; 1 if the knowledge base is broken."""
    router = _router(args)
    if router is None:
        return 1
    route = router.route(args.text)
    if args.json:
        print(json.dumps(route.as_json(), ensure_ascii=False))
    else:
        print(_describe(route))
    return 0


def _describe(route: Route) -> str:
    detail = route.detail()
    head = f"{route.outcome}" + (f" {detail[0]}={detail[1]}" if detail else "")
    lines = [f"{head}  (lang {route.lang}, confidence {route.confidence:.2f})"]
    if route.products or route.versions:
        lines.append(f"  mentions: {', '.join(route.products + route.versions)}")
    if route.suggestions:
        lines.append(f"  closest articles: {', '.join(route.suggestions)}")
    return "\n".join(lines)


def run_eval(args: argparse.Namespace) -> int:
    """Score the sets; 2 for an unreadable set, 1 if the knowledge base is broken."""
    try:
        cases = load_cases(args.files)
    except (CaseError, OSError) as error:
        print(f"supportbot eval: {error}", file=sys.stderr)
        return 2
    router = _router(args)
    if router is None:
        return 1
    report = evaluate(router, cases)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
        return 0
    print(_table(report))
    if args.sweep:
        print(f"\nanswer threshold sweep (current {router.threshold:.2f}):")
        for threshold, swept in sweep(router, cases, [0.3 + 0.05 * i for i in range(11)]):
            print(f"  {threshold:.2f}  {swept.correct}/{swept.cases}  {swept.accuracy:.3f}")
    return 0


def _table(report: Report) -> str:
    lines = [f"{'outcome':<18}{'correct':>8}{'cases':>7}{'accuracy':>10}"]
    for outcome, tally in report.by_outcome:
        accuracy = tally.correct / tally.cases if tally.cases else 0.0
        lines.append(f"{outcome:<18}{tally.correct:>8}{tally.cases:>7}{accuracy:>10.3f}")
    lines.append(f"{'all':<18}{report.correct:>8}{report.cases:>7}{report.accuracy:>10.3f}")
    share = report.harmful / report.cases if report.cases else 0.0
    lines.append(f"harmful decisions: {report.harmful} ({share:.1%}): a wrong article given as "
                 "the answer, or an in-scope request declined")
    if report.failures:
        lines.append(f"\n{len(report.failures)} failures:")
        for failure in report.failures:
            row = failure.as_json()
            lines.append(f"  {failure.text!r}\n    expected {row['expected']}  got {row['got']}")
    return "\n".join(lines)
