"""The message catalogues: every user-facing text, one YAML file per language."""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_DIR = Path(__file__).parent / "catalogue"
SUPPORTED = ("fi", "en", "sv")


class CatalogueError(KeyError):
    """A text key or placeholder that the catalogue does not have."""


def _flatten(prefix: str, node: Any, out: dict[str, str]) -> None:
    if isinstance(node, Mapping):
        for key, value in node.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), value, out)
    else:
        out[prefix] = str(node).strip()


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Texts by language and dotted key; unknown languages fall back to Finnish."""

    texts: Mapping[str, Mapping[str, str]]
    defaults: Mapping[str, str]

    @classmethod
    def load(
        cls, directory: Path = CATALOGUE_DIR, defaults: Mapping[str, str] | None = None
    ) -> Catalogue:
        texts: dict[str, dict[str, str]] = {}
        for lang in SUPPORTED:
            flat: dict[str, str] = {}
            _flatten("", yaml.safe_load((directory / f"{lang}.yaml").read_text("utf-8")), flat)
            texts[lang] = flat
        return cls(texts=texts, defaults=dict(defaults or {}))

    def lang(self, lang: str) -> str:
        return lang if lang in self.texts else "fi"

    def get(self, lang: str, key: str, **params: object) -> str:
        """The text for ``key`` in ``lang`` with ``{placeholders}`` filled in."""
        try:
            template = self.texts[self.lang(lang)][key]
        except KeyError as exc:
            raise CatalogueError(f"no text {key!r}") from exc
        try:
            return template.format(**{**self.defaults, **params})
        except KeyError as exc:
            raise CatalogueError(f"text {key!r} needs {exc}") from exc

    def version(self, lang: str, key: str, **params: object) -> str:
        """A stable fingerprint of a text as shown, to record which version a user saw."""
        shown = self.get(lang, key, **params)
        return hashlib.sha256(shown.encode("utf-8")).hexdigest()[:16]
