"""Staff accounts' passwords: argon2id hashes, checked in a worker thread (a hash takes
tens of milliseconds of CPU, which must not stall the event loop)."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ROLES = ("agent", "editor")
MIN_PASSWORD = 10

_hasher = PasswordHasher()
# Checked against when the email is unknown, so that a wrong email takes as long as a
# wrong password (nobody learns who has an account from the timing).
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    pass


def check_new(email: str, role: str, password: str) -> None:
    if "@" not in email or len(email) > 320:
        raise AccountError(f"not an email address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    return await asyncio.to_thread(_verify, stored, password)


def new_password() -> str:
    return secrets.token_urlsafe(12)
