"""Fixtures for the scaled topology's tests (issue #11): Redis and PostgreSQL instances of the
tests' own (ops.backing_services), started from the machine's Debian binaries on spare ports.

Without a binary the tests that need it are skipped on a developer's machine with the command
that installs it; under CI (the variable CI set) they fail instead, so a CI run can never pass
without having run them.
"""

from __future__ import annotations

import os

import pytest

from ops.backing_services import MissingTool, PostgresInstance, RedisInstance


def missing(what: str) -> None:
    """Skip (fail under CI) because ``what`` is not installed."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI must run every test)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def redis_instance(tmp_path_factory):
    """A Redis of the tests' own; tests that stop it must start it again."""
    try:
        instance = RedisInstance(log_dir=tmp_path_factory.mktemp("redis"))
    except MissingTool as error:
        missing(str(error))
    with instance:
        yield instance


@pytest.fixture(scope="session")
def postgres_instance():
    """A PostgreSQL cluster of the tests' own; tests that stop it must start it again."""
    try:
        instance = PostgresInstance()
    except MissingTool as error:
        missing(str(error))
    with instance:
        yield instance
