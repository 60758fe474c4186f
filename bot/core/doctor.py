"""What ``supportbot doctor`` reports: one finding per thing checked, in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    OK = "ok"
    # Cannot be known from inside a closed network (an outside page answering): printed,
    # never failing the run.
    WARNING = "warning"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    status: Status
    detail: str
    fix: str = ""


def ok(check: str, detail: str) -> Finding:
    return Finding(check, Status.OK, detail)


def warning(check: str, detail: str, fix: str = "") -> Finding:
    return Finding(check, Status.WARNING, detail, fix)


def fail(check: str, detail: str, fix: str = "") -> Finding:
    return Finding(check, Status.FAIL, detail, fix)
