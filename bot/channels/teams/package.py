"""The Teams app package: ``manifest.json`` (schema 1.25), a Finnish localization file and
the two icons, zipped flat (what Teams' "Upload a custom app" takes).

The bot is offered in personal chats, team channels (shared and private ones
included: Teams Connect, where a customer's people take part from their own
tenant) and group chats. The agents' commands are the bot's command list; the
resource-specific permission ``ChannelMessage.Read.Group`` lets the bot read
replies in the agents' case threads without being mentioned. Icons are drawn
here as PNGs (no image library needed): a 192×192 colour icon and a 32×32
outline, white on transparent, as the manifest documentation asks.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

from bot.core.settings import Settings

SCHEMA = "https://developer.microsoft.com/json-schemas/teams/v1.25/MicrosoftTeams.schema.json"
LOCALIZATION_SCHEMA = (
    "https://developer.microsoft.com/json-schemas/teams/v1.25/MicrosoftTeams.Localization.schema.json"
)
ACCENT = (0x0B, 0x53, 0x94)
APP_VERSION = "1.0.0"

# (English title, Finnish title, English description, Finnish description)
COMMANDS = (
    ("queue", "jono", "Open cases by urgency", "Avoimet tapaukset kiireellisyyden mukaan"),
    ("take", "ota", "take 12: take case 12", "ota 12: ota tapaus 12"),
    ("reply", "vastaa", "reply 12 text: write to the customer",
     "vastaa 12 teksti: kirjoita asiakkaalle"),
    ("note", "muistiinpano", "note 12 text: an internal note", "muistiinpano 12 teksti: sisäinen"),
    ("urgency", "kiireellisyys", "urgency 12 2: set urgency 1–4",
     "kiireellisyys 12 2: aseta kiireellisyys 1–4"),
    ("handback", "palauta", "handback 12: give the chat back to the bot",
     "palauta 12: anna keskustelu takaisin botille"),
    ("transfer", "siirrä", "transfer 12 email|queue: pass the case on",
     "siirrä 12 sähköposti|jono: siirrä tapaus"),
    ("close", "sulje", "close 12 resolution: close the case", "sulje 12 ratkaisu: sulje tapaus"),
)  # fmt: skip

NAMES = {
    "en": ("Econocap Support", "Econocap PTC technical support"),
    "fi": ("Econocap Tuki", "Econocapin PTC-tekninen tuki"),
}
DESCRIPTIONS = {
    "en": (
        "Answers about PTC software, and hands over to a support engineer.",
        "Econocap's support bot answers questions about Creo, Windchill, ThingWorx and "
        "the other PTC products Econocap supports, with links to the sources. When a "
        "question needs a person, it opens a support case and a support engineer "
        "continues in the same chat during service hours. Support engineers handle "
        "the cases in their own channel.",
    ),
    "fi": (
        "Vastaa PTC-ohjelmistoja koskeviin kysymyksiin ja ohjaa tukihenkilölle.",
        "Econocapin tukibotti vastaa Creota, Windchilliä, ThingWorxia ja muita "
        "Econocapin tukemia PTC-tuotteita koskeviin kysymyksiin ja kertoo lähteet. Kun "
        "kysymys vaatii ihmistä, botti avaa tukipyynnön, ja tukihenkilö jatkaa samassa "
        "keskustelussa palveluaikana. Tukihenkilöt käsittelevät tapaukset omalla "
        "kanavallaan.",
    ),
}


class PackageError(ValueError):
    """The package cannot be made (the message says which setting is missing)."""


def manifest(settings: Settings) -> dict[str, Any]:
    """The app manifest for these settings (the bot's id is ``TEAMS_APP_ID``)."""
    app_id = settings.teams_app_id
    if not app_id:
        raise PackageError("set TEAMS_APP_ID (the Entra app's client id) to make the package")
    short, full = NAMES["en"]
    commands = [{"title": en, "description": text} for en, _, text, _ in COMMANDS]
    return {
        "$schema": SCHEMA,
        "manifestVersion": "1.25",
        "version": APP_VERSION,
        "id": app_id,
        "localizationInfo": {
            "defaultLanguageTag": "en-us",
            "additionalLanguages": [{"languageTag": "fi-fi", "file": "fi.json"}],
        },
        "developer": {
            "name": "Econocap Oy", "websiteUrl": _https(settings.sales_contact),
            "privacyUrl": _https(settings.privacy_url),
            "termsOfUseUrl": _https(settings.sales_contact),
        },
        "name": {"short": short, "full": full},
        "description": {"short": DESCRIPTIONS["en"][0], "full": DESCRIPTIONS["en"][1]},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [{
            "botId": app_id, "scopes": ["personal", "team", "groupChat"],
            "supportsFiles": False, "isNotificationOnly": False,
            "commandLists": [{"scopes": ["team"], "commands": commands}],
        }],
        "supportedChannelTypes": ["sharedChannels", "privateChannels"],
        "authorization": {"permissions": {"resourceSpecific": [
            {"name": "ChannelMessage.Read.Group", "type": "Application"}]}},
        "webApplicationInfo": {"id": app_id, "resource": f"api://botid-{app_id}"},
        "validDomains": [],
    }


def localization_fi() -> dict[str, Any]:
    """The Finnish strings (names, descriptions, the command list)."""
    strings: dict[str, Any] = {
        "$schema": LOCALIZATION_SCHEMA,
        "name.short": NAMES["fi"][0], "name.full": NAMES["fi"][1],
        "description.short": DESCRIPTIONS["fi"][0], "description.full": DESCRIPTIONS["fi"][1],
    }  # fmt: skip
    for n, (_, fi, _, text) in enumerate(COMMANDS):
        strings[f"bots[0].commandLists[0].commands[{n}].title"] = fi
        strings[f"bots[0].commandLists[0].commands[{n}].description"] = text
    return strings


def _https(url: str) -> str:
    return url if url.startswith("https://") else "https://" + url.split("://", 1)[-1]


def png(size: int, pixel: Callable[[int, int], tuple[int, int, int, int]]) -> bytes:
    """An RGBA PNG of ``size``×``size`` pixels."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(size)) for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))  # fmt: skip


def _bubble(size: int, x: int, y: int) -> bool:
    """A speech bubble: a rounded box with a tail, scaled to the icon."""
    u, v = x / size, y / size
    inside_box = 0.18 <= u <= 0.82 and 0.22 <= v <= 0.66
    corner = min(abs(u - 0.18), abs(u - 0.82)) < 0.06 and min(abs(v - 0.22), abs(v - 0.66)) < 0.06
    tail = 0.30 <= u <= 0.44 and 0.66 <= v <= 0.80 and (v - 0.66) <= (0.44 - u)
    return (inside_box and not corner) or tail


def color_icon() -> bytes:
    """192×192: white bubble on the accent colour."""
    white, accent = (255, 255, 255, 255), (*ACCENT, 255)
    return png(192, lambda x, y: white if _bubble(192, x, y) else accent)


def outline_icon() -> bytes:
    """32×32: the bubble in white on a transparent background."""
    return png(32, lambda x, y: (255, 255, 255, 255) if _bubble(32, x, y) else (0, 0, 0, 0))


def package(settings: Settings) -> bytes:
    """The zip Teams takes: every file at the top level."""
    files = {
        "manifest.json": json.dumps(manifest(settings), indent=2, ensure_ascii=False),
        "fi.json": json.dumps(localization_fi(), indent=2, ensure_ascii=False),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode())
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return buffer.getvalue()
