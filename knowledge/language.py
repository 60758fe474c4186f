"""Which language a customer wrote in: Finnish, English or Swedish.

py3langid alone misjudges short chat lines ("mathcad prime macille" looks
English to it) because product names and English jargon dominate them. So the
words a dictionary recognises vote first, and Finnish words count double:
Finns write English jargon into Finnish sentences, the reverse is rare.
py3langid settles ties on longer text; anything still undecided gets the
default (Finnish is the service's primary language).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

from knowledge import dictionaries

SUPPORTED = ("fi", "en", "sv")
_WORD = re.compile(r"[^\W\d_]{2,}")
# Finnish letters, and case endings or question clitics on words no dictionary
# knows ("linuxilla", "onnistuuko", "macille").
_FINNISH_FORM = re.compile(r"[äö]|\w{3,}(?:lla|llä|lle|ssa|ssä|sta|stä|lta|ltä|iin|ko|kö)$")
# Names and jargon that say nothing about the writer's language.
_NEUTRAL = frozenset({
    "creo", "windchill", "arbortext", "thingworx", "mathcad", "codebeamer", "vuforia", "ptc",
    "esupport", "java", "jdk", "tomcat", "corretto", "oracle", "linux", "windows", "mac",
    "flexnet", "scn", "spr", "cs", "rmi", "jakarta", "javax", "sql", "server", "ok",
})
# Short function words that simplemma does not always know.
_FUNCTION_WORDS = {
    "fi": frozenset({
        "mikä", "mitä", "miten", "missä", "mistä", "mihin", "milloin", "onko", "voiko", "ei",
        "ja", "tai", "kun", "jos", "että", "mä", "mun", "sä", "meillä", "teillä", "toimiiks",
        "onks", "voiks", "tarviiko", "miks", "moi", "moro", "hei", "terve", "kiitti", "kiitos",
    }),
    "en": frozenset({
        "the", "is", "are", "how", "what", "which", "where", "when", "does", "do", "can", "my",
        "our", "your", "you", "i", "we", "it", "to", "of", "for", "with", "and", "not", "please",
    }),
    "sv": frozenset({
        "och", "är", "hur", "vad", "var", "när", "jag", "vi", "inte", "det", "som", "med", "för",
        "på", "kan",
    }),
}
# Short answers a dictionary may not list as words.
_SHORT_ANSWERS = {
    "fi": frozenset({"kyllä", "joo", "juu", "jep", "okei", "ei", "eipä", "kiitos", "kiitti"}),
    "en": frozenset({"yes", "yep", "yeah", "no", "nope", "okay", "thanks", "thx"}),
    "sv": frozenset({"ja", "japp", "jo", "nej", "tack", "okej", "visst"}),
}
# A longer "word" is a pasted blob (a hash, base64, a 40,000-character token): it is in
# no language, and the Finnish-form pattern would spend quadratic time on it.
_LONGEST_WORD = 64
# Quoted error text is the software's language, not the writer's: "Vår licensserver
# ger felet "License server machine is down"" is Swedish.
_QUOTED = re.compile(r"[\"“”«»][^\"“”«»]{4,}[\"“”«»]|(?:(?<=[\s:(])|^)'[^']{4,}'")
# py3langid's verdict only counts when it is this sure and the text is long enough.
_LANGID_CONFIDENCE = 0.9
_LANGID_MIN_WORDS = 3


@cache
def _identifier() -> Any:
    # Loading the model takes ~0.5 s: once per process, on first use.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(SUPPORTED))
    # It keeps the model of all 97 languages for a later set_languages (27 MB); ours
    # never changes.
    identifier._full_model = None
    return identifier


def preload() -> None:
    """Load the language model and dictionaries now (~1 s), e.g. while building a
    router off the event loop, so the first message does not pay for them."""
    _identifier()
    _votes(["preload"])  # simplemma loads each language's dictionary on first use


@lru_cache(maxsize=100_000)
def _known_in(word: str) -> tuple[str, ...]:
    """The languages whose function words or dictionary have ``word`` (cached: the
    low-memory dictionaries are read on demand)."""
    hits = tuple(lang for lang in SUPPORTED if word in _FUNCTION_WORDS[lang])
    return hits or tuple(lang for lang in SUPPORTED if dictionaries.is_known(word, lang))


def _votes(words: list[str]) -> dict[str, float]:
    votes = dict.fromkeys(SUPPORTED, 0.0)
    for word in words:
        hits = list(_known_in(word))
        if len(hits) == 1:
            votes[hits[0]] += 2.0 if hits[0] == "fi" else 1.0
        elif set(hits) == {"en", "sv"}:  # Swedish is rare here; English jargon is not
            votes["en"] += 0.5
        elif not hits and _FINNISH_FORM.search(word):
            votes["fi"] += 2.0
    return votes


def detect_language(text: str, *, default: str = "fi") -> str:
    """Return "fi", "en" or "sv" for ``text``; ``default`` when the text is too
    short or too mixed to tell (e.g. only product names and numbers)."""
    outside = _QUOTED.sub(" ", text)
    if len(_WORD.findall(outside)) >= 2:
        text = outside
    words = [w for w in _WORD.findall(text.casefold())
             if w not in _NEUTRAL and len(w) <= _LONGEST_WORD]  # fmt: skip
    if not words:
        return default
    votes = _votes(words)
    ranked = sorted(votes, key=votes.__getitem__, reverse=True)
    if votes[ranked[0]] > votes[ranked[1]]:
        return ranked[0]
    if len(words) >= _LANGID_MIN_WORDS:
        lang, confidence = _identifier().classify(" ".join(words))
        if confidence >= _LANGID_CONFIDENCE:
            return str(lang)
    return default


def reply_language(text: str, current: str) -> str:
    """The language to go on in after ``text`` in a conversation held in ``current``:
    a short answer that is a word of ``current`` too ("ja" is Swedish for yes and
    Finnish for and; "ok") keeps the conversation's language."""
    words = [w for w in _WORD.findall(text.casefold()) if len(w) <= _LONGEST_WORD]
    if current in SUPPORTED and len(words) <= 2 and all(
            w in _NEUTRAL or w in _FUNCTION_WORDS[current] or w in _SHORT_ANSWERS[current]
            or dictionaries.is_known(w, current) for w in words):
        return current
    return detect_language(text, default=current)
