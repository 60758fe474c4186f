"""Every text the bot can say exists in both languages, and every decision the
router can make has a reply (no silent default for a reason, topic or action)."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.core.texts import Catalogue, placeholders
from handlers.scope import REASONS
from handlers.service_info import TOPICS

INTENTS = Path(__file__).resolve().parent.parent / "knowledge" / "intents.yaml"
TEXTS = Catalogue.load()


def test_finnish_and_english_have_the_same_keys_and_placeholders():
    fi, en = TEXTS.texts["fi"], TEXTS.texts["en"]
    assert set(fi) == set(en)
    assert {k: placeholders(fi[k]) for k in fi} == {k: placeholders(en[k]) for k in en}


def _values(node: object, key: str) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key and isinstance(v, str):
                found.add(v)
            found |= _values(v, key)
    elif isinstance(node, list):
        for item in node:
            found |= _values(item, key)
    return found


def test_every_reason_topic_and_action_the_router_can_give_has_a_reply():
    intents = yaml.safe_load(INTENTS.read_text())
    reasons, topics, privacy = (_values(intents, k) for k in ("reason", "topic", "action"))
    assert reasons and topics and privacy
    assert reasons <= set(REASONS) and topics <= set(TOPICS)
    assert privacy <= {"withdraw", "erase", "export"}
    for lang in ("fi", "en", "sv"):
        for reason in reasons:
            assert TEXTS.texts[lang][f"out_of_scope.{reason}"]
        for topic in topics:
            assert TEXTS.texts[lang][f"service_info.{topic}"]
