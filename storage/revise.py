"""Write a new migration from the tables: ``python -m storage.revise "what changed"``.

Compares the tables with a scratch SQLite database at the newest migration and
writes the difference under ``storage/migrations/versions``. Read and edit the
result before committing it (autogenerate cannot see renames).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

from storage.db import MIGRATIONS


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{Path(scratch) / 'scratch.db'}")
        with engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            heads = len(list((MIGRATIONS / "versions").glob("*.py"))) - 1
            script = command.revision(
                config, message=message, autogenerate=True, rev_id=f"{heads + 1:04d}"
            )
    # Migrations must not import the app: spell our column type as what it stores.
    for revision in script if isinstance(script, list) else [script]:
        if revision is not None:
            path = Path(revision.path)
            path.write_text(
                path.read_text().replace(
                    "storage.types.UTCDateTime(timezone=True)", "sa.DateTime(timezone=True)"
                )
            )


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or "schema change")
