"""Fixtures of the intake tests: a database per backend for each module (setting one up is
the slow part), emptied of uploads before and after every test."""

from __future__ import annotations

import pytest

from tests.intake.support import BACKENDS, module_database, wipe


@pytest.fixture(scope="module", params=BACKENDS)
def database(request, tmp_path_factory):
    yield from module_database(request, tmp_path_factory)


@pytest.fixture
def engine(database):
    """A database with the reference data and no uploads yet, on each backend."""
    wipe(database)
    yield database
    wipe(database)
