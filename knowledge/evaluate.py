"""Routing evaluation: run labelled messages through the router and score them.

The sets are ``.jsonl`` files, one ``{"text": …, "expect": {"outcome": …,
"article"|"reason"|"topic"|"action": …}}`` per line (``../shared/eval/README.md``).
A case is right when the outcome and its extra key both match.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.router import Outcome, Route, Router

_DETAIL_KEYS = ("article", "reason", "topic", "action")


class CaseError(ValueError):
    """A line of an evaluation set that is not a valid case; names file and line."""


@dataclass(frozen=True, slots=True)
class Expectation:
    outcome: Outcome
    detail: tuple[str, str] | None = None

    def as_json(self) -> dict[str, str]:
        out = {"outcome": str(self.outcome)}
        if self.detail is not None:
            out[self.detail[0]] = self.detail[1]
        return out

    def met_by(self, route: Route) -> bool:
        return route.outcome == self.outcome and route.detail() == self.detail


@dataclass(frozen=True, slots=True)
class Case:
    text: str
    expect: Expectation


@dataclass(frozen=True, slots=True)
class Failure:
    text: str
    expected: Expectation
    got: Route

    def as_json(self) -> dict[str, object]:
        got = self.got.as_json()
        got.pop("lang", None)
        got.pop("confidence", None)
        return {"text": self.text, "expected": self.expected.as_json(), "got": got}


@dataclass(frozen=True, slots=True)
class Tally:
    cases: int
    correct: int


@dataclass(frozen=True, slots=True)
class Report:
    """What ``supportbot eval`` prints; :meth:`as_json` is the README's form."""

    cases: int
    correct: int
    by_outcome: tuple[tuple[str, Tally], ...]
    failures: tuple[Failure, ...]
    # Wrong articles given as answers and in-scope requests declined (:func:`is_harmful`).
    harmful: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.cases if self.cases else 0.0

    def as_json(self) -> dict[str, object]:
        return {
            "cases": self.cases,
            "correct": self.correct,
            "accuracy": round(self.accuracy, 4),
            "by_outcome": {o: {"cases": t.cases, "correct": t.correct} for o, t in self.by_outcome},
            "failures": [f.as_json() for f in self.failures],
        }


def _case(raw: object, where: str) -> Case:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise CaseError(f"{where}: needs a 'text' string")
    expect = raw.get("expect")
    if not isinstance(expect, dict) or "outcome" not in expect:
        raise CaseError(f"{where}: needs 'expect' with an 'outcome'")
    try:
        outcome = Outcome(expect["outcome"])
    except ValueError as exc:
        raise CaseError(f"{where}: unknown outcome {expect['outcome']!r}") from exc
    detail = next(((k, str(expect[k])) for k in _DETAIL_KEYS if k in expect), None)
    return Case(text=raw["text"], expect=Expectation(outcome, detail))


def is_harmful(outcome: Outcome, detail: tuple[str, str] | None, route: Route) -> bool:
    """A decision that does harm when wrong: an article given as the answer that is
    not the expected one (also to a problem report or a request for a person), or
    an in-scope request declined as out of scope."""
    if route.outcome == Outcome.ANSWER:
        return not (outcome == Outcome.ANSWER and route.detail() == detail)
    return route.outcome == Outcome.OUT_OF_SCOPE and outcome != Outcome.OUT_OF_SCOPE


def load_cases(paths: Iterable[Path]) -> tuple[Case, ...]:
    """Every case of every file, in order; raise :class:`CaseError` on a bad line."""
    cases: list[Case] = []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CaseError(f"{path}:{n}: not JSON: {exc}") from exc
            cases.append(_case(raw, f"{path}:{n}"))
    return tuple(cases)


def evaluate(router: Router, cases: Sequence[Case]) -> Report:
    """Route every case and count; tallies are keyed by the expected outcome."""
    tallies: dict[str, list[int]] = {}
    failures: list[Failure] = []
    harmful = 0
    for case in cases:
        route = router.route(case.text)
        right = case.expect.met_by(route)
        harmful += is_harmful(case.expect.outcome, case.expect.detail, route)
        tally = tallies.setdefault(str(case.expect.outcome), [0, 0])
        tally[0] += 1
        tally[1] += right
        if not right:
            failures.append(Failure(case.text, case.expect, route))
    by_outcome = tuple((o, Tally(cases=n, correct=k)) for o, (n, k) in tallies.items())
    correct = sum(t.correct for _, t in by_outcome)
    return Report(cases=len(cases), correct=correct, by_outcome=by_outcome,
                  failures=tuple(failures), harmful=harmful)


def sweep(router: Router, cases: Sequence[Case],
          thresholds: Iterable[float]) -> tuple[tuple[float, Report], ...]:
    """The report at each answer threshold: the data the threshold is chosen on."""
    return tuple((t, evaluate(router.with_threshold(t), cases)) for t in thresholds)
