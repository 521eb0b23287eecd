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


def debian_tool(name: str, package: str) -> str:
    """The path of a Debian command, installed with apt-get when it is missing."""
    path = shutil.which(name)
    if path is None and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env)
        path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} (Debian package {package}) is needed and could not be installed")
    return path


@pytest.fixture(scope="session")
def ogrinfo() -> str:
    """Debian's ogrinfo (package gdal-bin)."""
    return debian_tool("ogrinfo", "gdal-bin")


@pytest.fixture(scope="session")
def pdftoppm() -> str:
    """Poppler's pdftoppm (package poppler-utils), to render PDF pages as a reader would."""
    return debian_tool("pdftoppm", "poppler-utils")
