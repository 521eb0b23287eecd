"""Record stores: a GeoPackage file by default, PostgreSQL/PostGIS for many users.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "programme.gpkg"
>>> store = create_store(path)
>>> store.counts()["strikes"]
0
"""

from __future__ import annotations

from pathlib import Path

from remnant.errors import InputError, StoreError
from remnant.store.backend import Backend
from remnant.store.geopackage import GeoPackageBackend
from remnant.store.postgis import PostGISBackend
from remnant.store.store import Store, WriteSummary, default_user
from remnant.translate import N_

__all__ = ["Store", "WriteSummary", "create_store", "default_user", "migrate_store", "open_store"]


def _backend(location: str | Path) -> Backend:
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        return PostGISBackend(text)
    if not text.lower().endswith(".gpkg"):
        raise InputError(
            N_("{text}: a store is a GeoPackage file ending in .gpkg or a postgresql:// URL"),
            text=text,
        )
    return GeoPackageBackend(text)


def create_store(location: str | Path, *, overwrite: bool = False) -> Store:
    """Create an empty store at ``location`` (a ``.gpkg`` path or a ``postgresql://`` URL).

    Raises
    ------
    StoreError
        If something is there already and ``overwrite`` is false.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "programme.gpkg"
    >>> create_store(path).counts()["strikes"]
    0
    >>> create_store(path)
    Traceback (most recent call last):
    remnant.errors.StoreError: ...programme.gpkg exists; pass overwrite=True to replace it
    """
    backend = _backend(location)
    if backend.exists():
        if not overwrite:
            raise StoreError(
                N_("{location} exists; pass {option} to replace it"),
                option="overwrite",
                location=location,
            )
        backend.remove()
    return Store(backend).create()


def open_store(location: str | Path) -> Store:
    """Open the store at ``location``, refusing one of another schema version.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "programme.gpkg"
    >>> _ = create_store(path)
    >>> open_store(path).backend.name
    'geopackage'
    """
    return _existing(location).check_version()


def migrate_store(location: str | Path, *, user: str | None = None) -> list[int]:
    """Apply the pending schema migrations to the store at ``location``."""
    return _existing(location).migrate(user=user)


def _existing(location: str | Path) -> Store:
    backend = _backend(location)
    if not backend.exists():
        raise StoreError(
            N_("{location} does not exist; create it first (create_store, remnant init)"),
            location=location,
        )
    return Store(backend)
