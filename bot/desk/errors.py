"""Why a desk command was refused."""

from __future__ import annotations

from enum import StrEnum


class DeskErrorCode(StrEnum):
    NOT_AGENT = "not_agent"
    NO_CASE = "no_case"
    TAKEN = "taken"
    NOT_HOLDER = "not_holder"
    BAD_URGENCY = "bad_urgency"
    UNKNOWN_AGENT = "unknown_agent"
    EMPTY = "empty"


class DeskError(Exception):
    """A refused desk command; ``str()`` is the agent-facing explanation."""

    def __init__(self, code: DeskErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
