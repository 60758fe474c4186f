"""For the conversation tests: a router that answers some texts with a scripted route.

The router decides; these tests are about what the conversation does with a
decision. Until the router returns small talk and clarifying questions on its
own, a scripted route stands in for exactly those texts; every other text goes
through the real router.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import App
from bot.core.texts import Catalogue
from knowledge.route import Route
from knowledge.router import Router
from tests.harness import Chat, all_rows

TEXTS = Catalogue.load()


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Route]]:
    """Fill the mapping with ``text: Route``; other texts are routed for real."""
    routes: dict[str, Route] = {}
    real = Router.route

    def route(self: Router, text: str) -> Route:
        return routes[text] if text in routes else real(self, text)

    monkeypatch.setattr(Router, "route", route)
    yield routes


def offers_consent(chat: Chat) -> bool:
    return any(b.startswith("consent:accept") for b in chat.buttons())


def labels(chat: Chat) -> list[str]:
    return [b.label for r in chat.last for b in r.buttons]


def extra(app: App) -> dict[str, str]:
    s = app.settings
    return {"phone": s.support_phone, "email": s.support_email, "sales": s.sales_contact,
            "support_email": s.support_email}  # fmt: skip


def text(app: App, lang: str, key: str, **params: object) -> str:
    return TEXTS.get(lang, key, **{**extra(app), **params})


async def nothing_personal(app: App, *needles: str) -> None:
    """No row holds a user, a consent, a message or any of the needles."""
    rows = await all_rows(app)
    assert rows["users"] == [] and rows["consents"] == [] and rows["messages"] == []
    for table, found in rows.items():
        for row in found:
            for value in row.values():
                for needle in needles:
                    assert needle.casefold() not in str(value).casefold(), (table, row)


def raw_sqlite_holds(url: str, *needles: str) -> list[str]:
    """Which needles the SQLite files hold byte for byte (the database and its WAL)."""
    path = Path(url.removeprefix("sqlite:///"))
    found = []
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            raw = file.read_bytes()
            found += [f"{n} in {file.name}" for n in needles if n.encode() in raw]
    return found
