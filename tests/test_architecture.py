"""The architecture rules of STYLE.md, checked: who may import whom."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    """The import-linter contracts of pyproject.toml hold."""
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_the_engine_names_no_sdk_or_storage_directly():
    source = (REPO / "bot" / "engine.py").read_text()
    for forbidden in ("slack_bolt", "slack_sdk", "botbuilder", "sqlmodel", "rapidfuzz", "storage"):
        assert f"import {forbidden}" not in source and f"from {forbidden}" not in source


def test_modules_stay_small():
    """A module is one idea (STYLE.md: aim for under ~300 lines); 400 is the hard stop."""
    too_long = {
        str(path.relative_to(REPO)): n
        for folder in ("bot", "handlers", "knowledge", "storage")
        for path in (REPO / folder).rglob("*.py")
        if "migrations" not in path.parts and (n := len(path.read_text().splitlines())) > 400
    }
    assert too_long == {}
