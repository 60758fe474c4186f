"""Staff accounts: ``supportbot users`` as a real process, argon2 hashes only, and the
accessible names of the console's controls in Finnish and English."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.app.console import Console
from bot.core.settings import Settings
from storage.web import SqlWebStore
from tests.harness import Clock
from tests.web_harness import Console_, running_console, web_settings

BIN = Path(sys.executable).with_name("supportbot")


def users(tmp_path: Path, *args: str, password: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SUPPORTBOT_"))}
    env.pop("DATABASE_URL", None)
    env["SUPPORTBOT_DATA_DIR"] = str(tmp_path)
    return subprocess.run([str(BIN), "users", *args], input=password + "\n", text=True,
                          capture_output=True, env=env, timeout=120, check=False)  # fmt: skip


async def test_users_add_list_and_remove(tmp_path: Path):
    added = users(tmp_path, "add", "Liisa.Lahti@Econocap.example", "--role", "agent",
                  "--name", "Liisa Lahti", password="pitkä salasana 123")  # fmt: skip
    assert added.returncode == 0, added.stderr
    short = users(tmp_path, "add", "x@econocap.example", "--role", "editor", password="lyhyt")
    assert short.returncode == 2 and "at least" in short.stderr
    listed = users(tmp_path, "list")
    assert "liisa.lahti@econocap.example\tagent\tLiisa Lahti" in listed.stdout
    assert "x@econocap.example" not in listed.stdout

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'supportbot.db'}")
    app = await App.start(settings, knowledge=False)
    try:
        stored = await SqlWebStore(app.database).staff("liisa.lahti@econocap.example")
        assert stored is not None and stored.password_hash.startswith("$argon2id$")
        assert "pitkä" not in stored.password_hash
        console = Console(app)
        assert await console.sign_in("liisa.lahti@econocap.example", "väärä salasana") is None
        member = await console.sign_in("liisa.lahti@econocap.example", "pitkä salasana 123")
        assert member is not None and member.role == "agent"
        assert app.desk.directory.find("liisa.lahti@econocap.example"), "an agent of the desk"
    finally:
        await app.close()

    generated = users(tmp_path, "add", "eeva@econocap.example", "--role", "editor", "--generate")
    assert "password (shown once):" in generated.stdout
    assert users(tmp_path, "remove", "liisa.lahti@econocap.example").returncode == 0
    assert "liisa" not in users(tmp_path, "list").stdout
    assert users(tmp_path, "remove", "liisa.lahti@econocap.example").returncode == 1


@pytest.fixture
async def console(sqlite_url: str, clock: Clock) -> AsyncIterator[Console_]:
    async with running_console(web_settings(sqlite_url), clock) as console:
        yield console


@pytest.mark.parametrize(
    ("lang", "names"),
    [("fi", ("Viesti", "Lähetä", "Sähköposti", "Salasana", "Kirjaudu")),
     ("en", ("Message", "Send", "Email", "Password", "Sign in"))],
)  # fmt: skip
async def test_controls_are_named_in_the_pages_language(console: Console_, lang, names):
    browser = console.browser()
    _, chat = await browser.get(f"/?lang={lang}")
    _, signin = await browser.get("/signin")  # the choice is remembered
    message, send, email, password, sign_in = names
    assert f'<label for="message">{message}</label>' in chat
    assert f'<button type="submit">{send}</button>' in chat
    assert f'<label for="email">{email}</label>' in signin
    assert f'<label for="password">{password}</label>' in signin
    assert f'<button type="submit">{sign_in}</button>' in signin
    assert f'<html lang="{lang}">' in chat and f'<html lang="{lang}">' in signin
