"""Debian's Chromium driven by Playwright's async API (Playwright's own browser download
does not work here). Without Chromium the browser tests skip with the reason, except
under CI (env CI set), where they fail: CI must run them."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("SUPPORTBOT_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = os.environ.get("SUPPORTBOT_SCREENSHOTS")  # a folder: save the pages there


def chromium_or_skip() -> str:
    missing = []
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        missing.append(f"Chromium ({CHROMIUM}; `apt-get install chromium`)")
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.async_api  # noqa: F401
    except ImportError:
        missing.append("playwright and axe-playwright-python (`make install`)")
    if missing:
        reason = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must run them)")
        pytest.skip(reason)
    return CHROMIUM


async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    path = chromium_or_skip()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=path, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield launched
        finally:
            await launched.close()


async def no_serious_violations(page: Any, what: str) -> None:
    """axe (offline, bundled with axe-playwright-python): nothing serious or critical."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    violations = results.response["violations"]
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
           for v in violations if v["impact"] in ("serious", "critical")]  # fmt: skip
    assert bad == [], f"{what}: {bad}"


async def screenshot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        folder = Path(SCREENSHOTS)
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        await page.screenshot(path=str(folder / name), full_page=True)
