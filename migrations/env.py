"""Alembic environment of the clinic database.

The database comes from ``config.attributes["database_url"]`` (set by ``clinic.migrate``) or
else from ``DATABASE_URL`` / the default SQLite file, through ``clinic.db`` so that migrations
run with the same engine settings as the application. On PostgreSQL a transaction-scoped
advisory lock makes concurrent upgrades (several replicas starting at once) run one at a time.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from clinic.db import Database, database_url
from clinic.schema import include_object, metadata

MIGRATION_LOCK_KEY = 7_305_771_001  # any constant shared by every process that migrates this schema

config = context.config
if config.config_file_name is not None and not config.attributes.get("skip_logging_config"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def run_migrations_offline() -> None:
    context.configure(
        url=config.attributes.get("database_url") or database_url(),
        target_metadata=metadata,
        include_object=include_object,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    database = Database(config.attributes.get("database_url") or database_url())
    try:
        with database.engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                include_object=include_object,  # the per-backend full-text tables are the migrations' alone
                render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies the table
                compare_type=True,
            )
            with context.begin_transaction():
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
                context.run_migrations()
    finally:
        database.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
