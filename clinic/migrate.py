"""Create or upgrade the clinic database schema: ``python -m clinic.migrate`` (run by ``make setup``).

Idempotent: a database already at the newest revision is left as it is. Uses ``DATABASE_URL``
or the default SQLite file ``var/clinic.db`` (its folder is created when missing).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from clinic.db import Database, database_url, safe_url, translate_error
from clinic.errors import ClinicDatabaseError

ROOT = Path(__file__).resolve().parent.parent
ALEMBIC_INI = ROOT / "alembic.ini"
MIGRATIONS = ROOT / "migrations"

logger = logging.getLogger(__name__)


def alembic_config(url: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["database_url"] = url
    config.attributes["skip_logging_config"] = True
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(url: Optional[str] = None) -> Optional[str]:
    """The revision the database is at (None for an empty database)."""
    database = Database(url or database_url())
    try:
        with database.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as error:
        raise translate_error(error) from error
    finally:
        database.dispose()


def upgrade(url: Optional[str] = None, revision: str = "head") -> str:
    """Bring the database to ``revision``; return the revision it is at afterwards."""
    url = url or database_url()
    try:
        command.upgrade(alembic_config(url), revision)
    except SQLAlchemyError as error:
        raise translate_error(error) from error
    return current_revision(url) or ""


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m clinic.migrate", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="database URL (default: DATABASE_URL or var/clinic.db)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    url = args.url or database_url()
    safe = safe_url(url)
    try:
        before = current_revision(url)
        after = upgrade(url)
    except ClinicDatabaseError as error:
        print(f"error: cannot migrate the clinic database at {safe}: {error}", file=sys.stderr)
        return 1
    change = "already up to date" if before == after else f"upgraded from {before or 'empty'}"
    print(f"clinic database at {safe}: revision {after} ({change})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
