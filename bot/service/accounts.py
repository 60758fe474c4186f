"""Staff accounts' passwords: argon2id hashes, checked in a worker thread (a hash takes
tens of milliseconds of CPU, which must not stall the event loop)."""

from __future__ import annotations

import asyncio
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ROLES = ("agent", "editor")
MIN_PASSWORD = 10
LINK_HOURS = 72.0
# The password of an account made with a sign-in link, until the link is used: no
# argon2 hash, so no password ever matches it.
NO_PASSWORD = "!link"

_hasher = PasswordHasher()
# Checked against when the email is unknown, so that a wrong email takes as long as a
# wrong password (nobody learns who has an account from the timing).
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    pass


def check_new(email: str, role: str, password: str | None) -> None:
    """Refuse what cannot be an account (``password`` None: a sign-in link sets it)."""
    if "@" not in email or len(email) > 320:
        raise AccountError(f"not an email address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if password is not None:
        check_password(password)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


def _verify(stored: str | None, password: str) -> bool:
    # An account waiting for its sign-in link has no hash: it costs as much as any.
    real = stored if stored and stored.startswith("$argon2") else None
    try:
        return _hasher.verify(real or _DUMMY, password) and real is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    return await asyncio.to_thread(_verify, stored, password)


def new_password() -> str:
    return secrets.token_urlsafe(12)


def new_link_token() -> str:
    """A sign-in link's secret: 256 random bits, shown once, stored only as a digest."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored of a link's token. A fast digest suffices: the token is random and
    long, so nobody can guess it from the digest (unlike a password)."""
    return hashlib.sha256(token.encode()).hexdigest()
