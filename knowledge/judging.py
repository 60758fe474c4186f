"""Training the answerability judge (``answerable.py``) by stacking: on the outcome
model's cross-validated decisions of the example banks, folded again so that each
bank example is judged by a judge that never saw it. Used by ``train.py``."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from knowledge import answerable
from knowledge.banks import Example
from knowledge.classifier import LinearModel
from knowledge.decide import Params, blended
from knowledge.features import Analysis
from knowledge.matcher import Scored
from knowledge.route import Route


@dataclass(frozen=True, slots=True)
class Sample:
    example: Example
    label: str
    base: Route
    analysis: Analysis | None  # None: small talk, decided by the reading alone


def fold_of(text: str, folds: int) -> int:
    return zlib.crc32(text.encode()) % folds


Missing = dict[str, tuple[tuple[str, float], ...]]
Evidence = tuple[Sample, dict[str, float], tuple[Scored, ...], Missing]
# A decision's evidence and the answerability judge bound to it.
Pool = list[tuple[Sample, dict[str, float], tuple[Scored, ...], answerable.Judge | None]]


def bound(judge: LinearModel, sample: Sample, probs: dict[str, float],
           ranked: tuple[Scored, ...], missing: Missing) -> answerable.Judge:
    assert sample.analysis is not None
    return answerable.bind(judge, ranked, probs, lambda a: missing.get(a, ()),
                           sample.analysis.lang)


def _judge_rows(item: Evidence) -> list[tuple[dict[str, float], str]]:
    """The judge's training rows from one bank example: its two best candidates
    (as the default constants rank them), YES for the expected article."""
    sample, probs, ranked, missing = item
    if sample.analysis is None or not ranked or sample.example.outcome not in (
            "answer", "no_answer"):
        return []
    expected = sample.example.detail[1] if sample.example.outcome == "answer" else None
    rows = []
    for scored in blended(probs, ranked, Params())[:2]:
        features = answerable.evidence(scored.article, ranked, probs,
                                       lambda a: missing.get(a, ()), sample.analysis.lang)
        rows.append((features, answerable.YES if scored.article == expected else answerable.NO))
    return rows


def judged(evidence: list[Evidence], folds: int) -> tuple[Pool, LinearModel]:
    """The judge trained on the banks' out-of-fold evidence (its own folds again, so
    each example is judged by a judge that never saw it), and the final judge."""
    rows = [_judge_rows(item) for item in evidence]
    pool: Pool = []
    judges = {}
    for k in range(folds):
        train = [row for item, its in zip(evidence, rows, strict=True)
                 if fold_of(item[0].example.text + "/judge", folds) != k for row in its]
        judges[k] = answerable.fit([f for f, _ in train], [y for _, y in train])
    for sample, probs, ranked, missing in evidence:
        k = fold_of(sample.example.text + "/judge", folds)
        judge = None if sample.analysis is None else bound(judges[k], sample, probs, ranked,
                                                            missing)
        pool.append((sample, probs, ranked, judge))
    every = [row for its in rows for row in its]
    return pool, answerable.fit([f for f, _ in every], [y for _, y in every])
