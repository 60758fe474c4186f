"""``supportbot doctor``'s Slack checks: the credentials complete and accepted
(``auth.test``), the workspace the one configured, the agents' channel reachable."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack.mount import slack_client
from bot.core.doctor import Finding, fail, ok, warning
from bot.core.settings import Settings

CHECK = "slack"
TOKEN_FIX = (
    "copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page into "
    "SLACK_BOT_TOKEN (docs/slack.md)"
)


def _configured(settings: Settings) -> bool:
    return any((settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token,
                settings.slack_agent_channel))  # fmt: skip


async def check_slack(settings: Settings) -> list[Finding]:
    if not _configured(settings):
        return [ok(CHECK, "not configured (no SLACK_* settings): Slack is not served")]
    missing = [name for name, value in (
        ("SLACK_BOT_TOKEN", settings.slack_bot_token),
        ("SLACK_SIGNING_SECRET", settings.slack_signing_secret or settings.slack_app_token),
    ) if not value]  # fmt: skip
    if missing:
        return [fail(CHECK, f"incomplete: {' and '.join(missing)} not set",
                     "set both, or remove every SLACK_* setting (docs/slack.md)")]  # fmt: skip
    if settings.slack_app_token and not settings.slack_app_token.startswith("xapp-"):
        return [fail(CHECK, "SLACK_APP_TOKEN is not an app-level token (xapp-…)",
                     "create one under Basic Information → App-Level Tokens "
                     "with connections:write")]  # fmt: skip
    client = slack_client(settings)
    try:
        identity = await client.auth_test()
    except SlackApiError as refused:
        code = refused.response.get("error", "refused")
        return [fail(CHECK, f"auth.test refused SLACK_BOT_TOKEN ({code})", TOKEN_FIX)]
    except Exception as exc:
        return [fail(CHECK, f"Slack's Web API did not answer ({type(exc).__name__})",
                     "check the server's outbound HTTPS to slack.com (or SLACK_API_BASE_URL)")]
    team = identity.get("team_id")
    if settings.slack_team_id and team != settings.slack_team_id:
        return [fail(CHECK, f"the token belongs to workspace {team}, not SLACK_TEAM_ID "
                     f"{settings.slack_team_id}", "use the token of the right workspace, "
                     "or correct SLACK_TEAM_ID")]  # fmt: skip
    found = [ok(CHECK, f"auth.test accepted the token (workspace {identity.get('team')}, "
                f"{team})")]  # fmt: skip
    found.append(await _agents_channel(client, settings))
    return found


async def _agents_channel(client: AsyncWebClient, settings: Settings) -> Finding:
    check = "slack agents' channel"
    channel = settings.slack_agent_channel
    if not channel:
        return warning(check, "SLACK_AGENT_CHANNEL is not set: agents see cases only in "
                       "the terminal console", "set it to the channel id (C…) of the "
                       "agents' private channel")  # fmt: skip
    try:
        info = await client.conversations_info(channel=channel)
    except SlackApiError as refused:
        code = refused.response.get("error", "refused")
        return fail(check, f"{channel} cannot be reached ({code})",
                    "check the channel id (channel details → the id at the bottom) and "
                    "invite the bot: /invite @<bot name>")  # fmt: skip
    except Exception as exc:
        return fail(check, f"Slack's Web API did not answer ({type(exc).__name__})")
    if not info.get("channel", {}).get("is_member", False):
        return fail(check, f"the bot is not a member of {channel}",
                    "invite it in the channel: /invite @<bot name>")
    return ok(check, f"{channel} reachable, the bot is a member")
