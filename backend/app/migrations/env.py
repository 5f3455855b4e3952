"""Alembic environment: migrations run on the connection handed in by app.db.migrate (which holds
the migration lock on it), or on a fresh engine from the settings when run via the alembic CLI."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from app.core.config import load_settings
from app.models import metadata

config = context.config


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(url=load_settings().database_url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
elif config.attributes.get("connection") is not None:
    run_on(config.attributes["connection"])
else:
    engine = create_engine(str(load_settings().database_url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        run_on(connection)
        connection.commit()
