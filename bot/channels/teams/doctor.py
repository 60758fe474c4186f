"""``supportbot doctor``'s Teams checks: the app's credentials accepted (a
client-credentials token for the Bot Framework) and the agents' channel reachable
(the connector lists its team's members to the bot only when the bot is installed
in that team).

Plain HTTPS (httpx), not the SDK: the same requests the channel makes, with the
token endpoint's and connector's error codes kept for the explanation.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from bot.channels.teams.auth import BOT_FRAMEWORK_SCOPE, token_url
from bot.core.doctor import Finding, fail, ok, warning
from bot.core.settings import Settings

CHECK = "teams"
CHANNEL_CHECK = "teams agents' channel"
TIMEOUT = 15.0
# Teams' smallest page of members: the check needs to know only that it may list them.
PAGE_SIZE = 50
INSTALL_FIX = (
    "add the app to the team that owns the channel (Teams → the team → Manage team → Apps → "
    "Upload an app, the file from `supportbot teams package`; docs/teams.md)"
)
CHANNEL_ID_FIX = (
    "set TEAMS_AGENT_CHANNEL to the channel's id (19:…@thread.tacv2: the channel's … menu → "
    "Get link to channel, the part after /channel/, URL-decoded)"
)


async def check_teams(settings: Settings) -> list[Finding]:
    """The credentials complete and accepted; then the agents' channel, if set."""
    app_id, password = settings.teams_app_id, settings.teams_app_password
    tenant = settings.teams_tenant_id
    if not (app_id or password):
        return [ok(CHECK, "not configured (no TEAMS_* settings): Teams is not served")]
    if not (app_id and password and tenant):
        missing = [n for n, v in (("TEAMS_APP_ID", app_id), ("TEAMS_APP_PASSWORD", password),
                                  ("TEAMS_TENANT_ID", tenant)) if not v]  # fmt: skip
        return [fail(CHECK, f"incomplete: {' and '.join(missing)} not set", "docs/teams.md")]
    form = {"grant_type": "client_credentials", "client_id": app_id, "client_secret": password,
            "scope": BOT_FRAMEWORK_SCOPE}  # fmt: skip
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        try:
            response = await client.post(token_url(settings.teams_token_url, tenant), data=form)
        except httpx.HTTPError as exc:
            return [fail(CHECK, f"the token endpoint did not answer ({type(exc).__name__})",
                         "check outbound HTTPS to login.microsoftonline.com")]  # fmt: skip
        token = _token(response)
        if token is None:
            return [fail(CHECK, "the token endpoint refused the app's credentials "
                         f"({_error_code(response)})", "check TEAMS_APP_ID, TEAMS_APP_PASSWORD "
                         "(a current client secret) and TEAMS_TENANT_ID in the Entra app "
                         "registration")]  # fmt: skip
        found = [ok(CHECK, "the app's credentials were accepted (token issued)")]
        found.append(await _agents_channel(client, settings, token))
    return found


async def _agents_channel(client: httpx.AsyncClient, settings: Settings, token: str) -> Finding:
    channel = settings.teams_agent_channel
    if not channel:
        return warning(CHANNEL_CHECK, "TEAMS_AGENT_CHANNEL is not set: agents see Teams "
                       "cases only in the terminal console or the web desk",
                       CHANNEL_ID_FIX)  # fmt: skip
    if not channel.startswith("19:"):
        return fail(CHANNEL_CHECK, f"{channel} is not a Teams channel id", CHANNEL_ID_FIX)
    base = settings.teams_service_url.rstrip("/")
    url = f"{base}/v3/conversations/{quote(channel, safe='')}/pagedmembers"
    try:
        response = await client.get(url, params={"pageSize": PAGE_SIZE},
                                    headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    except httpx.HTTPError as exc:
        return fail(CHANNEL_CHECK, f"the Bot Connector at {base} did not answer "
                    f"({type(exc).__name__})", "check outbound HTTPS to it, "
                    "and TEAMS_SERVICE_URL")  # fmt: skip
    status, code = response.status_code, _error_code(response)
    if status == 200:
        return ok(CHANNEL_CHECK, f"{channel} reachable, the bot is installed in its team")
    if status == 403:
        return fail(CHANNEL_CHECK, f"the bot is not installed in the team of {channel} "
                    f"({code})", INSTALL_FIX)  # fmt: skip
    if status == 404:
        return fail(CHANNEL_CHECK, f"Teams knows no channel {channel} ({code})",
                    f"{CHANNEL_ID_FIX}; check TEAMS_SERVICE_URL too")  # fmt: skip
    if status == 401:
        return fail(CHANNEL_CHECK, f"the Bot Connector refused the app's token ({code})",
                    "the Azure Bot resource must use TEAMS_APP_ID as its Microsoft App ID, "
                    "with the Microsoft Teams channel turned on")  # fmt: skip
    return fail(CHANNEL_CHECK, f"the Bot Connector answered {status} ({code})",
                "try again later; if it lasts, check TEAMS_SERVICE_URL")  # fmt: skip


def _token(response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return None
    try:
        token = response.json().get("access_token")
    except (ValueError, AttributeError):
        return None
    return token if isinstance(token, str) and token else None


def _error_code(response: httpx.Response) -> str:
    """``invalid_client`` (Entra) or ``BotNotInConversationRoster`` (the connector)."""
    try:
        error = response.json().get("error", response.status_code)
    except (ValueError, AttributeError):
        return str(response.status_code)
    if isinstance(error, dict):
        return str(error.get("code") or response.status_code)
    return str(error)
