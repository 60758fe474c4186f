"""``supportbot serve``: the web server for Slack (and Teams later), with /healthz.

Runs until interrupted (Ctrl-C or SIGTERM); work already started after an
acknowledgement is finished before the process exits.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from typing import Any

from aiohttp import web

from bot.app import App, PublishRefused
from bot.app.serving import start_app, web_application
from bot.core.settings import Settings
from bot.core.timefmt import local_date
from bot.http import SERVED
from knowledge.loader import ArticleError

DEFAULT_PORT = 3000


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "serve",
        help="run the web server for Slack and Teams, with health and metrics",
        description=(
            "Start the web server. Slack is served when SLACK_BOT_TOKEN and "
            "SLACK_SIGNING_SECRET are set (Socket Mode when SLACK_APP_TOKEN is set too); "
            "see docs/slack.md."
        ),
    )
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default: all)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})"
    )
    parser.set_defaults(run=run)


async def publish(app: App) -> None:
    """Publish the edited knowledge base in this process, or say why not (the old one stays)."""
    try:
        snapshot = await app.knowledge.publish(local_date(app.clock()))
    except (PublishRefused, ArticleError) as refused:
        print(f"knowledge base NOT published, the previous one stays: {refused}", flush=True)
        return
    print(f"knowledge base published: {len(snapshot.kb.articles)} articles", flush=True)


async def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    try:
        app = await start_app(settings)
    except (PublishRefused, ArticleError) as refused:
        print(f"supportbot serve: the knowledge base does not pass `supportbot kb lint`, "
              f"not starting: {refused}", file=sys.stderr, flush=True)
        return 1
    web_app = web_application(app)
    runner = web.AppRunner(web_app)
    try:
        await runner.setup()
        await web.TCPSite(runner, args.host, args.port).start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        publishing: set[asyncio.Task[None]] = set()

        def reload() -> None:
            task = asyncio.create_task(publish(app))
            publishing.add(task)
            task.add_done_callback(publishing.discard)

        for sig in (signal.SIGINT, signal.SIGTERM):
            # Not every platform lets a loop handle signals; Ctrl-C still ends the run there.
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        with contextlib.suppress(NotImplementedError, AttributeError):
            loop.add_signal_handler(signal.SIGHUP, reload)  # `systemctl reload`, `kill -HUP`
        # Said only once the signals are handled, so "serving" means ready for a reload too.
        channels = ", ".join(f"{m.name}: {m.status()}" for m in web_app[SERVED].mounts)
        where = f"http://{args.host}:{args.port}"
        print(f"supportbot serving on {where} ({channels or 'no chat platforms'})", flush=True)
        await stop.wait()
        if publishing:
            await asyncio.wait(publishing)
    finally:
        await runner.cleanup()
        await app.close()
    return 0
