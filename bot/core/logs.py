"""Logging failures without what they carry: exception messages can quote SQL values,
message text or emails, so only the exception's type and where it was raised go out."""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO


def where(exc: BaseException) -> str:
    """The innermost frames of an exception as ``file:line(function)``, no message."""
    frames = traceback.extract_tb(exc.__traceback__)[-4:]
    return " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}({f.name})" for f in frames[::-1])


def failure(logger: logging.Logger, what: str, exc: BaseException, **context: object) -> None:
    """Log ``what`` failed, with the exception's type and frames and safe context only."""
    details = " ".join(f"{k}={v}" for k, v in context.items())
    logger.error("%s %s error=%s at=%s", what, details, type(exc).__name__, where(exc))


# The correlation id of the message being handled: set where a message is stored and
# where its turn runs (a keyed digest of its platform id, so both ends agree, in any
# process, and nobody can turn it back into the id).
CORRELATION: ContextVar[str | None] = ContextVar("supportbot_correlation", default=None)
OWN_LOGGERS = ("bot", "handlers", "knowledge", "storage")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_FIELD = re.compile(r"(\w+)=(\S+)")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event, its ``key=value`` fields and
    the correlation id. An exception appears as its type and frames, never its message;
    anything shaped like an email address is masked (a safety net for other libraries)."""

    def format(self, record: logging.LogRecord) -> str:
        message = _EMAIL.sub("<email>", record.getMessage())
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": _FIELD.sub("", message).strip(),
        }
        line.update(_FIELD.findall(message))
        if (correlation := CORRELATION.get()) is not None:
            line["correlation_id"] = correlation
        if record.exc_info and record.exc_info[1] is not None:
            line["error"] = type(record.exc_info[1]).__name__
            line["at"] = where(record.exc_info[1])
        return json.dumps(line, ensure_ascii=False)


def configure(*, json_lines: bool, verbose: bool = False, stream: TextIO | None = None) -> None:
    """Logging for a command or the server: our loggers at INFO (DEBUG when verbose),
    everyone else's at WARNING; plain text lines, or JSON lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    # At DEBUG the SDKs log request and response bodies, which carry message text,
    # names and email addresses: only our own loggers go below WARNING.
    ours = logging.DEBUG if verbose else (logging.INFO if json_lines else logging.WARNING)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(ours)
