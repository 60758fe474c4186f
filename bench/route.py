"""Routing latency: the shipped knowledge base and generated ones of 1,000 and 10,000 articles.

Run: .venv/bin/python bench/route.py [--sizes 1000 10000] [--repeat 3]

First the footprint of a fresh process (issue 9's goals): ``supportbot --help``,
the time from start to the first answer and the resident memory after it, for a
process that builds the router as ``serve`` does and routes one message.

The generated articles are the shipped ones re-issued for other products and
modules: each copy gets a new id, one of the real PTC products or an invented
one (so product filtering cannot hide the size), a module name of its own in
its title, keywords and some questions (so the vocabulary grows with the base,
as a real one would), and reworded questions. The messages are the development
and held-out-style sets, routed one by one as the chat does.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.loader import KnowledgeBase, load_knowledge_base  # noqa: E402
from knowledge.router import MODEL_FILE, Router  # noqa: E402
from knowledge.schema import Article, Examples, Localized  # noqa: E402

MESSAGE_SETS = (ROOT / "eval/dev.jsonl", ROOT / "tests/data/heldout_style.jsonl")
PRODUCTS = ("Creo", "Windchill", "Arbortext", "ThingWorx", "Mathcad", "Codebeamer", "Vuforia",
            "Kepware", "Onshape", "Servigistics")
INVENTED = ("Nimbus", "Kestrel", "Aurora", "Vantage", "Helix", "Quartz", "Orbit", "Tundra")
PREFIXES_FI = ("", "Kysymys: ", "Hei, ", "Moi! ", "Pikainen kysymys: ")
PREFIXES_EN = ("", "Quick question: ", "Hi, ", "Hello! ", "Question: ")


def _swap(text: str, old: tuple[str, ...], new: str) -> str:
    for name in old:
        text = text.replace(name, new)
    return text


def _variant(article: Article, n: int, rng: random.Random) -> Article:
    product = (PRODUCTS + INVENTED)[n % (len(PRODUCTS) + len(INVENTED))]
    if product in INVENTED:
        product = f"{product} {n % 97}"
    module = f"moduuli{n}x"
    old = article.products

    def reword(questions: tuple[str, ...], prefixes: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for k, q in enumerate(questions):
            q = rng.choice(prefixes) + _swap(q, old, product)
            out.append(f"{q} ({module})" if k % 3 == 0 else q)
        return tuple(out)

    return replace(
        article,
        id=f"{article.id}-{n}",
        title=Localized(fi=f"{_swap(article.title.fi, old, product)} – {module}",
                        en=f"{_swap(article.title.en, old, product)} – {module}"),
        questions=Examples(fi=reword(article.questions.fi, PREFIXES_FI),
                           en=reword(article.questions.en, PREFIXES_EN)),
        products=(product,),
        keywords=(*article.keywords, module, product.lower()),
    )


def generated(base: KnowledgeBase, size: int, seed: int = 7) -> KnowledgeBase:
    """``size`` articles derived from ``base`` (deterministic for a seed)."""
    rng = random.Random(seed)
    articles = [_variant(base.articles[n % len(base.articles)], n, rng) for n in range(size)]
    return KnowledgeBase(articles=tuple(articles))


def messages() -> list[str]:
    texts: list[str] = []
    for path in MESSAGE_SETS:
        if path.exists():
            texts += [json.loads(line)["text"] for line in path.read_text().splitlines() if line]
    return texts


def measure(name: str, kb: KnowledgeBase, texts: list[str], repeat: int) -> str:
    started = time.perf_counter()
    router = Router(kb)
    build = time.perf_counter() - started
    router.route("lämmittely")  # first call loads the language model, once per process
    timings: list[float] = []
    for _ in range(repeat):
        for text in texts:
            t0 = time.perf_counter()
            router.route(text)
            timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    return (f"{name:<16}{len(kb.articles):>9}{build:>11.2f}{statistics.median(timings):>12.2f}"
            f"{p99:>10.2f}{max(timings):>10.2f}")


FIRST_ANSWER = """
import re, sys, time
started = time.perf_counter()
sys.path.insert(0, {root!r})
from bot.app.knowledge import PublishedKnowledge
knowledge = PublishedKnowledge()
route = knowledge.current().route("Mikä Java-versio Windchill 12:lle?")
assert route.article == "windchill-java", route
rss = re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1)
print(time.perf_counter() - started, rss)
"""


def footprint() -> list[tuple[str, str, str]]:
    """(measure, value, goal) rows for a fresh process, each the median of three runs."""
    helps, firsts, rss = [], [], []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([str(Path(sys.executable).with_name("supportbot")), "--help"],
                       check=True, capture_output=True)
        helps.append(time.perf_counter() - t0)
        out = subprocess.run([sys.executable, "-c", FIRST_ANSWER.format(root=str(ROOT))],
                             check=True, capture_output=True, text=True).stdout.split()
        firsts.append(float(out[0]))
        rss.append(int(out[1]) / 1024)
    return [("supportbot --help", f"{statistics.median(helps):.2f} s", "<= 0.5 s"),
            ("start to first answer", f"{statistics.median(firsts):.2f} s", "<= 3 s"),
            ("memory after first answer", f"{statistics.median(rss):.0f} MB", "<= 250 MB")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="passes over the messages")
    args = parser.parse_args()
    print(f"{'fresh process':<28}{'measured':>10}{'goal':>12}")
    for name, value, goal in footprint():
        print(f"{name:<28}{value:>10}{goal:>12}")
    print()
    base = load_knowledge_base()
    texts = messages()
    started = time.perf_counter()
    Router(base)  # loads the lemmatiser dictionaries: a one-off per process, not per build
    print(f"process warm-up (dictionaries): {time.perf_counter() - started:.2f} s; "
          f"{len(texts)} messages x {args.repeat}\n")
    print(f"{'knowledge base':<16}{'articles':>9}{'build s':>11}{'median ms':>12}"
          f"{'p99 ms':>10}{'max ms':>10}")
    print(measure("shipped", base, texts, args.repeat))
    for size in args.sizes:
        print(measure(f"generated {size}", generated(base, size), texts, args.repeat), flush=True)
    print(f"\nmodel file: {MODEL_FILE.stat().st_size // 1024} KB" if MODEL_FILE.exists() else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
