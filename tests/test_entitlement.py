"""Entitlement (service description 1.6): the product catalogue, register files, the SQL
customer register on every backend, and ``supportbot customers``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.core.register import (
    ContractTerm,
    EntitlementReason,
    NamedContact,
    OrganisationRecord,
    ProductClass,
    ProductsFileError,
    RegisterConflictError,
    UnknownProductError,
)
from bot.service.entitlement import decide, load_products, parse_products
from bot.service.register import Register
from bot.service.register_file import SAMPLE_REGISTER, RegisterFileError, parse_register
from storage.db import Database
from storage.register import SqlRegisterStore

DATA = Path(__file__).parent / "data"
DOCS = Path(__file__).parent.parent / "docs" / "customers.md"
CATALOG = load_products()
TODAY = date(2026, 6, 15)
R = EntitlementReason


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = await Database.open(database_url)
    yield database
    await database.close()


@pytest.fixture
def customers(database: Database) -> Register:
    return Register(SqlRegisterStore(database), CATALOG)


@pytest.fixture
async def loaded(customers: Register) -> Register:
    await customers.store.import_records(parse_register(DATA / "customers-valid.yaml", CATALOG))
    return customers


# ------------------------------------------------------------------ catalogue


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("wc", "Windchill"),
        ("WINDCHILL", "Windchill"),
        ("mathcad prime", "Mathcad"),
        ("Creo  Parametric", "Creo"),
        ("creo+", "Creo+"),
        ("creo plus", "Creo+"),
        ("creo view", "Creo View"),
        ("twx", "ThingWorx"),
        ("solidworks", None),
    ],
)
def test_catalogue_knows_products_by_any_name(name: str, canonical: str | None) -> None:
    assert CATALOG.canonical(name) == canonical


def test_catalogue_classes_follow_the_service_description() -> None:
    for product in ("Creo", "Creo+", "Mathcad"):
        assert CATALOG.product_class(product) is ProductClass.DESKTOP
    for product in ("Windchill", "Arbortext", "ThingWorx", "Codebeamer"):
        assert CATALOG.product_class(product) is ProductClass.SYSTEM
    with pytest.raises(UnknownProductError):
        CATALOG.product_class("Excel")


def test_products_file_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "products.yaml"
    path.write_text("desktop:\n  Creo: [kreo]\nsystem:\n  Windchill: []\n", encoding="utf-8")
    monkeypatch.setenv("SUPPORTBOT_PRODUCTS_FILE", str(path))
    catalog = load_products()
    assert catalog.all() == ("Creo", "Windchill")
    assert catalog.canonical("KREO") == "Creo" and catalog.canonical("Mathcad") is None


def test_a_name_of_two_products_is_refused() -> None:
    with pytest.raises(ProductsFileError, match="'cv' is already a name of Creo"):
        parse_products("desktop:\n  Creo: [cv]\nsystem:\n  Creo View Adapters: [cv]\n")


# ------------------------------------------------------------------- decision


def test_the_contract_end_day_is_the_last_day_covered() -> None:
    organisation = OrganisationRecord("A Oy", ("a.example",), (ContractTerm("Creo", TODAY),))

    def on(day: date) -> EntitlementReason:
        return decide(
            organisation=organisation,
            email="x@a.example",
            product="Creo",
            product_class=ProductClass.DESKTOP,
            today=day,
        ).reason

    assert on(TODAY) is R.ENTITLED
    assert on(date(2026, 6, 16)) is R.CONTRACT_EXPIRED


# ---------------------------------------------------------- register, both DBs


@pytest.mark.parametrize(
    ("email", "product", "reason", "ends"),
    [
        # Desktop: any user of a maintained organisation.
        ("matti@testi.example", "Creo", R.ENTITLED, date(2026, 6, 30)),
        ("matti@testi.example", "Mathcad", R.NO_CONTRACT, None),
        ("matti@loppunut.example", "Mathcad", R.CONTRACT_EXPIRED, date(2026, 6, 14)),
        ("matti@tuntematon.example", "Creo", R.UNKNOWN_ORGANISATION, None),
        # System: only the named responsible persons.
        ("anna.admin@testi.example", "Windchill", R.ENTITLED, date(2026, 12, 31)),
        ("matti@testi.example", "Windchill", R.NOT_NAMED_CONTACT, date(2026, 12, 31)),
        ("anna.admin@testi.example", "ThingWorx", R.NO_CONTRACT, None),
        ("tw.admin@loppunut.example", "ThingWorx", R.CONTRACT_EXPIRED, date(2025, 12, 31)),
        ("anna.admin@tuntematon.example", "Windchill", R.UNKNOWN_ORGANISATION, None),
    ],
)
async def test_each_reason_for_desktop_and_system_products(
    loaded: Register,
    email: str,
    product: str,
    reason: EntitlementReason,
    ends: date | None,
) -> None:
    result = await loaded.check(email, product, TODAY)
    assert (result.reason, result.entitled, result.contract_ends) == (
        reason,
        reason is R.ENTITLED,
        ends,
    )
    assert result.product_class is CATALOG.product_class(product)
    known = reason is not R.UNKNOWN_ORGANISATION
    assert (result.organisation is not None, result.organisation_id is not None) == (known, known)


async def test_a_non_named_user_is_told_who_can_open_the_case(loaded: Register) -> None:
    result = await loaded.check("matti@testi.example", "wc", TODAY)
    assert result.reason is R.NOT_NAMED_CONTACT and result.product == "Windchill"
    assert result.as_json() == {
        "entitled": False,
        "reason": "not_named_contact",
        "product": "Windchill",
        "product_class": "system",
        "organisation": "Insinööritoimisto Testi Oy",
        "contract_ends": "2026-12-31",
        "named_contacts": [{"name": "Anna Admin", "email": "anna.admin@testi.example"}],
    }


async def test_the_end_day_is_inclusive_in_the_register(loaded: Register) -> None:
    on_last_day = await loaded.check("x@testi.example", "Creo", date(2026, 6, 30))
    day_after = await loaded.check("x@testi.example", "Creo", date(2026, 7, 1))
    assert (on_last_day.reason, day_after.reason) == (R.ENTITLED, R.CONTRACT_EXPIRED)


async def test_domains_match_in_any_case_but_not_unlisted_subdomains(
    loaded: Register,
) -> None:
    assert (await loaded.check("Matti@TESTI.Example", "Creo", TODAY)).entitled
    assert (await loaded.check("ANNA.ADMIN@testi.example", "Windchill", TODAY)).entitled
    assert (await loaded.check("matti@eng.testi.example", "Creo", TODAY)).entitled  # listed
    unlisted = await loaded.check("matti@cad.testi.example", "Creo", TODAY)
    assert unlisted.reason is R.UNKNOWN_ORGANISATION
    assert (await loaded.check("testi.example", "Creo", TODAY)).reason is R.UNKNOWN_ORGANISATION


async def test_an_unknown_product_is_an_error(loaded: Register) -> None:
    with pytest.raises(UnknownProductError):
        await loaded.check("matti@testi.example", "Excel", TODAY)


def test_yaml_and_csv_read_as_the_same_register() -> None:
    from_yaml = parse_register(DATA / "customers-valid.yaml", CATALOG)
    assert parse_register(DATA / "customers-valid.csv", CATALOG) == from_yaml
    assert from_yaml[0] == OrganisationRecord(
        name="Insinööritoimisto Testi Oy",
        domains=("testi.example", "eng.testi.example"),
        contracts=(
            ContractTerm("Creo", date(2026, 6, 30)),
            ContractTerm("Windchill", date(2026, 12, 31)),
        ),
        named_contacts=(NamedContact("Windchill", "anna.admin@testi.example", "Anna Admin"),),
    )


@pytest.mark.parametrize("name", ["customers-valid.yaml", "customers-valid.csv"])
async def test_a_valid_file_is_imported(customers: Register, name: str) -> None:
    assert await customers.store.is_empty()
    report = await customers.store.import_records(parse_register(DATA / name, CATALOG))
    assert report.created == ("Insinööritoimisto Testi Oy", "Loppunut Oy")
    assert (report.replaced, report.domains, report.contracts, report.named_contacts) == (
        (),
        3,
        4,
        2,
    )
    listed = {o.name: o for o in await customers.store.organisations()}
    assert listed["Loppunut Oy"].domains == ("loppunut.example",)
    assert listed["Loppunut Oy"].contracts == (
        ContractTerm("Mathcad", date(2026, 6, 14)),
        ContractTerm("ThingWorx", date(2025, 12, 31)),
    )
    assert listed["Insinööritoimisto Testi Oy"].named_contacts == 1
    assert not await customers.store.is_empty()


@pytest.mark.parametrize(
    ("name", "lines"),
    [
        ("customers-broken.yaml", [2, 4, 5, 6, 8, 10, 11, 12, 13, 13, 16]),
        ("customers-broken.csv", [3, 4, 5, 6, 7, 8, 9, 11]),
    ],
)
async def test_a_broken_file_reports_every_bad_line_and_imports_nothing(
    loaded: Register, name: str, lines: list[int]
) -> None:
    before = await loaded.store.organisations()
    with pytest.raises(RegisterFileError) as raised:
        await loaded.store.import_records(parse_register(DATA / name, CATALOG))
    assert [problem.line for problem in raised.value.problems] == lines
    assert all(f"{name}:{line}:" in str(raised.value) for line in lines)
    assert await loaded.store.organisations() == before


async def test_reimport_replaces_an_organisations_facts_and_leaves_others(
    loaded: Register,
) -> None:
    update = parse_register(DATA / "customers-update.yaml", CATALOG)
    report = await loaded.store.import_records(update)
    assert (report.created, report.replaced) == ((), ("Insinööritoimisto Testi Oy",))
    dropped = await loaded.check("matti@eng.testi.example", "Creo", TODAY)
    assert dropped.reason is R.UNKNOWN_ORGANISATION
    renewed = await loaded.check("matti@testi.example", "Creo", date(2027, 1, 1))
    assert renewed.entitled and renewed.contract_ends == date(2027, 6, 30)
    gone = await loaded.check("anna.admin@testi.example", "Windchill", TODAY)
    assert gone.reason is R.NO_CONTRACT
    untouched = await loaded.check("tw.admin@loppunut.example", "ThingWorx", date(2025, 12, 31))
    assert untouched.entitled
    assert len(await loaded.store.organisations()) == 2


async def test_a_domain_of_an_organisation_outside_the_file_is_not_taken(
    loaded: Register,
) -> None:
    before = await loaded.store.organisations()
    thief = OrganisationRecord("Uusi Oy", ("uusi.example", "loppunut.example"))
    with pytest.raises(
        RegisterConflictError, match=r"loppunut\.example of Uusi Oy already belongs"
    ):
        await loaded.store.import_records([thief])
    assert await loaded.store.organisations() == before


async def test_the_sample_loads_once_even_when_processes_race(database_url: str) -> None:
    databases = [await Database.open(database_url) for _ in range(3)]
    try:
        registers = [Register(SqlRegisterStore(d), CATALOG) for d in databases]
        loaded = await asyncio.gather(*(r.load_sample_if_empty() for r in registers))
        assert sorted(loaded) == [False, False, True]
        assert await registers[0].load_sample_if_empty() is False
        assert len(await registers[0].store.organisations()) == len(parse_register(SAMPLE_REGISTER))
    finally:
        for database in databases:
            await database.close()


# The emails docs/customers.md promises for each case of the sample register.
SAMPLE_CASES = [
    ("matti.meikalainen@konepaja.example", "Creo", R.ENTITLED),
    ("maija.paakayttaja@konepaja.example", "Windchill", R.ENTITLED),
    ("matti.meikalainen@konepaja.example", "Windchill", R.NOT_NAMED_CONTACT),
    ("matti.meikalainen@konepaja.example", "Mathcad", R.NO_CONTRACT),
    ("tiina.tekninen@tehdas-demo.example", "ThingWorx", R.ENTITLED),
    ("teppo.testaaja@tehdasdemo.test", "Mathcad", R.ENTITLED),
    ("veikko@vanhasopimus.example", "Creo", R.CONTRACT_EXPIRED),
    ("ville.vanha@vanhasopimus.example", "Arbortext", R.CONTRACT_EXPIRED),
    ("someone@tuntematon.example", "Creo", R.UNKNOWN_ORGANISATION),
]


async def test_the_sample_register_shows_every_case_the_docs_promise(
    customers: Register,
) -> None:
    assert await customers.load_sample_if_empty()
    docs = DOCS.read_text(encoding="utf-8")
    for email, product, reason in SAMPLE_CASES:
        assert (await customers.check(email, product, date(2026, 11, 25))).reason is reason
        assert email in docs
    assert {reason for _, _, reason in SAMPLE_CASES} == set(R)


# ------------------------------------------------------------------------ CLI


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    return path


def test_cli_import_list_and_check(cli_database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    assert main(["customers", "import", str(DATA / "customers-valid.csv")]) == 0
    out = capsys.readouterr().out
    assert "Imported 2 organisation(s)" in out and "Loppunut Oy (new)" in out

    assert main(["customers", "list", "--today", "2026-06-15"]) == 0
    rows = {line.split("  ")[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "Mathcad 2026-06-14 (expired)" in rows["Loppunut Oy"]
    assert "Creo 2026-06-30," in rows["Insinööritoimisto Testi Oy"]
    assert "(expired)" not in rows["Insinööritoimisto Testi Oy"]

    args = ["customers", "check", "matti@testi.example", "wc", "--json", "--today", "2026-06-15"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {
        "entitled", "reason", "product", "product_class", "organisation", "contract_ends",
        "named_contacts",
    }  # fmt: skip
    assert (result["entitled"], result["reason"], result["product"]) == (
        False, "not_named_contact", "Windchill",
    )  # fmt: skip
    assert result["named_contacts"] == [{"name": "Anna Admin", "email": "anna.admin@testi.example"}]

    assert main(["customers", "check", "matti@testi.example", "Creo", "--today", "2026-07-01"]) == 0
    assert "Not entitled" in (out := capsys.readouterr().out) and "contract_expired" in out


def test_cli_refuses_a_broken_file_whole(
    cli_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    assert main(["customers", "import", str(DATA / "customers-broken.csv")]) == 1
    err = capsys.readouterr().err
    for line in (3, 4, 5, 6, 7, 8, 9, 11):
        assert f"customers-broken.csv:{line}:" in err
    assert "Nothing was imported" in err
    assert main(["customers", "list"]) == 0
    assert "register is empty" in capsys.readouterr().out

    assert main(["customers", "check", "matti@testi.example", "Excel"]) == 2
    assert "unknown product 'Excel'" in capsys.readouterr().err
