"""simplemma's dictionaries open from the cache as they would from simplemma."""

from __future__ import annotations

from pathlib import Path

import pytest
import simplemma

from knowledge import dictionaries


def test_the_cache_is_written_once_and_read_back_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = dictionaries._open("en")
    cached = list((tmp_path / "supportbot").glob("*-en.marshal"))
    assert len(cached) == 1
    again = dictionaries._open("en")
    for word in ("running", "licenses", "servers", "qwertyuiop"):
        assert again.get(word) == first.get(word) == (
            simplemma.lemmatize(word, "en", low_memory=True)
            if simplemma.is_known(word, "en", low_memory=True) else None)


def test_a_damaged_cache_only_means_the_slow_way(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    dictionaries._open("en")
    (cached,) = (tmp_path / "supportbot").glob("*-en.marshal")
    cached.write_bytes(b"not marshal at all")
    assert dictionaries._open("en").get("running") == "run"


def test_an_unwritable_cache_only_means_the_slow_way(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert dictionaries._open("en").get("running") == "run"
