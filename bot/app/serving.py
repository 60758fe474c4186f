"""The server as the composition root assembles it: which channels mount, from settings."""

from __future__ import annotations

from aiohttp import web

from bot.app.metrics import PrometheusMeter, metrics_endpoint
from bot.app.ready import Lifecycle, readyz_endpoint
from bot.app.root import App
from bot.channels.base import Mount
from bot.channels.slack.mount import agent_desk as slack_agent_desk
from bot.channels.slack.mount import slack_mount
from bot.channels.teams.mount import agent_desk as teams_agent_desk
from bot.channels.teams.mount import teams_mount
from bot.core.contract import ReplyAddress
from bot.core.settings import Settings
from bot.http import build


def shared_desks(settings: Settings) -> tuple[ReplyAddress, ...]:
    """The shared agent surfaces (Slack's agents' channel …) these settings configure."""
    desks = (slack_agent_desk(settings), teams_agent_desk(settings))
    return tuple(desk for desk in desks if desk is not None)


def mounts(settings: Settings) -> list[Mount]:
    """The channels these settings configure, each ready to mount."""
    found: list[Mount] = []
    if (slack := slack_mount(settings)) is not None:
        found.append(slack)
    if (teams := teams_mount(settings)) is not None:
        found.append(teams)
    return found


async def start_app(settings: Settings, **start: object) -> App:
    """The app as ``serve`` runs it: agent copies go to the shared desks when there are any."""
    start.setdefault("meter", PrometheusMeter())
    return await App.start(settings, shared_desks=shared_desks(settings), **start)  # type: ignore[arg-type]


def web_application(app: App) -> web.Application:
    """The web server with every configured channel mounted, ``/readyz`` and ``/metrics``."""
    web_app = build(app, mounts(app.settings))
    lifecycle = Lifecycle()
    lifecycle.hook(web_app)
    web_app.router.add_get("/readyz", readyz_endpoint(app, lifecycle))
    if isinstance(app.meter, PrometheusMeter):
        web_app.router.add_get("/metrics", metrics_endpoint(app, app.meter))
    return web_app
