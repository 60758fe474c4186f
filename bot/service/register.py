"""The customer register as the service uses it: the store's facts, the service's rules."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from bot.core.ports import RegisterStore
from bot.core.register import Entitlement, ProductCatalog, UnknownProductError, email_domain
from bot.service.entitlement import decide
from bot.service.register_file import SAMPLE_REGISTER, parse_register


class Register:
    """The customer register as the hand-over uses it (a ``CustomerRegister``)."""

    def __init__(self, store: RegisterStore, catalog: ProductCatalog) -> None:
        self.store = store
        self.catalog = catalog

    async def check(self, email: str, product: str, today: date) -> Entitlement:
        """The entitlement of ``email`` for ``product`` on ``today``. The organisation is the
        one listing the email's domain exactly (any case; a subdomain only if listed).
        Raises UnknownProductError for a product the catalogue does not know."""
        canonical = self.catalog.canonical(product)
        if canonical is None:
            known = ", ".join(self.catalog.all())
            raise UnknownProductError(f"unknown product {product!r}; known products: {known}")
        found = await self.store.organisation_for(email_domain(email), canonical)
        return decide(
            organisation=None if found is None else found[1],
            organisation_id=None if found is None else found[0],
            email=email.strip(),
            product=canonical,
            product_class=self.catalog.product_class(canonical),
            today=today,
        )

    async def load_sample_if_empty(self, path: Path = SAMPLE_REGISTER) -> bool:
        """Import the fictitious sample register if the register is empty; True if it did."""
        records = await asyncio.to_thread(parse_register, path, self.catalog)
        return await self.store.import_if_empty(records)
