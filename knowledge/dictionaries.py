"""simplemma's dictionaries, opened quickly and held in little memory.

simplemma's low-memory dictionaries (front-coded streams read on demand) keep
a process near 200 MB, but opening one means decompressing it and walking all
of its records once to index them: about a second for Finnish on a busy
machine, paid by every new process before its first answer. The decompressed
stream and its index are plain bytes, numbers and lists, so they are kept in a
``marshal`` file in the user's cache directory (``$XDG_CACHE_HOME/supportbot``)
after the first open; later processes read that in a few tens of milliseconds.
Any problem with the cache (unwritable, damaged, another simplemma) only means
the dictionary is opened the slow way.
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import simplemma
from simplemma.strategies import DefaultStrategy, DictionaryLookupStrategy
from simplemma.strategies.dictionaries.dictionary_factory import CachingDictionaryFactory
from simplemma.strategies.dictionaries.stream_dictionary_factory import StreamMap

_STATE = ("_data", "_pos", "_rev", "_count", "_firsts", "_blocks")


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "supportbot"


def _open(lang: str) -> StreamMap:
    path = _cache_dir() / f"simplemma-{simplemma.__version__}-{lang}.marshal"
    try:
        state = marshal.loads(path.read_bytes())
        stream = StreamMap.__new__(StreamMap)
        for slot, value in zip(_STATE, state, strict=True):
            setattr(stream, slot, value)
        return stream
    except (OSError, EOFError, ValueError, TypeError):
        pass
    stream = StreamMap(lang)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(marshal.dumps(tuple(getattr(stream, s) for s in _STATE)))
        partial.replace(path)
    except OSError:
        pass
    return stream


class _Factory(CachingDictionaryFactory):
    __slots__ = ()

    def _get_dictionary_uncached(self, lang: str) -> Mapping[str, str]:
        return _open(lang)


@cache
def _strategies() -> tuple[DictionaryLookupStrategy, simplemma.Lemmatizer]:
    factory = _Factory()
    return (DictionaryLookupStrategy(factory),
            simplemma.Lemmatizer(lemmatization_strategy=DefaultStrategy(
                dictionary_factory=factory)))


def is_known(word: str, lang: str) -> bool:
    """Whether ``lang``'s dictionary has ``word`` (lower-case)."""
    return _strategies()[0].get_lemma(word, lang) is not None


def lemmatize(word: str, lang: str) -> str:
    return str(_strategies()[1].lemmatize(word, lang))
