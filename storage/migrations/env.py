"""Alembic environment: runs on the connection the bot hands over (see storage.db)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import storage.tables  # registers the tables on the metadata
import storage.web  # noqa: F401  (and the web console's)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through storage.db.Database.migrate()")


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    # SQLite's migration lock (storage.db) is not part of the schema.
    return not (type_ == "table" and name == "migration_lock")


context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
