"""``supportbot doctor``: is this installation ready, and if not, what to do."""

from __future__ import annotations

import argparse
from typing import Any

from bot.app.doctor import examine
from bot.core.doctor import Finding, Status
from bot.core.settings import Settings

MARKS = {Status.OK: "ok  ", Status.WARNING: "warn", Status.FAIL: "FAIL"}


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "doctor",
        help="check the configuration and what it needs; say how to fix it",
        description="Check, without changing anything, what this installation needs: the "
        "database reachable and migrated, each configured channel's credentials accepted "
        "(Slack auth.test, a Teams token), the agents' channel reachable, the articles "
        "passing lint, the service-hours and products files, the secret key, the privacy "
        "notice's address. Whether outside pages answer is only a warning (a closed network "
        "cannot know). Exit status 0 only when every check holds.",
    )
    parser.set_defaults(run=run)


def report(findings: list[Finding]) -> str:
    lines = []
    for finding in findings:
        lines.append(f"{MARKS[finding.status]}  {finding.check}: {finding.detail}")
        if finding.fix and finding.status is not Status.OK:
            lines.append(f"      fix: {finding.fix}")
    failures = sum(f.status is Status.FAIL for f in findings)
    warnings = sum(f.status is Status.WARNING for f in findings)
    verdict = "Ready." if not failures else f"Not ready: {failures} problem(s) to fix."
    lines.append(f"\n{verdict} {warnings} warning(s).")
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> int:
    findings = await examine(Settings.from_env())
    print(report(findings))
    return 1 if any(f.status is Status.FAIL for f in findings) else 0
