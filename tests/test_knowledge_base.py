"""The shipped knowledge base, ``kb lint`` and the ``supportbot kb`` command."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from rapidfuzz import fuzz

from knowledge.lint import KNOWN_PRODUCTS, Finding, Severity, lint
from knowledge.loader import ARTICLES_DIR, load_knowledge_base

EVAL = Path(__file__).resolve().parents[1] / "eval"
TOPICS_FILE = EVAL / "knowledge-topics.md"
DEV_SET = EVAL / "dev.jsonl"
# The day the starter articles were written and reviewed: the (verify) ones are due from it.
WRITTEN = date(2026, 11, 24)
ALLOWED_SOURCES = re.compile(
    r"https://support\.ptc\.com/(help/[a-z]+/)?$"
    r"|https://www\.ptc\.com/en/support(/release-advisor|/product-calendar|/article/CS\d+)?$"
)


def topics() -> dict[str, bool]:
    """Topic id → whether its facts carry a *(verify)* mark, read from the topic tables."""
    found: dict[str, bool] = {}
    for line in TOPICS_FILE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\|\s*([a-z][a-z0-9-]*)\s*\|(.*)\|\s*$", line)
        if match and match.group(1) != "id":
            found[match.group(1)] = "(verify" in match.group(2)
    return found


# -- the shipped articles ---------------------------------------------------------------


def test_the_topic_tables_are_read() -> None:
    found = topics()
    assert len(found) == 25
    assert found["windchill-java"] is True
    assert found["windchill-tomcat"] is False


def test_shipped_kb_has_exactly_the_topic_ids() -> None:
    kb = load_knowledge_base()
    assert sorted(kb.ids()) == sorted(topics())


def test_every_article_is_complete_in_both_languages() -> None:
    for article in load_knowledge_base().articles:
        for lang in ("fi", "en"):
            assert article.title.get(lang).strip(), (article.id, lang)
            assert 40 <= len(article.answer.get(lang).split()) <= 200, (article.id, lang)
            assert len(getattr(article.questions, lang)) >= 3, (article.id, lang)
        assert 1 <= len(article.sources) <= 3, article.id
        assert set(article.products) <= KNOWN_PRODUCTS, article.id
        assert article.owner.startswith("Econocap"), article.id
        assert article.reviewed == WRITTEN, article.id


def test_sources_use_only_the_known_ptc_addresses() -> None:
    for article in load_knowledge_base().articles:
        for source in article.sources:
            assert ALLOWED_SOURCES.match(source.url), (article.id, source.url)


def test_shipped_kb_lints_without_errors() -> None:
    findings = lint(ARTICLES_DIR, WRITTEN)
    assert [f for f in findings if f.severity is Severity.ERROR] == []
    assert {f.code for f in findings} == {"due-for-review"}


def test_exactly_the_verify_topics_are_due_for_review() -> None:
    verify = {topic for topic, flagged in topics().items() if flagged}
    assert len(verify) == 8
    due_on_writing = {f.article for f in lint(ARTICLES_DIR, WRITTEN) if f.code == "due-for-review"}
    assert due_on_writing == verify
    due_today = {f.article for f in lint(ARTICLES_DIR, date.today()) if f.code == "due-for-review"}
    assert verify <= due_today
    kb = load_knowledge_base()
    for topic in verify:
        assert kb.get(topic).verify, f"{topic} must say what an editor has to confirm"


def test_example_questions_do_not_copy_the_dev_set() -> None:
    def normal(text: str) -> str:
        return " ".join(text.casefold().split()).rstrip("?.! ")

    dev = [json.loads(line)["text"] for line in DEV_SET.read_text(encoding="utf-8").splitlines()]
    for article in load_knowledge_base().articles:
        for question in article.questions.all():
            closest = max(dev, key=lambda text: fuzz.ratio(normal(question), normal(text)))
            score = fuzz.ratio(normal(question), normal(closest))
            assert score < 90, f"{article.id}: {question!r} copies {closest!r}"


# -- lint on small articles -------------------------------------------------------------

TEXTS = (
    {
        "title": {"fi": "Lisenssipalvelimen asennus", "en": "Installing a license server"},
        "answer": {"fi": "Palvelin asennetaan ohjelmalla.", "en": "Install it with the tool."},
        "questions": {
            "fi": ["Miten lisenssipalvelin asennetaan?", "lisenssiserveri", "flexnet asennus"],
            "en": ["How do I install a license server?", "license server", "flexnet setup"],
        },
    },
    {
        "title": {"fi": "Tomcat-versiot", "en": "Tomcat versions"},
        "answer": {"fi": "Katso Software Matrix.", "en": "See the Software Matrix."},
        "questions": {
            "fi": ["Mikä Tomcat ThingWorxille?", "tomcat 11 jakarta", "javax vai jakarta"],
            "en": ["Which Tomcat does ThingWorx use?", "tomcat 11 jakarta ee", "javax or jakarta"],
        },
    },
)


def article(article_id: str, variant: int = 0, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": article_id,
        **copy.deepcopy(TEXTS[variant]),
        "products": ["Creo"],
        "sources": [{"title": "PTC eSupport", "url": "https://support.ptc.com/"}],
        "owner": "Econocap tekninen tuki",
        "reviewed": "2026-11-24",
        "review": "2027-05-24",
    }
    data.update(changes)
    return data


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    def _write(name: str, content: dict[str, Any] | str) -> Path:
        path = tmp_path / f"{name}.yaml"
        text = content if isinstance(content, str) else yaml.safe_dump(content, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


def codes(findings: list[Finding]) -> dict[str, set[str]]:
    """Finding code → the articles it was reported for."""
    out: dict[str, set[str]] = {}
    for finding in findings:
        out.setdefault(finding.code, set()).add(finding.article)
    return out


def test_two_good_articles_have_no_findings(tmp_path: Path, write: Callable[..., Path]) -> None:
    write("alpha", article("alpha", 0))
    write("beta", article("beta", 1))
    assert lint(tmp_path, WRITTEN) == []


def test_bad_yaml_is_a_schema_error(tmp_path: Path, write: Callable[..., Path]) -> None:
    write("alpha", article("alpha", 0))
    write("broken", "id: broken\ntitle: [unclosed\n")
    findings = lint(tmp_path, WRITTEN)
    assert codes(findings) == {"schema": {"broken.yaml"}}
    assert "not valid YAML" in findings[0].message
    assert findings[0].severity is Severity.ERROR


def test_missing_field_is_named(tmp_path: Path, write: Callable[..., Path]) -> None:
    data = article("alpha")
    del data["owner"]
    write("alpha", data)
    [finding] = lint(tmp_path, WRITTEN)
    assert (finding.code, finding.article) == ("schema", "alpha.yaml")
    assert "owner" in finding.message


def test_duplicate_id_and_name_mismatch(tmp_path: Path, write: Callable[..., Path]) -> None:
    write("alpha", article("alpha", 0))
    write("beta", article("alpha", 1))
    found = codes(lint(tmp_path, WRITTEN))
    assert found["duplicate-id"] == {"alpha"}
    assert "id-mismatch" in found


def test_near_duplicate_question_across_articles(
    tmp_path: Path, write: Callable[..., Path]
) -> None:
    second = article("beta", 1)
    second["questions"]["en"] = [*second["questions"]["en"], "how do i install the license server"]
    write("alpha", article("alpha", 0))
    write("beta", second)
    findings = lint(tmp_path, WRITTEN)
    assert codes(findings) == {"duplicate-question": {"beta"}}
    assert "How do I install a license server?" in findings[0].message


def test_copied_answer_is_reported(tmp_path: Path, write: Callable[..., Path]) -> None:
    copied = article("beta", 1, answer=dict(TEXTS[0]["answer"]))
    write("alpha", article("alpha", 0))
    write("beta", copied)
    assert codes(lint(tmp_path, WRITTEN)) == {"duplicate-answer": {"beta"}}


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://support.ptc.com/", "link-not-https"),
        ("https://support.ptc.com/help/ creo/", "link-whitespace"),
        ("support.ptc.com/help/creo/", "link-malformed"),
        ("https://localhost/", "link-malformed"),
    ],
)
def test_bad_links(tmp_path: Path, write: Callable[..., Path], url: str, code: str) -> None:
    write("alpha", article("alpha", sources=[{"title": "PTC", "url": url}]))
    assert codes(lint(tmp_path, WRITTEN)) == {code: {"alpha"}}


def test_stale_article_is_due_with_its_verify_note(
    tmp_path: Path, write: Callable[..., Path]
) -> None:
    write("alpha", article("alpha", review="2026-11-24", verify="Java 21 for Creo 12"))
    assert lint(tmp_path, date(2026, 11, 23)) == []
    [finding] = lint(tmp_path, date(2026, 11, 24))
    assert (finding.code, finding.severity) == ("due-for-review", Severity.WARNING)
    assert "Java 21 for Creo 12" in finding.message
    assert lint(tmp_path, date(2027, 1, 1))[0].code == "due-for-review"


def test_too_few_questions_and_long_answer(tmp_path: Path, write: Callable[..., Path]) -> None:
    data = article("alpha")
    data["questions"] = {"fi": ["Yksi kysymys?", "Toinen"], "en": data["questions"]["en"]}
    data["answer"] = {"fi": data["answer"]["fi"], "en": "word " * 250}
    write("alpha", data)
    findings = lint(tmp_path, WRITTEN)
    assert codes(findings) == {"too-few-questions": {"alpha"}, "long-answer": {"alpha"}}
    assert {f.message.split(":")[0] for f in findings} == {"fi", "en"}


def test_missing_directory_is_an_error(tmp_path: Path) -> None:
    [finding] = lint(tmp_path / "nowhere", WRITTEN)
    assert (finding.code, finding.severity) == ("no-directory", Severity.ERROR)


def test_online_mode_reports_broken_and_unreachable_links(
    tmp_path: Path, write: Callable[..., Path]
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "down.example.com":
            raise httpx.ConnectError("no route", request=request)
        return httpx.Response(404 if request.url.path == "/gone" else 200)

    sources = [
        {"title": "ok", "url": "https://support.ptc.com/"},
        {"title": "gone", "url": "https://support.ptc.com/gone"},
        {"title": "down", "url": "https://down.example.com/"},
    ]
    write("alpha", article("alpha", sources=sources))
    assert lint(tmp_path, WRITTEN) == []
    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        findings = lint(tmp_path, WRITTEN, online=True, client=client)
    by_code = {f.code: f for f in findings}
    assert set(by_code) == {"link-broken", "link-unreachable"}
    assert by_code["link-broken"].severity is Severity.ERROR
    assert "/gone" in by_code["link-broken"].message
    assert by_code["link-unreachable"].severity is Severity.WARNING


# -- the kb command ---------------------------------------------------------------------


@pytest.fixture
def cli() -> Callable[[list[str]], int]:
    from bot.cli import main

    return main


def test_export_is_one_json_object_with_every_article(
    cli: Callable[[list[str]], int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(["kb", "export", "--json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert sorted(a["id"] for a in exported["articles"]) == sorted(topics())
    first = exported["articles"][0]
    assert set(first) == {
        "id", "title", "answer", "questions", "products", "versions",
        "keywords", "sources", "owner", "reviewed", "review", "verify",
    }  # fmt: skip
    assert set(first["title"]) == set(first["questions"]) == {"fi", "en"}
    assert all(isinstance(q, str) for q in first["questions"]["fi"])
    assert set(first["sources"][0]) == {"title", "url"}
    assert date.fromisoformat(first["review"])


def test_show_unknown_id_fails_clearly(
    cli: Callable[[list[str]], int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(["kb", "show", "windchil-java"]) == 1
    err = capsys.readouterr().err
    assert "windchil-java" in err
    assert "windchill-java" in err  # the suggestion


def test_show_one_language(
    cli: Callable[[list[str]], int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(["kb", "show", "thingworx-java", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Java versions for ThingWorx" in out
    assert "ThingWorxin Java-versiot" not in out
    assert "https://www.ptc.com/en/support/release-advisor" in out


def test_list_marks_due_articles(
    cli: Callable[[list[str]], int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(["kb", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for topic, flagged in topics().items():
        [row] = [line for line in lines if line.startswith(f"{topic} ")]
        assert ("DUE" in row) is (flagged or date.today() >= date(2027, 5, 24))


def test_lint_command_exit_codes_and_json(
    cli: Callable[[list[str]], int],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    write: Callable[..., Path],
) -> None:
    assert cli(["kb", "lint", "--today", "2026-11-23"]) == 0
    assert "No problems found." in capsys.readouterr().out
    assert cli(["kb", "lint", "--today", "2026-11-24"]) == 0  # warnings only
    out = capsys.readouterr().out
    assert "Warnings (8):" in out and "Errors" not in out
    write("alpha", article("alpha", sources=[{"title": "x", "url": "http://support.ptc.com/"}]))
    assert cli(["kb", "lint", "--dir", str(tmp_path), "--today", "2026-11-24", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == 1
    assert report["findings"][0]["code"] == "link-not-https"


def test_commands_read_another_folder_with_dir(
    cli: Callable[[list[str]], int],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    write: Callable[..., Path],
) -> None:
    write("alpha", article("alpha"))
    assert cli(["kb", "list", "--dir", str(tmp_path)]) == 0
    assert "Lisenssipalvelimen asennus" in capsys.readouterr().out
    write("broken", "id: [")
    assert cli(["kb", "export", "--dir", str(tmp_path)]) == 1
    assert "broken.yaml" in capsys.readouterr().err


def test_the_eval_copies_match_the_team_files_when_they_are_beside_the_repository() -> None:
    """``eval/`` holds copies of the team's shared evaluation files, so that a clone
    alone (CI's) has them; where the originals sit beside the repository, they agree."""
    shared = EVAL.parents[1] / "shared"
    if not shared.is_dir():
        pytest.skip("the team's shared folder is not beside this clone")
    pairs = [(EVAL / "dev.jsonl", shared / "eval" / "dev.jsonl"),
             (EVAL / "README.md", shared / "eval" / "README.md"),
             (EVAL / "knowledge-topics.md", shared / "knowledge-topics.md")]
    for copy_, original in pairs:
        assert copy_.read_bytes() == original.read_bytes(), f"{copy_} differs from {original}"
