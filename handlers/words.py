"""Typed short answers the bot understands, in Finnish, English and Swedish.

Compared after :func:`handlers.menu.fold` (lower case, no punctuation, ä→a), so
"Kyllä!" and "kylla" are one word here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def fold(text: str) -> str:
    """Typed text folded for comparison: "Kyllä, kiitos!" → "kylla kiitos"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join("".join(c if c.isalnum() or c == "'" else " " for c in bare).split())


def _folded(words: Iterable[str]) -> frozenset[str]:
    return frozenset(fold(w) for w in words)


# Typed yes/no answers; anything longer is read as a new question.
YES = _folded(
    {"kylla", "joo", "juu", "jep", "hyvaksyn", "hyvaksyn sen", "ok", "okei", "sopii",
     "kay", "kylla kay", "kylla sopii", "kylla kiitos", "yes", "y", "yes please", "yep",
     "i agree", "agree", "accept", "i accept", "sure", "ok sure", "fine", "ja", "ja tack",
     "javisst", "visst", "jag godkanner", "godkanner", "det gar bra"}
)  # fmt: skip
NO = _folded(
    {"ei", "en", "en hyvaksy", "ei kay", "ei sovi", "ei kiitos", "en halua", "no",
     "n", "no thanks", "nope", "i don't agree", "i do not agree", "decline", "i decline",
     "nej", "nej tack", "jag godkanner inte"}
)  # fmt: skip
# A way out of any question: nothing is passed on, nothing asked again.
CANCEL = _folded(
    {"peruuta", "peru", "peruutan", "keskeyta", "lopeta", "unohda", "unohda se",
     "ei sittenkaan", "antaa olla", "anna olla", "ei tarvitse", "ei tarvi", "cancel",
     "stop", "quit", "exit", "never mind", "nevermind", "forget it", "abort",
     "no need", "avbryt", "glom det", "strunta i det", "sluta"}
)  # fmt: skip
# The urgency scale: what people type for each level, besides its number and label.
URGENCY = {
    1: ("kiireellinen", "erittain kiireellinen", "todella kiireellinen", "kiire", "tosi kiire",
        "kriittinen", "tuotanto seis", "tuotanto on seis", "tuotanto pysahtynyt",
        "tuotanto on pysahtynyt", "tuotanto on pysahdyksissa", "ei toimi ollenkaan",
        "urgent", "very urgent", "critical", "asap", "production down", "production is down",
        "production stopped", "production has stopped", "line down", "brådskande",
        "mycket brådskande", "kritisk", "produktionen står still", "produktionen har stannat"),
    2: ("melko kiireellinen", "aika kiireellinen", "haittaa paljon", "haittaa merkittavasti",
        "tyo vaikeutuu", "tyo vaikeutuu merkittavasti", "vakava", "high", "serious", "major",
        "quite urgent", "fairly urgent", "seriously hindered", "work is seriously hindered",
        "ganska brådskande", "allvarlig", "arbetet försvåras"),
    3: ("normaali", "ei kovin kiireellinen", "ei niin kiireellinen", "haittaa", "haittaa vahan",
        "kohtalainen", "normal", "medium", "moderate", "not very urgent", "nuisance",
        "inte så brådskande"),
    4: ("ei kiireellinen", "ei kiire", "ei kiirettä", "kysymys", "neuvontapyynto", "matala",
        "not urgent", "no rush", "low", "question", "just a question", "inte brådskande",
        "ingen brådska", "en fråga", "fråga"),
}  # fmt: skip
# "A person, please" as an answer to a menu that offers one.
PERSON = _folded(
    {"ihminen", "ihmiselle", "tukihenkilo", "tukihenkilolle", "henkilo", "asiantuntija",
     "valita", "valita eteenpain", "person", "a person", "human", "an engineer",
     "support engineer", "agent", "pass it on", "en person", "manniska",
     "supportperson", "handlaggare"}
)  # fmt: skip
NEW_MATTER = _folded(
    {"uusi", "uusi asia", "new", "a new matter", "new matter", "ny", "nytt arende"}
)
# The erase question's two answers, by their labels.
ERASE_WORDS = _folded(
    {"kyllä, poista", "poista", "poista ne", "erase", "yes, erase", "erase them", "ja, radera",
     "radera"}
)  # fmt: skip
KEEP_WORDS = _folded({"älä poista", "älä", "don't erase", "do not erase", "keep", "radera inte"})
