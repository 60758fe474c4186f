"""Signing staff in and out; who may see which page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from yarl import URL

from bot.channels.web.backoffice import AGENT, EDITOR, Backoffice, StaffMember
from bot.channels.web.pages import Pages
from bot.channels.web.security import (
    Throttle,
    check_token,
    end_session,
    staff_of,
    staff_token,
    start_session,
)
from bot.service.accounts import MIN_PASSWORD

HOME = {AGENT: "/desk", EDITOR: "/editor"}


def _next(value: object, role: str) -> str:
    wanted = str(value or "")
    # Only a path of this console: never an open redirect.
    if wanted.startswith(("/desk", "/editor")) and not wanted.startswith("//"):
        return wanted
    return HOME.get(role, "/")


class SignIn:
    def __init__(self, pages: Pages, backoffice: Backoffice, throttle: Throttle) -> None:
        self._pages = pages
        self._backoffice = backoffice
        self._throttle = throttle

    def routes(self, web_app: web.Application) -> None:
        web_app.router.add_get("/signin", self.page)
        web_app.router.add_post("/signin", self.submit)
        web_app.router.add_post("/signout", self.sign_out)
        web_app.router.add_get("/signin/link/{token}", self.link_page)
        web_app.router.add_post("/signin/link/{token}", self.use_link)

    async def _form(self, request: web.Request, *, error: str = "", email: str = "",
                    next_path: str = "", status: int = 200) -> web.Response:  # fmt: skip
        lang = self._pages.lang(request)
        context = {"title": self._pages.t(lang)("web.signin_title"), "page": "signin-page",
                   "error": error, "email": email,
                   "next": next_path or request.query.get("next", "")}  # fmt: skip
        response = self._pages.render(request, "signin.html", context,
                                      csrf=await staff_token(request))  # fmt: skip
        response.set_status(status)
        return response

    async def page(self, request: web.Request) -> web.Response:
        return await self._form(request)

    async def submit(self, request: web.Request) -> web.Response:
        if not await check_token(request, await staff_token(request)):
            raise web.HTTPForbidden(text="reload the page")
        form = await request.post()
        email = str(form.get("email") or "").strip().lower()[:320]
        password = str(form.get("password") or "")[:1024]
        next_path = str(form.get("next") or "")
        t = self._pages.t(self._pages.lang(request))
        keys = (f"email:{email}", f"ip:{request.remote}")
        if self._throttle.blocked(*keys):
            return await self._form(request, error=t("web.signin_throttled"), email=email,
                                    next_path=next_path, status=429)  # fmt: skip
        member = await self._backoffice.sign_in(email, password)
        if member is None:
            self._throttle.failed(*keys)
            return await self._form(request, error=t("web.signin_failed"), email=email,
                                    next_path=next_path, status=401)  # fmt: skip
        self._throttle.succeeded(f"email:{email}")
        await start_session(request, member)
        raise web.HTTPSeeOther(_next(next_path, member.role))

    async def _link_form(self, request: web.Request, member: StaffMember | None, *,
                         error: str = "", status: int = 200) -> web.Response:  # fmt: skip
        t = self._pages.t(self._pages.lang(request))
        context = {"title": t("web_link.title"), "page": "signin-page", "member": member,
                   "error": error, "min": MIN_PASSWORD}  # fmt: skip
        response = self._pages.render(request, "link.html", context,
                                      csrf=await staff_token(request))  # fmt: skip
        response.set_status(status if member else 410)
        return response

    async def link_page(self, request: web.Request) -> web.Response:
        """A one-time sign-in link: the form to set a password, or why it no longer works."""
        member = await self._backoffice.link_account(request.match_info["token"])
        return await self._link_form(request, member)

    async def use_link(self, request: web.Request) -> web.Response:
        if not await check_token(request, await staff_token(request)):
            raise web.HTTPForbidden(text="reload the page")
        token = request.match_info["token"]
        form = await request.post()
        password = str(form.get("password") or "")[:1024]
        t = self._pages.t(self._pages.lang(request))
        member = await self._backoffice.link_account(token)
        if member is None:
            return await self._link_form(request, None)
        if password != str(form.get("again") or ""):
            return await self._link_form(request, member, error=t("web_link.mismatch"),
                                         status=400)  # fmt: skip
        try:
            used = await self._backoffice.use_link(token, password)
        except ValueError:
            error = t("web_link.too_short", min=MIN_PASSWORD)
            return await self._link_form(request, member, error=error, status=400)
        if used is None:
            return await self._link_form(request, None)
        await start_session(request, used)
        raise web.HTTPSeeOther(HOME.get(used.role, "/"))

    async def sign_out(self, request: web.Request) -> web.Response:
        if not await check_token(request, await staff_token(request)):
            raise web.HTTPForbidden(text="reload the page")
        await end_session(request)
        raise web.HTTPSeeOther("/signin")


Page = Callable[[web.Request, StaffMember], Awaitable[web.StreamResponse]]


def requires(role: str, page: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Only signed-in staff of this role; others go to sign in (or get 403 for a fragment
    or a state change). State changes also need the page's anti-forgery token."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        member = await staff_of(request)
        if member is None:
            if request.method == "GET" and "HX-Request" not in request.headers:
                raise web.HTTPSeeOther(str(URL("/signin").with_query(next=request.path_qs)))
            raise web.HTTPForbidden(text="sign in")
        if member.role != role:
            raise web.HTTPForbidden(text="not for your role")
        if request.method != "GET" and not await check_token(request, await staff_token(request)):
            raise web.HTTPForbidden(text="reload the page")
        return await page(request, member)

    return guarded
