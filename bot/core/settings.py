"""Settings from the environment, with the embedded defaults of a fresh machine."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

DEMO_AGENTS = (
    "Maija Virtanen <maija.virtanen@econocap.example>, "
    "Pekka Korhonen <pekka.korhonen@econocap.example>"
)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable; :meth:`from_env` documents the variable names."""

    database_url: str
    data_dir: str = "data"
    # The secret behind conversation keys (bot/app/secret.py); a file is made when unset.
    secret_key: str | None = field(default=None, repr=False)
    secret_file: str | None = None
    privacy_url: str = "https://www.econocap.com/tietosuoja"
    support_phone: str = "09-29203200"
    support_email: str = "tuki@econocap.com"
    sales_contact: str = "http://www.econocap.com"
    default_language: str = "fi"
    service_hours_file: str | None = None
    # The editors' articles folder; the shipped starter knowledge base when unset.
    articles_dir: str | None = None
    products_file: str | None = None
    # "Name <email>, email, …": only these people may see the queue or act on cases.
    agents: str = ""
    agent_language: str = "fi"
    alert_lead_minutes: float = 30.0
    # Closed cases, transcripts and people not seen for this long are purged (24 months).
    retention_days: int = 730
    # The embedded default (no DATABASE_URL) ships sample customers and agents to try.
    demo: bool = False
    # Slack (docs/slack.md). Secrets stay out of repr so a logged Settings leaks nothing.
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_base_url: str | None = None
    slack_agent_channel: str | None = None
    slack_team_id: str | None = None
    # Microsoft Teams (docs/teams.md): the Entra app, its tenant and who may talk to it.
    teams_app_id: str | None = None
    teams_app_password: str | None = field(default=None, repr=False)
    teams_tenant_id: str | None = None
    # Comma-separated tenant ids whose users may talk to the bot; empty: the bot's own.
    teams_allowed_tenants: str = ""
    teams_agent_channel: str | None = None
    teams_openid_metadata_url: str = (
        "https://login.botframework.com/v1/.well-known/openidconfiguration"
    )
    # The client-credentials endpoint; empty: Microsoft's for TEAMS_TENANT_ID.
    teams_token_url: str | None = None
    # Where the agents' channel is reached before any activity came from it.
    teams_service_url: str = "https://smba.trafficmanager.net/teams/"
    # Operations (docs/deploy.md): a bearer token /metrics demands when set; "json" logs.
    metrics_token: str | None = field(default=None, repr=False)
    log_format: str = "text"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        # With slots=True, cls.<field> is a slot descriptor, not the default.
        defaults = {f.name: f.default for f in fields(cls)}
        data_dir = Path(env.get("SUPPORTBOT_DATA_DIR", "data"))
        demo_default = "0" if env.get("DATABASE_URL") else "1"
        demo = env.get("SUPPORTBOT_DEMO", demo_default).strip().lower() in ("1", "true", "yes")
        return cls(
            database_url=env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'supportbot.db'}",
            data_dir=str(data_dir),
            secret_key=env.get("SUPPORTBOT_SECRET_KEY") or None,
            secret_file=env.get("SUPPORTBOT_SECRET_FILE") or None,
            privacy_url=env.get("SUPPORTBOT_PRIVACY_URL", defaults["privacy_url"]),
            support_phone=env.get("SUPPORTBOT_PHONE", defaults["support_phone"]),
            support_email=env.get("SUPPORTBOT_EMAIL", defaults["support_email"]),
            sales_contact=env.get("SUPPORTBOT_SALES_CONTACT", defaults["sales_contact"]),
            service_hours_file=env.get("SUPPORTBOT_SERVICE_HOURS_FILE") or None,
            articles_dir=env.get("SUPPORTBOT_ARTICLES_DIR") or None,
            products_file=env.get("SUPPORTBOT_PRODUCTS_FILE") or None,
            agents=env.get("SUPPORTBOT_AGENTS", "") or (DEMO_AGENTS if demo else ""),
            agent_language=env.get("SUPPORTBOT_AGENT_LANGUAGE", "fi"),
            alert_lead_minutes=float(env.get("SUPPORTBOT_ALERT_LEAD_MINUTES", "30")),
            retention_days=int(env.get("SUPPORTBOT_RETENTION_DAYS", "730")),
            demo=demo,
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            slack_api_base_url=env.get("SLACK_API_BASE_URL") or None,
            slack_agent_channel=env.get("SLACK_AGENT_CHANNEL") or None,
            slack_team_id=env.get("SLACK_TEAM_ID") or None,
            teams_app_id=env.get("TEAMS_APP_ID") or None,
            teams_app_password=env.get("TEAMS_APP_PASSWORD") or None,
            teams_tenant_id=env.get("TEAMS_TENANT_ID") or None,
            teams_allowed_tenants=env.get("TEAMS_ALLOWED_TENANTS", ""),
            teams_agent_channel=env.get("TEAMS_AGENT_CHANNEL") or None,
            teams_openid_metadata_url=env.get("TEAMS_OPENID_METADATA_URL")
            or defaults["teams_openid_metadata_url"],
            teams_token_url=env.get("TEAMS_TOKEN_URL") or None,
            teams_service_url=env.get("TEAMS_SERVICE_URL") or defaults["teams_service_url"],
            metrics_token=env.get("SUPPORTBOT_METRICS_TOKEN") or None,
            log_format=(env.get("SUPPORTBOT_LOG_FORMAT") or "text").strip().lower(),
        )
