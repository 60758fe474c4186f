"""The customer register on SQLAlchemy: organisations, their domains, contracts and
named contacts. Who is entitled is decided in :mod:`bot.service.entitlement`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.register import (
    ContractTerm,
    ImportReport,
    NamedContact,
    OrganisationRecord,
    OrganisationSummary,
    RegisterConflictError,
)
from storage.db import Database
from storage.locks import advisory_key
from storage.tables import ContractRow, NamedContactRow, OrganisationDomainRow, OrganisationRow

_REGISTER_LOCK = advisory_key("customer-register")


class SqlRegisterStore:
    """The customer register's facts in the database; the decisions are the service's
    (:mod:`bot.service.entitlement`)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def organisation_for(
        self, domain: str, product: str
    ) -> tuple[int, OrganisationRecord] | None:
        """The organisation listing ``domain`` exactly, with only its contracts and named
        contacts for the canonical ``product``; None when no organisation lists it."""
        async with self.database.sessions() as session:
            organisation = (
                await session.execute(
                    select(OrganisationRow)
                    .join(OrganisationDomainRow)
                    .where(OrganisationDomainRow.domain == domain)
                )
            ).scalar_one_or_none()
            if organisation is None or organisation.id is None:
                return None
            return organisation.id, await _record(session, organisation, product)

    async def import_records(self, records: Sequence[OrganisationRecord]) -> ImportReport:
        """Write ``records`` (as :func:`bot.register_file.parse_register` returns them) in one
        transaction: each organisation's domains, contracts and named contacts are replaced
        by the record's; organisations not in ``records`` stay as they are. Raises
        RegisterConflictError, writing nothing, if a domain belongs to another organisation."""
        async with self.database.sessions() as session, session.begin():
            await _lock_register(session)
            return await _import(session, records)

    async def organisations(self) -> list[OrganisationSummary]:
        """Every organisation by name, with its domains, contracts and named-contact count."""
        async with self.database.sessions() as session:
            rows = (await session.execute(select(OrganisationRow))).scalars().all()
            domains: dict[int, list[str]] = defaultdict(list)
            for domain in (await session.execute(select(OrganisationDomainRow))).scalars():
                domains[domain.organisation_id].append(domain.domain)
            contracts: dict[int, list[ContractTerm]] = defaultdict(list)
            for contract in (await session.execute(select(ContractRow))).scalars():
                term = ContractTerm(contract.product, contract.ends_on)
                contracts[contract.organisation_id].append(term)
            per_organisation = select(NamedContactRow.organisation_id, func.count()).group_by(
                NamedContactRow.organisation_id
            )
            counts = {
                owner: count for owner, count in (await session.execute(per_organisation)).all()
            }
        summaries = []
        for row in sorted(rows, key=lambda r: r.name.casefold()):
            assert row.id is not None
            summaries.append(
                OrganisationSummary(
                    id=row.id,
                    name=row.name,
                    domains=tuple(sorted(domains[row.id])),
                    contracts=tuple(sorted(contracts[row.id], key=lambda t: t.product)),
                    named_contacts=int(counts.get(row.id, 0)),
                )
            )
        return summaries

    async def is_empty(self) -> bool:
        """True when the register has no organisations."""
        async with self.database.sessions() as session:
            return await _is_empty(session)

    async def import_if_empty(self, records: Sequence[OrganisationRecord]) -> bool:
        """Import ``records`` if the register is empty; True if it did. Safe when several
        bot processes start at once: only one of them imports."""
        async with self.database.sessions() as session, session.begin():
            await _lock_register(session)
            if not await _is_empty(session):
                return False
            await _import(session, records)
            return True


async def _lock_register(session: AsyncSession) -> None:
    """Serialise writers of the register until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _REGISTER_LOCK})
    else:
        # SQLite: write first, so the transaction holds the write lock before it reads;
        # a read-then-write transaction would fail if another writer came in between.
        await session.execute(
            update(OrganisationRow).where(OrganisationRow.id < 0).values(name=OrganisationRow.name)
        )


async def _is_empty(session: AsyncSession) -> bool:
    return (await session.execute(select(OrganisationRow.id).limit(1))).first() is None


async def _record(
    session: AsyncSession, organisation: OrganisationRow, product: str
) -> OrganisationRecord:
    """The organisation with only its contracts and named contacts for ``product``."""
    contracts = (
        await session.execute(
            select(ContractRow).where(
                ContractRow.organisation_id == organisation.id, ContractRow.product == product
            )
        )
    ).scalars()
    contacts = (
        await session.execute(
            select(NamedContactRow)
            .where(
                NamedContactRow.organisation_id == organisation.id,
                NamedContactRow.product == product,
            )
            .order_by(NamedContactRow.id)
        )
    ).scalars()
    return OrganisationRecord(
        name=organisation.name,
        domains=(),
        contracts=tuple(ContractTerm(c.product, c.ends_on) for c in contracts),
        named_contacts=tuple(NamedContact(c.product, c.email, c.name) for c in contacts),
    )


async def _import(session: AsyncSession, records: Sequence[OrganisationRecord]) -> ImportReport:
    names = [record.name for record in records]
    wanted = {domain: record.name for record in records for domain in record.domains}
    held = await session.execute(
        select(OrganisationDomainRow.domain, OrganisationRow.name)
        .join(OrganisationRow)
        .where(OrganisationDomainRow.domain.in_(wanted), OrganisationRow.name.not_in(names))
    )
    conflicts = [
        f"domain {domain} of {wanted[domain]} already belongs to {owner}, which the file "
        "does not list; list both organisations in the file to move it"
        for domain, owner in held.all()
    ]
    if conflicts:
        raise RegisterConflictError(sorted(conflicts))
    existing = {
        row.name: row
        for row in (
            await session.execute(select(OrganisationRow).where(OrganisationRow.name.in_(names)))
        ).scalars()
    }
    ids = [row.id for row in existing.values()]
    # Every old fact goes before any new one is written, so a domain can move between
    # two organisations of the same file without tripping its unique key.
    for table in (OrganisationDomainRow, ContractRow, NamedContactRow):
        await session.execute(delete(table).where(table.organisation_id.in_(ids)))
    replaced = tuple(name for name in names if name in existing)
    now = datetime.now(UTC)
    for record in records:
        if record.name not in existing:
            existing[record.name] = OrganisationRow(name=record.name, created_at=now)
            session.add(existing[record.name])
    await session.flush()
    for record in records:
        owner = existing[record.name].id
        assert owner is not None
        session.add_all(
            OrganisationDomainRow(organisation_id=owner, domain=d) for d in record.domains
        )
        session.add_all(
            ContractRow(organisation_id=owner, product=c.product, ends_on=c.ends)
            for c in record.contracts
        )
        session.add_all(
            NamedContactRow(organisation_id=owner, product=c.product, email=c.email, name=c.name)
            for c in record.named_contacts
        )
    await session.flush()
    return ImportReport(
        created=tuple(name for name in names if name not in replaced),
        replaced=replaced,
        domains=sum(len(r.domains) for r in records),
        contracts=sum(len(r.contracts) for r in records),
        named_contacts=sum(len(r.named_contacts) for r in records),
    )
