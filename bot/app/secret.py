"""The secret behind conversation keys: kept outside the database, made on first start.

``SUPPORTBOT_SECRET_KEY`` wins when set (several machines must share one);
otherwise the file ``secret.key`` beside the SQLite database (or in the data
folder) is read, or created with owner-only permissions. Whoever has the
database but not this secret cannot link a row to an email or a channel id.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.core.settings import Settings

SECRET_FILE = "secret.key"
MIN_LENGTH = 32


class SecretError(ValueError):
    """The configured secret cannot be used; the message says how to fix it."""


def secret_path(settings: Settings) -> Path:
    """Where the secret file lives for these settings."""
    if settings.secret_file:
        return Path(settings.secret_file)
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).parent / SECRET_FILE
    return Path(settings.data_dir) / SECRET_FILE


def load_secret(settings: Settings) -> bytes:
    """The secret as bytes; creates the file (0600) when neither it nor the variable exists.

    Blocking file work: call it off the event loop.
    """
    if settings.secret_key:
        if len(settings.secret_key) < MIN_LENGTH:
            raise SecretError(
                f"SUPPORTBOT_SECRET_KEY is too short: use at least {MIN_LENGTH} characters "
                "(for example the output of `python3 -c 'import secrets; "
                "print(secrets.token_hex(32))'`)"
            )
        return settings.secret_key.encode()
    path = secret_path(settings)
    try:
        value = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        value = _create(path)
    if len(value) < MIN_LENGTH:
        raise SecretError(f"{path} holds no usable secret: delete it to make a new one")
    return value.encode()


def _create(path: Path) -> str:
    """Write a new secret atomically: a complete private temporary file is linked into
    place, so a process starting at the same moment reads either nothing or all of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(value + "\n")
    try:
        os.link(temporary, path)
    except FileExistsError:  # another process made it first: use theirs
        value = path.read_text(encoding="ascii").strip()
    finally:
        temporary.unlink()
    return value
