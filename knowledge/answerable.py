"""Does the best article really answer the question? The second look an engineer
takes before sending an article.

The outcome model says a message is a question for the knowledge base and which
article it resembles; the index says how well the article's words fit. Neither
notices what the article leaves out: "is there a limit on how many seats one
licence server serves" resembles the licence-server article closely, but the
article says nothing of limits. This judge is a small logistic model over the
evidence for one candidate: the index's score and coverage, the model's belief
in it and in "no article", the margins to the runner-up, and the message's words
the article never mentions (``u:limit``, ``u:price``, how many and how heavy).
It is trained by ``train.py`` on cross-validated decisions of the example banks
(yes: the candidate is the expected article; no: a near-article question no
article answers, or another article), and ``decide.py`` asks it before answering.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from knowledge.classifier import LinearModel
from knowledge.matcher import Scored

YES = "yes"
NO = "no"
# A word the article lacks counts as "heavy" from this weight (IDF) up.
HEAVY = 2.0
_CUTS = {
    "score": (0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
    "cov": (0.2, 0.3, 0.4, 0.5, 0.6, 0.8),
    "share": (0.3, 0.5, 0.8, 0.9, 0.95, 0.99),
    "na": (0.02, 0.05, 0.1, 0.2, 0.5),
    "gap": (0.02, 0.05, 0.1, 0.2, 0.3),
    "lead": (0.1, 0.3, 0.5, 0.8),
}

Uncovered = Callable[[str], Sequence[tuple[str, float]]]
# How likely an article answers the message; None for an article newer than the
# model (the judge never learnt from one).
Judge = Callable[[str], float | None]


def evidence(article: str, ranked: Sequence[Scored], probs: Mapping[str, float],
             uncovered: Uncovered, lang: str) -> dict[str, float]:
    """The judge's features for ``article`` among the index's ``ranked`` candidates
    (index scores, before the model's blend) and the outcome model's ``probs``."""
    kb = sum(p for label, p in probs.items() if label.startswith("a:") or label == "no_answer")
    own = next((s for s in ranked if s.article == article), Scored(article, 0.0, 0.0))
    other = max((s.score for s in ranked if s.article != article), default=0.0)
    shares = {label: p / kb for label, p in probs.items() if label.startswith("a:")} if kb else {}
    share = shares.get("a:" + article, 0.0)
    rival = max((p for label, p in shares.items() if label != "a:" + article), default=0.0)
    values = {"score": own.score, "cov": own.coverage, "share": share,
              "na": probs.get("no_answer", 0.0) / kb if kb else 0.0,
              "gap": own.score - other, "lead": share - rival}
    out: dict[str, float] = {"bias": 1.0, "lang:" + lang: 1.0}
    for name, value in values.items():
        out[name] = value
        for cut in _CUTS[name]:
            if value >= cut:
                out[f"{name}>={cut}"] = 1.0
    missing = uncovered(article)
    heavy = [c for c, weight in missing if weight >= HEAVY]
    out[f"missing:{min(len(missing), 4)}"] = 1.0
    out[f"heavy:{min(len(heavy), 3)}"] = 1.0
    for concept, _ in missing:
        out["u:" + concept] = 1.0
    return out


def bind(model: LinearModel, ranked: Sequence[Scored], probs: Mapping[str, float],
         uncovered: Uncovered, lang: str) -> Judge:
    """The judge for one message: how likely each candidate article answers it."""
    seen: dict[str, float] = {}

    def judge(article: str) -> float | None:
        if "a:" + article not in probs:
            return None
        if article not in seen:
            found = model.probabilities(evidence(article, ranked, probs, uncovered, lang))
            seen[article] = found.get(YES, 0.0)
        return seen[article]

    return judge


def fit(rows: Sequence[Mapping[str, float]], labels: Sequence[str]) -> LinearModel:
    """The judge trained on candidates' evidence, YES or NO each."""
    return LinearModel.fit(rows, labels, l2=1e-4, min_count=3)
