"""Logging failures without what they carry: exception messages can quote SQL values,
message text or emails, so only the exception's type and where it was raised go out."""

from __future__ import annotations

import logging
import traceback


def where(exc: BaseException) -> str:
    """The innermost frames of an exception as ``file:line(function)``, no message."""
    frames = traceback.extract_tb(exc.__traceback__)[-4:]
    return " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}({f.name})" for f in frames[::-1])


def failure(logger: logging.Logger, what: str, exc: BaseException, **context: object) -> None:
    """Log ``what`` failed, with the exception's type and frames and safe context only."""
    details = " ".join(f"{k}={v}" for k, v in context.items())
    logger.error("%s %s error=%s at=%s", what, details, type(exc).__name__, where(exc))
