"""``supportbot teams package``: the manifest validates against Microsoft's official
schema for 1.25 (kept in tests/data/teams, offline), the Finnish strings against the
localization schema, the icons have the sizes and colours Teams asks for, zipped flat."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import jsonschema
import pytest

from bot.channels.teams.package import COMMANDS, PackageError, manifest, package
from bot.cli import main
from bot.core.settings import Settings

SCHEMAS = Path(__file__).parent / "data" / "teams"
APP_ID = "00000000-0000-4000-8000-0000000000b0"


def schema(name: str) -> dict[str, object]:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


def pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the RGBA rows of a PNG this package writes (filter 0 rows)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, kind = struct.unpack(">IIBB", data[16:26])
    assert (depth, kind) == (8, 6), "8-bit RGBA"
    chunks, offset = b"", 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        if data[offset + 4:offset + 8] == b"IDAT":
            chunks += data[offset + 8:offset + 8 + length]
        offset += 12 + length
    raw = zlib.decompress(chunks)
    stride = 1 + 4 * width
    return width, height, [raw[r * stride + 1:(r + 1) * stride] for r in range(height)]


def test_the_package_is_valid_against_the_official_schemas(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    out = tmp_path / "tuki.zip"
    assert main(["teams", "package", "--out", str(out)]) == 0
    archive = zipfile.ZipFile(io.BytesIO(out.read_bytes()))
    assert sorted(archive.namelist()) == ["color.png", "fi.json", "manifest.json", "outline.png"]
    made = json.loads(archive.read("manifest.json"))
    jsonschema.Draft4Validator(schema("MicrosoftTeams.schema.json")).validate(made)
    fi = json.loads(archive.read("fi.json"))
    jsonschema.Draft4Validator(schema("MicrosoftTeams.Localization.schema.json")).validate(fi)
    assert made["manifestVersion"] == "1.25" and made["id"] == made["bots"][0]["botId"] == APP_ID
    assert set(made["bots"][0]["scopes"]) >= {"personal", "team"}
    assert "sharedChannels" in made["supportedChannelTypes"]
    titles = [c["title"] for c in made["bots"][0]["commandLists"][0]["commands"]]
    assert titles == [c[0] for c in COMMANDS]
    assert fi["bots[0].commandLists[0].commands[7].title"] == "sulje"
    assert fi["name.short"] == "Econocap Tuki"

    width, height, _ = pixels(archive.read("color.png"))
    assert (width, height) == (192, 192)
    width, height, rows = pixels(archive.read("outline.png"))
    assert (width, height) == (32, 32)
    colours = {bytes(row[i:i + 4]) for row in rows for i in range(0, len(row), 4)}
    assert colours == {b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"}, "white on transparent"


def test_a_manifest_the_schema_refuses_is_caught() -> None:
    made = manifest(Settings(database_url="sqlite://", teams_app_id=APP_ID))
    made["name"]["short"] = "x" * 31  # over Teams' 30 characters
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema("MicrosoftTeams.schema.json")).validate(made)


def test_without_an_app_id_there_is_no_package(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEAMS_APP_ID", raising=False)
    with pytest.raises(PackageError):
        package(Settings(database_url="sqlite://"))
    assert main(["teams", "package", "--out", str(tmp_path / "x.zip")]) == 2
    assert not (tmp_path / "x.zip").exists()
