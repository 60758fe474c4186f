"""``supportbot doctor``: the configuration and the world it needs, checked without
changing anything (no migration, no secret file made, no message sent).

Each check returns findings; a channel adds its own checks to :data:`CHANNEL_CHECKS`
(each lives in its channel's package: credentials accepted, the agents' channel reachable).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bot.app.secret import MIN_LENGTH, secret_path
from bot.channels.slack.doctor import check_slack
from bot.channels.teams.doctor import check_teams
from bot.core.doctor import Finding, fail, ok, warning
from bot.core.settings import Settings
from bot.service.agents import AgentDirectory
from bot.service.entitlement import load_products
from bot.service.hours_config import load_config
from knowledge.lint import Severity, lint
from knowledge.loader import ARTICLES_DIR
from storage.db import Database
from storage.register import SqlRegisterStore
from storage.stats import schema_revisions

Check = Callable[[Settings], Awaitable[list[Finding]]]
OUTSIDE_SECONDS = 5.0


async def check_database(settings: Settings) -> list[Finding]:
    fix = "start `supportbot serve` once (migrations run on start, under a lock)"
    try:
        database = await Database.open(settings.database_url, migrate=False)
    except Exception as exc:
        return [fail("database", f"DATABASE_URL cannot be used ({type(exc).__name__})",
                     "use sqlite:///path.db or postgresql://user@host/db")]  # fmt: skip
    try:
        async with asyncio.timeout(10):
            await database.ping()
            current, heads = await schema_revisions(database)
            customers = await SqlRegisterStore(database).organisations() if current else []
    except Exception as exc:
        return [fail("database", f"{database.dialect} does not answer ({type(exc).__name__})",
                     "check DATABASE_URL, that the server runs and that this user may connect")]
    finally:
        await database.close()
    if current is None:
        return [fail("database", f"{database.dialect} reachable but never migrated", fix)]
    if current not in heads:
        return [fail("database", f"schema at {current}, this version needs {', '.join(heads)}",
                     fix)]  # fmt: skip
    found = [ok("database", f"{database.dialect} reachable, schema at {current} (newest)")]
    if not customers and not settings.demo:
        found.append(warning("customer register", "empty: every customer is unknown and "
                             "no case can be opened", "supportbot customers import FILE "
                             "(docs/customers.md)"))  # fmt: skip
    elif customers:
        found.append(ok("customer register", f"{len(customers)} organisation(s)"))
    return found


async def check_secret(settings: Settings) -> list[Finding]:
    if settings.secret_key:
        if len(settings.secret_key) < MIN_LENGTH:
            return [fail("secret key", f"SUPPORTBOT_SECRET_KEY is shorter than {MIN_LENGTH}",
                         "python3 -c 'import secrets; print(secrets.token_hex(32))'")]
        return [ok("secret key", "SUPPORTBOT_SECRET_KEY is set")]
    path = secret_path(settings)
    try:
        value = path.read_text(encoding="ascii").strip()
    except OSError:
        return [fail("secret key", f"no SUPPORTBOT_SECRET_KEY and no {path}",
                     "set SUPPORTBOT_SECRET_KEY (the same on every machine) to the output "
                     "of python3 -c 'import secrets; print(secrets.token_hex(32))'")]
    if len(value) < MIN_LENGTH:
        return [fail("secret key", f"{path} holds no usable secret", "delete it and start once")]
    return [ok("secret key", f"read from {path}")]


async def check_articles(settings: Settings) -> list[Finding]:
    directory = Path(settings.articles_dir) if settings.articles_dir else ARTICLES_DIR
    if not directory.is_dir():
        return [fail("articles", f"no folder {directory}", "fix SUPPORTBOT_ARTICLES_DIR")]
    findings = await asyncio.to_thread(lint, directory, date.today())
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors:
        first = "; ".join(f"{f.article}: {f.message}" for f in errors[:3])
        return [fail("articles", f"{len(errors)} lint error(s) in {directory}: {first}",
                     "run `supportbot kb lint` and correct the articles")]  # fmt: skip
    warnings = len(findings) - len(errors)
    return [ok("articles", f"{directory} passes lint ({warnings} warning(s))")]


async def check_files(settings: Settings) -> list[Finding]:
    found: list[Finding] = []
    if settings.service_hours_file:
        try:
            await asyncio.to_thread(load_config, settings.service_hours_file)
            found.append(ok("service hours", f"{settings.service_hours_file} is valid"))
        except Exception as exc:
            found.append(fail("service hours", f"{settings.service_hours_file}: {exc}",
                              "see docs/service-hours.md"))  # fmt: skip
    else:
        found.append(ok("service hours", "the service description's defaults (no file)"))
    products = Path(settings.products_file) if settings.products_file else None
    try:
        catalog = await asyncio.to_thread(load_products, products)
        found.append(ok("products", f"{products or 'the shipped products file'} is valid"))
        del catalog
    except Exception as exc:
        found.append(fail("products", f"{products}: {exc}", "see docs/customers.md"))
    if not AgentDirectory.parse(settings.agents).agents:
        found.append(fail("agents", "SUPPORTBOT_AGENTS names nobody: no one can take a case",
                          '"Maija Virtanen <maija@econocap.com>, pekka@econocap.com"'))
    else:
        count = len(AgentDirectory.parse(settings.agents).agents)
        found.append(ok("agents", f"{count} agent(s) in SUPPORTBOT_AGENTS"))
    return found


async def check_urls(settings: Settings) -> list[Finding]:
    """The privacy notice's address must be well-formed (a failure); whether the outside
    pages answer cannot be known in a closed network (a warning)."""
    parts = urlsplit(settings.privacy_url)
    if parts.scheme != "https" or not parts.netloc or " " in settings.privacy_url:
        return [fail("privacy notice", f"{settings.privacy_url!r} is not an https:// address",
                     "set SUPPORTBOT_PRIVACY_URL to the public privacy notice")]  # fmt: skip
    found = [ok("privacy notice", f"{settings.privacy_url} is well-formed")]
    async with httpx.AsyncClient(timeout=OUTSIDE_SECONDS, follow_redirects=True) as client:
        for name, url in (("privacy notice", settings.privacy_url),
                          ("sales contact", settings.sales_contact)):  # fmt: skip
            try:
                response = await client.get(url)
                if response.status_code >= 400:
                    found.append(warning(name, f"{url} answered {response.status_code}"))
            except Exception as exc:
                found.append(warning(name, f"{url} did not answer from here "
                                     f"({type(exc).__name__})"))  # fmt: skip
    return found


CHECKS: list[Check] = [check_database, check_secret, check_articles, check_files, check_urls]
CHANNEL_CHECKS: list[Check] = [check_slack, check_teams]


async def examine(settings: Settings, checks: list[Check] | None = None) -> list[Finding]:
    """Every check's findings, in order; a check that crashes is a failure, not a crash."""
    findings: list[Finding] = []
    for check in checks if checks is not None else [*CHECKS, *CHANNEL_CHECKS]:
        try:
            findings += await check(settings)
        except Exception as exc:
            name = check.__name__.removeprefix("check_")
            findings.append(fail(name, f"the check itself failed ({type(exc).__name__})"))
    return findings
