"""The example banks: how customers ask, kept as data (``knowledge/examples``).

- ``articles.jsonl``: ``{"text", "article"}``, questions an article answers;
  they join the article's own example questions in the index;
- ``intents.jsonl``: the evaluation format (``../shared/eval/README.md``),
  messages with the decision they need: problem reports, declines, service
  questions, questions no article answers …

Written by people who did not write the matcher; the outcome model is trained on
them (``train.py``) and its thresholds are chosen on their cross-validation folds.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from knowledge.language import detect_language

EXAMPLES_DIR = Path(__file__).parent / "examples"
ARTICLE_BANK = EXAMPLES_DIR / "articles.jsonl"
INTENT_BANK = EXAMPLES_DIR / "intents.jsonl"


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    outcome: str
    detail: tuple[str, str] | None
    lang: str | None = None  # stored with the example, so a process need not detect it

    def as_case(self) -> dict[str, object]:
        expect: dict[str, str] = {"outcome": self.outcome}
        if self.detail:
            expect[self.detail[0]] = self.detail[1]
        return {"text": self.text, "expect": expect}


def read_bank(path: Path) -> list[Example]:
    """Either bank's lines as examples (article lines become answer cases)."""
    if not path.exists():
        return []
    out: list[Example] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        if "article" in raw and "expect" not in raw:
            out.append(Example(raw["text"], "answer", ("article", raw["article"]),
                               raw.get("lang")))
            continue
        expect = raw["expect"]
        detail = next(((k, str(expect[k])) for k in ("article", "reason", "topic", "action")
                       if k in expect), None)
        out.append(Example(raw["text"], expect["outcome"], detail))
    return out


def article_examples(examples: Iterable[Example],
                     known: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """Answer examples by article id, with each text's language, for the index;
    only for articles the knowledge base has."""
    ids = set(known)
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for example in examples:
        if example.outcome == "answer" and example.detail and example.detail[1] in ids:
            lang = example.lang or detect_language(example.text)
            out[example.detail[1]].append((example.text, lang))
    return dict(out)


def add_languages(path: Path) -> int:
    """Store each article example's detected language in the bank (``"lang"``), so
    that building a router does not detect hundreds of them; how many were added."""
    lines = path.read_text(encoding="utf-8").splitlines()
    added = 0
    out = []
    for line in lines:
        raw = json.loads(line) if line.strip() else None
        if raw is not None and "article" in raw and "lang" not in raw:
            raw["lang"] = detect_language(raw["text"])
            added += 1
        out.append(json.dumps(raw, ensure_ascii=False) if raw is not None else line)
    if added:
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return added
