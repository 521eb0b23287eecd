"""Shared fixtures: real stores in tmp_path, small record factories, GDAL's command line."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from remnant.store import create_store


@pytest.fixture
def store(tmp_path):
    """An empty GeoPackage store."""
    return create_store(tmp_path / "store.gpkg")


@pytest.fixture(scope="session")
def ogrinfo() -> str:
    """Debian's ogrinfo, installed with apt-get (package gdal-bin) when it is missing."""
    path = shutil.which("ogrinfo")
    if path is None and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "gdal-bin"], check=True, env=env)
        path = shutil.which("ogrinfo")
    if path is None:
        pytest.fail("ogrinfo (Debian package gdal-bin) is needed and could not be installed")
    return path
