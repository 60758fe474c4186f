"""``supportbot doctor``: each thing it checks, broken and then fixed."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.app.doctor import (
    check_articles,
    check_database,
    check_files,
    check_secret,
    check_urls,
)
from bot.channels.slack.doctor import check_slack
from bot.channels.teams.auth import BOT_FRAMEWORK_SCOPE
from bot.channels.teams.doctor import check_teams
from bot.cli import main
from bot.core.doctor import Finding, Status
from bot.core.settings import DEMO_AGENTS, Settings
from bot.service.entitlement import PRODUCTS_FILE
from knowledge.loader import ARTICLES_DIR
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.teams_api import APP_ID, TENANT, FakeTeams
from tests.slack_harness import AGENT_CHANNEL, slack_settings
from tests.teams_harness import AGENT_CHANNEL as TEAMS_CHANNEL

KEY = "k" * 40
CLOSED = "https://127.0.0.1:9/tietosuoja"  # nothing listens: refused at once


def statuses(findings: list[Finding], check: str) -> list[Status]:
    found = [f.status for f in findings if f.check == check]
    assert found, f"no finding for {check}: {findings}"
    return found


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi() as api:
        yield api


async def test_database_unreachable_unmigrated_and_ready(database_url: str, tmp_path: Path) -> None:
    gone = Settings(database_url="postgresql://postgres@127.0.0.1:9/nothing")
    (down,) = await check_database(gone)
    assert down.status is Status.FAIL and "does not answer" in down.detail and down.fix
    fresh = Settings(database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    (never,) = await check_database(fresh)
    assert never.status is Status.FAIL and "never migrated" in never.detail
    settings = Settings(database_url=database_url, demo=True)
    app = await App.start(settings)  # migrates, as `serve` does on start
    await app.close()
    found = await check_database(settings)
    assert statuses(found, "database") == [Status.OK]
    assert statuses(found, "customer register") == [Status.OK]
    empty = await check_database(dataclasses.replace(settings, demo=False))
    assert statuses(empty, "database") == [Status.OK]


async def test_slack_credentials_and_agents_channel(api: FakeSlackApi, sqlite_url: str) -> None:
    settings = slack_settings(sqlite_url, api, slack_agent_channel=AGENT_CHANNEL)
    incomplete = dataclasses.replace(settings, slack_signing_secret=None)
    assert statuses(await check_slack(incomplete), "slack") == [Status.FAIL]
    api.fail("auth.test", status=200, error="invalid_auth", retry_after=None)
    (refused,) = await check_slack(settings)
    assert refused.status is Status.FAIL and "invalid_auth" in refused.detail
    other = dataclasses.replace(settings, slack_team_id="T0SOMEONE")
    assert statuses(await check_slack(other), "slack") == [Status.FAIL]
    api.missing_channels.add(AGENT_CHANNEL)
    assert statuses(await check_slack(settings), "slack agents' channel") == [Status.FAIL]
    api.missing_channels.clear()
    api.outside_channels.add(AGENT_CHANNEL)
    (_, outside) = await check_slack(settings)
    assert outside.status is Status.FAIL and "/invite" in outside.fix
    api.outside_channels.clear()
    found = await check_slack(settings)
    assert [f.status for f in found] == [Status.OK, Status.OK]
    assert len(api.calls_to("auth.test")) == 5
    unset = dataclasses.replace(settings, slack_agent_channel=None)
    assert statuses(await check_slack(unset), "slack agents' channel") == [Status.WARNING]


async def test_teams_token(sqlite_url: str) -> None:
    async with FakeTeams() as teams:
        settings = Settings(database_url=sqlite_url, teams_app_id=APP_ID,
                            teams_app_password="wrong", teams_tenant_id=TENANT,
                            teams_token_url=f"{teams.base_url}/token",
                            teams_service_url=teams.service_url)  # fmt: skip
        (refused,) = await check_teams(settings)
        assert refused.status is Status.FAIL and "invalid_client" in refused.detail
        (incomplete,) = await check_teams(dataclasses.replace(settings, teams_tenant_id=None))
        assert incomplete.status is Status.FAIL and "TEAMS_TENANT_ID" in incomplete.detail
        right = dataclasses.replace(settings, teams_app_password="app-password")
        (accepted, unset) = await check_teams(right)
        assert accepted.status is Status.OK
        assert unset.status is Status.WARNING and "TEAMS_AGENT_CHANNEL" in unset.detail
        assert [r["scope"] for r in teams.token_requests] == [[BOT_FRAMEWORK_SCOPE]] * 2
        assert teams.roster_requests == []  # no channel named, nothing asked
    (off,) = await check_teams(Settings(database_url=sqlite_url))
    assert off.status is Status.OK and "not configured" in off.detail


async def test_teams_agents_channel(sqlite_url: str) -> None:
    async with FakeTeams() as teams:
        settings = Settings(database_url=sqlite_url, teams_app_id=APP_ID,
                            teams_app_password="app-password", teams_tenant_id=TENANT,
                            teams_token_url=f"{teams.base_url}/token",
                            teams_service_url=teams.service_url,
                            teams_agent_channel=TEAMS_CHANNEL)  # fmt: skip
        teams.outside_channels.add(TEAMS_CHANNEL)
        (token, outside) = await check_teams(settings)
        assert token.status is Status.OK
        assert outside.status is Status.FAIL and "not installed" in outside.detail
        assert "BotNotInConversationRoster" in outside.detail
        assert "supportbot teams package" in outside.fix
        teams.outside_channels.clear()
        teams.missing_channels.add(TEAMS_CHANNEL)
        (_, missing) = await check_teams(settings)
        assert missing.status is Status.FAIL and "ConversationNotFound" in missing.detail
        assert "19:" in missing.fix
        named = dataclasses.replace(settings, teams_agent_channel="General")
        (_, malformed) = await check_teams(named)
        assert malformed.status is Status.FAIL and "not a Teams channel id" in malformed.detail
        teams.missing_channels.clear()
        found = await check_teams(settings)
        assert [f.status for f in found] == [Status.OK, Status.OK], found
        assert "installed" in found[1].detail
        assert teams.roster_requests == [TEAMS_CHANNEL] * 3
        gone = dataclasses.replace(settings, teams_service_url="http://127.0.0.1:9/teams/")
        (_, silent) = await check_teams(gone)
        assert silent.status is Status.FAIL and "did not answer" in silent.detail


async def test_articles_lint(tmp_path: Path, sqlite_url: str) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(ARTICLES_DIR, articles)
    victim = articles / "arbortext-java.yaml"
    good = victim.read_text(encoding="utf-8")
    victim.write_text(good.replace("id: arbortext-java", "id: something-else"), encoding="utf-8")
    settings = Settings(database_url=sqlite_url, articles_dir=str(articles))
    (broken,) = await check_articles(settings)
    assert broken.status is Status.FAIL and "arbortext-java" in broken.detail
    victim.write_text(good, encoding="utf-8")
    assert statuses(await check_articles(settings), "articles") == [Status.OK]


async def test_service_hours_products_and_agents(tmp_path: Path, sqlite_url: str) -> None:
    hours, products = tmp_path / "hours.yaml", tmp_path / "products.yaml"
    hours.write_text("closures:\n  - {date: 2026-13-40}\n", encoding="utf-8")
    products.write_text("desktop: [", encoding="utf-8")
    settings = Settings(database_url=sqlite_url, service_hours_file=str(hours),
                        products_file=str(products), agents="")  # fmt: skip
    found = await check_files(settings)
    for check in ("service hours", "products", "agents"):
        assert statuses(found, check) == [Status.FAIL], check
    hours.write_text("closures:\n  - date: 2026-12-28\n    reason: Inventory\n", "utf-8")
    shutil.copy(PRODUCTS_FILE, products)
    fixed = await check_files(dataclasses.replace(settings, agents=DEMO_AGENTS))
    assert [f.status for f in fixed] == [Status.OK] * 3, fixed


async def test_secret_key(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'bot.db'}")
    (missing,) = await check_secret(settings)
    assert missing.status is Status.FAIL and "SUPPORTBOT_SECRET_KEY" in missing.fix
    short = dataclasses.replace(settings, secret_key="too-short")
    assert statuses(await check_secret(short), "secret key") == [Status.FAIL]
    assert statuses(await check_secret(dataclasses.replace(settings, secret_key=KEY)),
                    "secret key") == [Status.OK]  # fmt: skip
    (tmp_path / "secret.key").write_text(KEY, encoding="ascii")
    assert statuses(await check_secret(settings), "secret key") == [Status.OK]


async def test_privacy_url_well_formed_and_outside_pages_only_warn(sqlite_url: str) -> None:
    settings = Settings(database_url=sqlite_url, privacy_url="www.econocap.com/tietosuoja",
                        sales_contact=CLOSED)  # fmt: skip
    (bad,) = await check_urls(settings)
    assert bad.status is Status.FAIL and "https://" in bad.detail
    found = await check_urls(dataclasses.replace(settings, privacy_url=CLOSED))
    assert [f.status for f in found] == [Status.OK, Status.WARNING, Status.WARNING]


async def test_the_command_exits_0_only_when_everything_holds(
    api: FakeSlackApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    env = {
        "DATABASE_URL": url, "SUPPORTBOT_SECRET_KEY": KEY, "SUPPORTBOT_DEMO": "1",
        "SUPPORTBOT_PRIVACY_URL": CLOSED, "SUPPORTBOT_SALES_CONTACT": CLOSED,
        "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": "s" * 32,
        "SLACK_API_BASE_URL": api.base_url, "SLACK_AGENT_CHANNEL": AGENT_CHANNEL,
    }  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("SUPPORTBOT_ARTICLES_DIR", "SUPPORTBOT_SERVICE_HOURS_FILE",
                 "SUPPORTBOT_PRODUCTS_FILE", "SUPPORTBOT_AGENTS", "SLACK_APP_TOKEN",
                 "SLACK_TEAM_ID", "TEAMS_APP_ID", "TEAMS_APP_PASSWORD"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    assert await asyncio.to_thread(main, ["doctor"]) == 1  # the database was never migrated
    assert "FAIL  database" in capsys.readouterr().out
    app = await App.start(Settings.from_env())
    await app.close()
    assert await asyncio.to_thread(main, ["doctor"]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and "warn  privacy notice" in out and "Ready." in out
    api.fail("auth.test", status=200, error="invalid_auth", retry_after=None)
    assert await asyncio.to_thread(main, ["doctor"]) == 1
    assert "FAIL  slack: auth.test refused" in capsys.readouterr().out
