"""The architecture rules of STYLE.md, checked: who may import whom, and small modules."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LAYERS = [
    "bot.cli",
    "bot.app",
    "bot.http",
    "bot.channels",
    "bot.desk | bot.engine",
    "handlers",
    "bot.service",
    "storage | knowledge",
    "bot.core",
]


def test_import_contracts_hold():
    """The import-linter contracts of pyproject.toml hold."""
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_the_layers_contract_states_the_whole_house():
    """The layers contract is the one of STYLE.md, and every channel is independent."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = [c for c in contracts if c["type"] == "layers"]
    assert [c["layers"] for c in layers] == [LAYERS]
    channels = {p.name for p in (REPO / "bot" / "channels").iterdir() if p.is_dir()} - {
        "__pycache__"
    }
    independent = next(c for c in contracts if c["type"] == "independence")
    assert set(independent["modules"]) == {f"bot.channels.{name}" for name in channels}


def test_modules_stay_small():
    """A module is one idea (STYLE.md): none passes 300 lines (migrations excepted)."""
    too_long = {
        str(path.relative_to(REPO)): n
        for folder in ("bot", "handlers", "knowledge", "storage")
        for path in (REPO / folder).rglob("*.py")
        if "migrations" not in path.parts and (n := len(path.read_text().splitlines())) > 300
    }
    assert too_long == {}
