"""Rendering pages and fragments in the page's language (fi/en), from the catalogue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.core.texts import Catalogue

LANG_COOKIE = "tuki_lang"
LANGS = ("fi", "en")


class Pages:
    def __init__(self, texts: Catalogue, default_lang: str, *, secure: bool) -> None:
        self.texts = texts
        self.default_lang = default_lang if default_lang in LANGS else "fi"
        self.secure = secure

    def lang(self, request: web.Request) -> str:
        """?lang=, else the remembered choice, else the browser's first fi/en, else fi."""
        for candidate in (request.query.get("lang"), request.cookies.get(LANG_COOKIE)):
            if candidate in LANGS:
                return candidate
        accept = request.headers.get("Accept-Language", "").lower()
        for part in accept.split(","):
            code = part.split(";")[0].strip()[:2]
            if code in LANGS:
                return code
        return self.default_lang

    def t(self, lang: str) -> Callable[..., str]:
        def translate(key: str, **params: object) -> str:
            return self.texts.get(lang, key, **params)

        return translate

    def render(
        self, request: web.Request, template: str, context: dict[str, Any], *, csrf: str = ""
    ) -> web.Response:
        lang = context.get("lang") or self.lang(request)
        full = {"lang": lang, "t": self.t(lang), "csrf": csrf, "staff": None, **context}
        response = aiohttp_jinja2.render_template(template, request, full)
        response.headers["Cache-Control"] = "no-store"
        if request.query.get("lang") in LANGS:
            response.set_cookie(LANG_COOKIE, request.query["lang"], max_age=365 * 86400,
                                httponly=True, samesite="Lax", secure=self.secure)  # fmt: skip
        return response


def environment(web_app: web.Application, folder: str) -> jinja2.Environment:
    return aiohttp_jinja2.setup(
        web_app, loader=jinja2.FileSystemLoader(folder), autoescape=True,
        undefined=jinja2.StrictUndefined,
    )  # fmt: skip
