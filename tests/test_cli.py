"""The command line a person uses: quick help, one language at a time, plain failures."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import App
from bot.cli import main
from bot.cli.agent import Console
from bot.core.settings import DEMO_AGENTS, Settings

REPO = Path(__file__).resolve().parent.parent
EXE = str(Path(sys.executable).with_name("supportbot"))
AGENT = "maija.virtanen@econocap.example"
HEAVY = ("sqlalchemy", "aiohttp", "slack_bolt", "bot.app", "knowledge.router", "simplemma")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPPORTBOT_", "SLACK_"))}
    env.pop("DATABASE_URL", None)
    return {**env, "SUPPORTBOT_DATA_DIR": str(tmp_path / "data"), **extra}


def test_help_loads_none_of_the_commands() -> None:
    probe = (
        "import sys, contextlib, io\n"
        "from bot.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    try: main(['--help'])\n"
        "    except SystemExit: pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
        "text = out.getvalue()\n"
        "print('doctor' in text and 'supportbot COMMAND --help' in text)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "True"]


def test_a_command_gets_its_own_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["kb", "lint", "--help"])
    assert exited.value.code == 0
    assert "--online" in capsys.readouterr().out


def test_privacy_export_of_an_unknown_email_says_so_and_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("SUPPORTBOT_DATA_DIR", str(tmp_path))
    assert main(["privacy", "export", "--user", "nobody@nowhere.example"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "Nothing is stored for nobody@nowhere.example" in err


def test_hours_in_the_users_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SUPPORTBOT_SERVICE_HOURS_FILE", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "fi_FI.UTF-8")
    assert main(["hours", "--at", "2026-12-24T09:00"]) == 0
    finnish = capsys.readouterr().out
    assert "Suljettu to 24.12.2026 klo 09.00" in finnish and "Jouluaatto" in finnish
    assert "ma 28.12.2026 klo 10.00" in finnish and "Closed" not in finnish
    assert main(["hours", "--at", "2026-12-24T09:00", "--lang", "en"]) == 0
    english = capsys.readouterr().out
    assert "Closed" in english and "Christmas Eve" in english and "Suljettu" not in english


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    reader = subprocess.Popen(
        [EXE, "kb", "export"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=_env(tmp_path), cwd=REPO,
    )  # fmt: skip
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.read(10)
    reader.stdout.close()  # like `| head -c 10`
    err = reader.stderr.read().decode()
    assert reader.wait(timeout=120) != 0
    assert "Traceback" not in err and "BrokenPipe" not in err


@pytest.mark.parametrize("command", [["chat"], ["agent", "--as", AGENT]])
def test_a_closed_standard_input_ends_quietly(tmp_path: Path, command: list[str]) -> None:
    line = " ".join([EXE, *command]) + " <&-"
    done = subprocess.run(
        ["sh", "-c", line], capture_output=True, text=True, env=_env(tmp_path), timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("lang", "expected", "foreign"),
    [
        ("fi", ("Tapausta #99 ei löydy", "Anna tapauksen numero", "Tuntematon komento"), "case"),
        ("en", ("There is no case #99", "Give a case number", "Unknown command"), "Tapaus"),
    ],
)
async def test_the_agent_console_speaks_one_language(
    app: App, lang: str, expected: tuple[str, ...], foreign: str
) -> None:
    settings = dataclasses.replace(app.settings, agents=DEMO_AGENTS, agent_language=lang)
    agent_app = await App.start(settings, clock=app.clock)
    lines: list[str] = []
    try:
        console = Console(agent_app, AGENT, lines.append)
        for typed in ("näytä 99" if lang == "fi" else "show 99", "take", "frobnicate", "help"):
            assert await console.handle(typed)
        assert not await console.handle("lopeta" if lang == "fi" else "quit")
    finally:
        await agent_app.close()
    said = "\n".join(lines)
    for text in expected:
        assert text in said
    assert foreign not in said.replace("#99", "")
    assert isinstance(settings, Settings)


def test_with_a_database_url_the_demo_data_is_off_unless_asked() -> None:
    production = {"DATABASE_URL": "postgresql://bot@db.internal/supportbot"}
    assert not Settings.from_env(production).demo
    assert Settings.from_env(production).agents == ""
    assert Settings.from_env({**production, "SUPPORTBOT_DEMO": "1"}).demo
    assert Settings.from_env({}).demo and Settings.from_env({}).agents == DEMO_AGENTS
    assert Settings.from_env({"SUPPORTBOT_LOG_FORMAT": "JSON "}).log_format == "json"
