"""Serve the staff console, or manage its first account.

    python -m console                                   # serve on CONSOLE_HOST:CONSOLE_PORT
    python -m console create-admin USERNAME [--name "Full Name"] [--password-stdin]

``create-admin`` asks for the password twice (or reads one line from standard input with
``--password-stdin``, for scripts); it is how the first admin is made, since there is no default
account. In a deployment, CONSOLE_ADMIN_USERNAME and CONSOLE_ADMIN_PASSWORD (from a secret
store) make the first admin when the console starts and no admin exists yet; they are
ignored once one does.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from typing import List, Optional

from clinic.db import Database
from clinic.env import SettingError, env_str
from clinic.errors import ClinicDatabaseError, ClinicError, InvalidInput
from clinic.staff_accounts import count_admins, create_account
from clinic.tracker_store import TrackerStoreError


def _create_admin(database_url: str, username: str, name: str, password: str) -> int:
    db = Database(database_url)
    try:
        user = create_account(db, username, name or username, "admin", password)
    except InvalidInput as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    except ClinicDatabaseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(f"Admin account {user.username!r} created. Sign in to the staff console with it.")
    return 0


def create_admin_command(argv: List[str]) -> int:
    from console.settings import ConsoleSettings

    parser = argparse.ArgumentParser(prog="python -m console create-admin", description="Create an admin account.")
    parser.add_argument("username")
    parser.add_argument("--name", default="", help="the person's name as the console shows it")
    parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password (at least 12 characters): ")
        if getpass.getpass("Password again: ") != password:
            print("error: the two passwords are not the same", file=sys.stderr)
            return 1
    try:
        database_url = ConsoleSettings.from_env().database_url
    except (SettingError, TrackerStoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return _create_admin(database_url, args.username, args.name, password)


def first_admin_from_env(database_url: str) -> None:
    """CONSOLE_ADMIN_USERNAME / CONSOLE_ADMIN_PASSWORD: the first admin, if none exists yet."""
    username, password = env_str("CONSOLE_ADMIN_USERNAME"), env_str("CONSOLE_ADMIN_PASSWORD")
    if not (username and password):
        return
    db = Database(database_url)
    try:
        if count_admins(db) == 0:
            user = create_account(db, username, username, "admin", password)
            logging.getLogger(__name__).warning(
                "Created the first admin account %r from the environment", user.username
            )
    finally:
        db.dispose()


def serve() -> int:
    from console.app import create_app
    from console.settings import ConsoleSettings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = ConsoleSettings.from_env()
        first_admin_from_env(settings.database_url)
        app = create_app(settings)
    except (SettingError, TrackerStoreError, ClinicError) as error:
        print(f"error: {getattr(error, 'message', error)}", file=sys.stderr)
        return 1
    app.run(host=settings.host, port=settings.port, workers=settings.workers, access_log=False, motd=False)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "create-admin":
        return create_admin_command(argv[1:])
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    return serve()


if __name__ == "__main__":
    sys.exit(main())
