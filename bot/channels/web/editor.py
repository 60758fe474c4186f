"""The editors' workbench at ``/editor``: unanswered questions in clusters, the articles'
review status, ``kb lint``, the regression evaluation and publishing."""

from __future__ import annotations

from aiohttp import web

from bot.channels.web.backoffice import EDITOR, Backoffice, StaffMember
from bot.channels.web.pages import Pages
from bot.channels.web.security import staff_token
from bot.channels.web.signin import requires


class EditorPages:
    def __init__(self, pages: Pages, backoffice: Backoffice) -> None:
        self._pages = pages
        self._backoffice = backoffice

    def routes(self, web_app: web.Application) -> None:
        add = web_app.router
        add.add_get("/editor", requires(EDITOR, self.page))
        add.add_get("/editor/draft/{number:\\d+}.yaml", requires(EDITOR, self.draft))
        add.add_post("/editor/eval", requires(EDITOR, self.evaluate))
        add.add_post("/editor/publish", requires(EDITOR, self.publish))

    async def page(self, request: web.Request, member: StaffMember) -> web.Response:
        lang = self._pages.lang(request)
        context = {
            "title": self._pages.t(lang)("web.editor_title"), "page": "editor-page",
            "lang": lang, "staff": member, "clusters": await self._backoffice.clusters(),
            "articles": await self._backoffice.articles(),
            "findings": await self._backoffice.lint(),
        }  # fmt: skip
        return self._pages.render(request, "editor.html", context, csrf=await staff_token(request))

    async def draft(self, request: web.Request, member: StaffMember) -> web.Response:
        number = int(request.match_info["number"][:9])
        text = await self._backoffice.draft_article(number)
        if text is None:
            raise web.HTTPNotFound(text="no such cluster")
        return web.Response(
            text=text, content_type="application/yaml", charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="draft-{number}.yaml"'},
        )  # fmt: skip

    async def evaluate(self, request: web.Request, member: StaffMember) -> web.Response:
        result = await self._backoffice.evaluate()
        return self._pages.render(request, "editor_eval.html", {"result": result})

    async def publish(self, request: web.Request, member: StaffMember) -> web.Response:
        published = await self._backoffice.publish()
        return self._pages.render(request, "editor_published.html", {"published": published})
