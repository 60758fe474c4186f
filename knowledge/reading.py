"""Reading a message the way a support engineer does.

A customer's message is often a story first ("we moved to a new office last
month and IT set up new laptops …") and the question or the request last. An
engineer reads it as parts: the question or request (what to decide on), the
problem report with its error text (what went wrong), the context (why they
ask), and the greeting or thanks around it (no meaning). This module splits a
message into sentences and gives each one of those roles; the router then
weighs the question and the problem fully and the context only a little, so an
incidental word in the story ("tulla", "meillä", "käydä") cannot decide alone.

Only the surface is read here (punctuation, question words, quoted text, error
codes); what the words mean is the normaliser's and the model's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from knowledge.route import SmallTalk


def _split(words: str) -> list[str]:
    return words.split()


class Role(StrEnum):
    QUESTION = "question"
    REQUEST = "request"
    PROBLEM = "problem"
    CONTEXT = "context"
    SMALL_TALK = "small_talk"


# How much each part counts for routing.
WEIGHTS = {Role.QUESTION: 1.0, Role.REQUEST: 1.0, Role.PROBLEM: 1.0, Role.CONTEXT: 0.35,
           Role.SMALL_TALK: 0.0}

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)|\n+|(?<=:)\s+(?=[\"'“”«])")
_QUOTED = re.compile(r"[\"“”«»'`](?P<q>[^\"“”«»'`]{6,})[\"“”«»'`]")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_QUESTION_WORDS = frozenset(_split("""
                      miten mikä mitä mitkä missä mistä mihin milloin miksi kuinka kumpi
                      kuka onko onks voiko voiks saako pitääkö tarviiko tarvitseeko
                      toimiiko toimiiks tukeeko löytyykö löytyyks kannattaako how what
                      which where when why who whom whose is are can could does do did
                      will would should shall may might has have hur vad vilken vilka
                      vilket var när varför vem kan finns stöder stöds fungerar måste
                      går behöver är ska har
                  """))
_REQUEST = re.compile(
    r"\b(?:please|pls|could you|can you|would you|can someone|could someone|i need|we need|"
    r"i want|we want|i would like|we would like|i'd like|we'd like|help me|"
    r"haluan|haluaisin|haluaisimme|haluamme|tarvitsen|tarvitsisin|tarvitsemme|tarvitsisimme|"
    r"voisitteko|voitteko|voisiko joku|saisinko|saanko|pyydän|pyytäisin|"
    r"jag vill|vi vill|jag behöver|vi behöver|kan ni|kan någon|skulle ni|snälla)\b"
    r"|\b\w{3,}(?:kaa|kää|isitteko|isittekö|ttekö|ttteko)\b")
# Error text: quoted messages, error codes, exception names, "stopped working after".
_ERROR = re.compile(
    r"\b(?:error|errors|virhe\w*|fel(?:et|meddelande)?|exception|failed|failure|fatal|"
    r"crash\w*|kaatu\w*|kaatui|jumitt\w*|jäätyy|freez\w*|hang\w*|kraschar|"
    r"stopped|lakannut|lakkasi|lopetti|ei (?:enää )?(?:toimi|käynnisty|aukea|avaudu|lähde)|"
    r"no longer|doesn'?t work|does not work|isn'?t working|not working|"
    r"won'?t (?:start|open|load|launch|work|run|connect|save|respond|install|update)|"
    r"fungerar inte|slutade|timeout|timed out|denied|refused|unauthori[sz]ed|forbidden|"
    r"expired|vanhentu\w*|utgången|har gått ut|puuttuu|puuttuvat|missing|saknas|invalid|"
    r"ei kelpaa|ei etene|not found|sulkeutu\w*|closes (?:by itself|unexpectedly)|"
    r"shuts down|throws|stängs|hänger sig|"
    r"päivityksen jälkeen|after (?:the |an |our )?(?:update|upgrade|patch)|efter uppdatering)\b"
    r"|\(-?\d+,-?\d+\)|\b-\d{1,3}\b|\b[A-Z]\w*(?:Exception|Error)\b|\b0x[0-9a-f]{4,}\b"
    r"|\b(?:http|error|status) ?[45]\d\d\b|\b[45]\d\d (?:error|internal)\b",
    re.IGNORECASE)
_SMALL_TALK = {
    SmallTalk.GREETING: frozenset(_split("""
                            hei heippa moi moikka moro morjens morjes terve tervehdys
                            päivää huomenta iltaa hello hi hey hiya there morning
                            afternoon evening good hej hallå tjena god dag morgon
                            greetings howdy yo bot botti mitä kuuluu how are you oletko
                            olet doing hur mår du läget
                        """)),
    SmallTalk.THANKS: frozenset(_split("""
                          kiitos kiitti kiitoksia kiitoksii kitos kiits paljon vaan vain
                          thanks thank thx ty you so much very many lot tack så mycket
                          tackar jättekiva great awesome perfect perfekt täydellistä
                          hienoa mahtavaa loistavaa super helped auttoi apu avusta
                          avustasi hjälpen för for the help cheers appreciate
                          appreciated it nopeasta vastauksesta tiedosta vastauksesta
                          infosta solved ratkaisi sen tämä tää this answer info
                          toimi toimii onnistui pelaa pelittää worked fixed resolved
                          funkar fungerade löste sig det eilen tänään äsken aiemmin
                          yesterday today earlier igår idag nyss tidigare nopeasta
                          quick fast snabba snabb teille you er dig sinulle taas again igen
                      """)),
    SmallTalk.GOODBYE: frozenset(_split("""
                           bye goodbye näkemiin nähdään heihei moikka hejdå hej då adjö
                           vi ses see ya later that s thats all it that was kaikki tässä
                           ei eipä muuta siinä kaikki nothing else done have a nice day
                           hyvää päivänjatkoa jatkoa päivää mukavaa viikonloppua trevlig
                           dag no more questions kysymyksiä tällä kertaa now nyt riitti riittää
                           det var allt för idag ha en bra joulua hyvää joulua
                           merry christmas god jul hyvää uutta vuotta happy new year
                           gott nytt år viikonloppua weekend helg trevlig helg
                       """)),
    SmallTalk.ACK: frozenset(_split("""
                       ok okei okay oki joo jep jees juu selvä hyvä juttu no niin sounds
                       good alright fine got it understood noted selvis kk k yes nej ja
                       jaa aha okej bra fint toimii works cool nice kiva kivaa
                       se oli olikin siinä siina hyvää hyvaa mukava mukavaa
                   """)),
}
_ASCII = str.maketrans("äöå", "aoa")
# Words that point back at the sentence before ("Löytyykö tästä lista?", "Is that
# true?"): a question made of them asks about its context.
_ANAPHORA = frozenset(_split("""
                          tästä tähän tämä tää tätä tämän näistä näitä nämä sen sitä siihen
                          siitä siinä se ne niitä niistä niihin tuo tota tosta tollasen
                          tollaista sellaisen sellaista semmoisen this that it these those
                          them such det detta den dem sådan sådant
                      """))
# A question this short says little on its own ("Osaatteko sanoa?", "Any idea?").
_THIN = 4
# "… pitäisi tietää, minkä Java-version …", "we'd like to know which …": a question
# asked inside a statement.
_INDIRECT = re.compile(
    r"\b(?:tietää|tietäisi|tiedä|tiedon|tietoa|selvittää|selvitä|kysyä|kysyisin|varmistaa|"
    r"know|knowing|wondering|wonder|unsure|not sure|find out|confirm|veta|undrar|undra)\b"
    r"[^.?!]*\b(?:mikä|mitä|mitkä|minkä|millä|missä|mistä|mihin|miten|kuinka|onko|voiko|"
    r"toimiiko|tukeeko|kumpi|which|what|whether|how|if|where|when|vilken|vilka|vad|hur|om)\b",
    re.IGNORECASE)


def _fold(word: str) -> str:
    """A word without its dots, as customers often type ("hyvaa", "kiitti")."""
    return word.casefold().translate(_ASCII)


_QUESTION_WORDS_UNDOTTED = frozenset(_fold(w) for w in _QUESTION_WORDS)
_ALL_SMALL_TALK = frozenset(_fold(w) for w in frozenset().union(*_SMALL_TALK.values()))
_GOODBYE_CUES = frozenset({"bye", "goodbye", "näkemiin", "heihei", "hejdå", "adjö", "all",
                           "kaikki", "muuta", "else", "päivänjatkoa", "jatkoa", "nähdään",
                           "ses", "later", "done", "riitti", "riittää", "allt", "more",
                           "viikonloppua", "siinä", "siina", "joulua", "christmas", "jul",
                           "helg", "weekend", "vuotta", "year", "år"})
_THANKS_CUES = frozenset({"kiitos", "kiitti", "kiitoksia", "kiitoksii", "kitos", "kiits",
                          "thanks", "thank", "thx", "ty", "tack", "tackar", "cheers",
                          "appreciate", "appreciated"})
_GREETING_CUES = frozenset({"hei", "heippa", "moi", "moikka", "moro", "morjens", "morjes",
                            "terve", "tervehdys", "huomenta", "päivää", "iltaa", "hello", "hi",
                            "hey", "hiya", "morning", "afternoon", "evening", "hej", "hallå",
                            "tjena", "greetings", "howdy", "yo", "kuuluu", "how", "mår",
                            "läget", "botti", "bot"})
_EMOJI = re.compile(r"^[\W_]*$")


@dataclass(frozen=True, slots=True)
class Part:
    text: str
    role: Role

    @property
    def weight(self) -> float:
        return WEIGHTS[self.role]


@dataclass(frozen=True, slots=True)
class Reading:
    parts: tuple[Part, ...]
    small_talk: SmallTalk | None  # set only when the whole message is small talk
    problem: bool  # an error text or a "stopped working" report
    quoted: tuple[str, ...]  # quoted error texts

    def focus(self) -> str:
        """The question, request and problem sentences (the whole text if none)."""
        focus = [p.text for p in self.parts if p.weight >= 1.0]
        return " ".join(focus) if focus else self.text()

    def text(self) -> str:
        return " ".join(p.text for p in self.parts if p.role is not Role.SMALL_TALK)

    def has_context(self) -> bool:
        return any(p.role is Role.CONTEXT for p in self.parts) and any(
            p.weight >= 1.0 for p in self.parts)


def read(text: str) -> Reading:
    """Split ``text`` into parts with roles."""
    pieces = [s.strip() for s in _SENTENCE.split(text.strip()) if s and s.strip()]
    roles = [_role(piece) for piece in pieces]
    for k in range(1, len(pieces)):
        # A thin or pointing question asks about the sentence before it.
        if (roles[k] in (Role.QUESTION, Role.REQUEST) and roles[k - 1] is Role.CONTEXT
                and _points_back(pieces[k])):
            roles[k - 1] = Role.QUESTION
    roles = [Role.QUESTION if role is Role.CONTEXT and _INDIRECT.search(piece) else role
             for piece, role in zip(pieces, roles, strict=True)]
    parts = tuple(Part(piece, role) for piece, role in zip(pieces, roles, strict=True)) or (
        Part("", Role.CONTEXT),)
    quoted = tuple(m.group("q") for m in _QUOTED.finditer(text))
    problem = any(p.role is Role.PROBLEM for p in parts) or bool(
        quoted and _ERROR.search(text))
    return Reading(parts, small_talk_kind(text), problem, quoted)


def _role(sentence: str) -> Role:
    words = [w.casefold() for w in _WORD.findall(sentence)]
    if words and all(_fold(w) in _ALL_SMALL_TALK for w in words):
        return Role.SMALL_TALK
    if _ERROR.search(sentence):
        return Role.PROBLEM
    stripped = sentence.rstrip()
    if stripped.endswith("?") or (words and _is_question_word(words[0])):
        return Role.QUESTION
    if _REQUEST.search(sentence.casefold()):
        return Role.REQUEST
    if len(words) > 1 and _is_question_word(words[1]) and _fold(words[0]) in _ALL_SMALL_TALK:
        return Role.QUESTION
    return Role.CONTEXT


def _points_back(sentence: str) -> bool:
    words = [w.casefold() for w in _WORD.findall(sentence)]
    return len(words) <= _THIN or any(w in _ANAPHORA for w in words)


# "It worked" is thanks; with a negation it is a problem report ("ei toimi").
_WORKED = frozenset(_fold(w) for w in _split(
    "toimi toimii onnistui pelaa pelittää worked works fixed resolved funkar fungerade löste"))
# ("no" is not here: in Finnish it is "well" — "No nyt toimii, kiitos!")
_NEGATION = frozenset(_fold(w) for w in _split("ei en eikä enkä not never inte nej"))


def _is_question_word(word: str) -> bool:
    return (word in _QUESTION_WORDS or _fold(word) in _QUESTION_WORDS_UNDOTTED
            or (len(word) > 4 and word.endswith(("ko", "kö", "ks"))))


def small_talk_kind(text: str) -> SmallTalk | None:
    """The kind of small talk ``text`` is, when it is nothing else ("Kiitos, moi!")."""
    words = [_fold(w) for w in _WORD.findall(text)]
    if not words and text.strip() and _EMOJI.match(text):
        return SmallTalk.ACK  # "👍"
    if not words or len(words) > 12 or not all(w in _ALL_SMALL_TALK for w in words):
        return None
    if set(words) & _WORKED and ("?" in text or set(words) & _NEGATION):
        return None  # "ei toimi", "not fixed", "toimiiko?": a problem or a question
    present = set(words) | {w.casefold() for w in _WORD.findall(text)}
    if present & _GOODBYE_CUES:
        return SmallTalk.GOODBYE
    if present & _THANKS_CUES:
        return SmallTalk.THANKS
    if present & _GREETING_CUES:
        return SmallTalk.GREETING
    return SmallTalk.ACK
