"""Staff sessions in encrypted cookies, anti-forgery tokens, the Origin check, sign-in
throttling, security headers, and the customer's signed chat cookie.

The session cookie is encrypted and authenticated (Fernet, via aiohttp-session),
HttpOnly, SameSite=Lax, Secure when the console is served over HTTPS, and
expires. Every state-changing request must come from this origin (Origin, else
Referer) and carry the page's token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable

import aiohttp_session
from aiohttp import web
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet

from bot.channels.web.backoffice import StaffMember

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STAFF_COOKIE = "tuki_staff"
CHAT_COOKIE = "tuki_chat"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def derived(secret: bytes, label: str) -> bytes:
    """A 32-byte key for one purpose, from the bot's secret."""
    return hmac.new(secret, label.encode(), hashlib.sha256).digest()


def setup_sessions(web_app: web.Application, secret: bytes, *, secure: bool, hours: float) -> None:
    key = base64.urlsafe_b64encode(derived(secret, "web-session"))
    storage = EncryptedCookieStorage(
        Fernet(key), cookie_name=STAFF_COOKIE, max_age=int(hours * 3600), httponly=True,
        samesite="Lax", secure=secure, path="/",
    )  # fmt: skip
    aiohttp_session.setup(web_app, storage)


async def staff_of(request: web.Request) -> StaffMember | None:
    session = await aiohttp_session.get_session(request)
    who = session.get("staff")
    if not isinstance(who, dict):
        return None
    return StaffMember(email=str(who["email"]), name=str(who["name"]), role=str(who["role"]))


async def start_session(request: web.Request, member: StaffMember) -> None:
    session = await aiohttp_session.new_session(request)  # a fresh session: no fixation
    session["staff"] = {"email": member.email, "name": member.name, "role": member.role}
    session["csrf"] = secrets.token_urlsafe(24)


async def end_session(request: web.Request) -> None:
    session = await aiohttp_session.get_session(request)
    session.invalidate()


async def staff_token(request: web.Request) -> str:
    session = await aiohttp_session.get_session(request)
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        session["csrf"] = token
    return token


def same_origin(request: web.Request) -> bool:
    """The request comes from a page of this server (Origin, else Referer)."""
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if not origin:
        return False
    scheme, _, rest = origin.partition("://")
    host = rest.split("/", 1)[0]
    return scheme in ("http", "https") and host == request.host


async def check_token(request: web.Request, expected: str) -> bool:
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.content_type in (
        "application/x-www-form-urlencoded", "multipart/form-data"
    ):  # fmt: skip
        given = str((await request.post()).get(CSRF_FIELD, ""))
    return bool(given) and hmac.compare_digest(given or "", expected)


def console_middleware(prefixes: tuple[str, ...]) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Origin check on state-changing requests and security headers, for the console's
    own paths only (Slack's and Teams' endpoints have their own signatures)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        ours = request.path == "/" or request.path.startswith(prefixes)
        if ours and request.method in UNSAFE and not same_origin(request):
            raise web.HTTPForbidden(text="cross-origin request refused")
        response = await handler(request)
        if ours:
            headers = response.headers
            headers.setdefault("X-Content-Type-Options", "nosniff")
            headers.setdefault("Referrer-Policy", "same-origin")
            csp = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"
            if request.path.startswith(("/desk", "/editor", "/signin")):
                headers.setdefault("X-Frame-Options", "DENY")
                csp += "; frame-ancestors 'none'"
            headers.setdefault("Content-Security-Policy", csp)
        return response

    return middleware


class Throttle:
    """At most ``limit`` failed sign-ins per email and per address in ``window`` seconds."""

    def __init__(self, limit: int = 5, window: float = 900.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        stamps = self._failures.setdefault(key, deque())
        cutoff = time.monotonic() - self.window
        while stamps and stamps[0] < cutoff:
            stamps.popleft()
        return stamps

    def blocked(self, *keys: str) -> bool:
        return any(len(self._recent(k)) >= self.limit for k in keys)

    def failed(self, *keys: str) -> None:
        for key in keys:
            self._recent(key).append(time.monotonic())
        if len(self._failures) > 10_000:  # bounded memory under a spray of addresses
            self._failures = {k: v for k, v in self._failures.items() if v}

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)


class ChatCookie:
    """The customer's chat: a random id, signed; nothing personal in it."""

    def __init__(self, secret: bytes) -> None:
        self._key = derived(secret, "web-chat")

    def _sign(self, chat_id: str) -> str:
        return hmac.new(self._key, chat_id.encode(), hashlib.sha256).hexdigest()[:32]

    def value(self, chat_id: str) -> str:
        return f"{chat_id}.{self._sign(chat_id)}"

    def chat_of(self, value: str | None) -> str | None:
        chat_id, _, signature = (value or "").partition(".")
        if chat_id and signature and hmac.compare_digest(signature, self._sign(chat_id)):
            return chat_id
        return None

    def token(self, chat_id: str) -> str:
        """The chat page's anti-forgery token."""
        return hmac.new(self._key, f"csrf:{chat_id}".encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(18)
