"""Shared fixtures: real stores in tmp_path, small record factories, GDAL's command line."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from helpers import PostgresCluster
from programme import programme_records
from remnant.store import create_store

# The tests read remnant's English; a developer's locale must not change that (tests of
# other languages ask for theirs).
os.environ["REMNANT_LANG"] = "en"

# Run by Debian's Python (PyQGIS), not collected: see test_store.py.
collect_ignore = ["pyqgis_check.py"]


@pytest.fixture
def store(tmp_path):
    """An empty GeoPackage store."""
    return create_store(tmp_path / "store.gpkg")


@pytest.fixture
def programme(store):
    """A GeoPackage store holding a small programme's records (tests/programme.py)."""
    return programme_records(store)


@pytest.fixture(params=["geopackage", "postgis"])
def any_store(request, tmp_path):
    """An empty store of each backend: the same tests run on both."""
    if request.param == "geopackage":
        return create_store(tmp_path / "store.gpkg")
    return create_store(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="session")
def postgres():
    """The session's PostgreSQL cluster, stopped and removed at the end.

    Its folder is made outside pytest's (private to root) so Debian's postgres user, as
    which the server runs when the tests run as root, can reach it.
    """
    folder = Path(tempfile.mkdtemp(prefix="remnant-pg-"))
    cluster = PostgresCluster(folder)
    yield cluster
    cluster.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(postgres):
    """A fresh, empty database on the session's cluster; dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    postgres.admin(f"CREATE DATABASE {name}")
    yield f"{postgres.url}/{name}"
    postgres.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def debian_tool(name: str, package: str) -> str:
    """The path of a Debian command that `bash scripts/setup.sh --test` installs."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} (Debian package {package}) is needed: bash scripts/setup.sh --test")
    return path


@pytest.fixture(scope="session")
def ogrinfo() -> str:
    """Debian's ogrinfo (package gdal-bin)."""
    return debian_tool("ogrinfo", "gdal-bin")


@pytest.fixture(scope="session")
def pdftoppm() -> str:
    """Poppler's pdftoppm (package poppler-utils), to render PDF pages as a reader would."""
    return debian_tool("pdftoppm", "poppler-utils")
