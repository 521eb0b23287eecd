"""The contract between :class:`~remnant.store.Store` and a database: what a backend does.

The store holds every rule; a backend only knows how its database does a few things
(locks, spatial metadata, geometry encoding, triggers). :class:`GeoPackageBackend` and
:class:`PostGISBackend` both satisfy this Protocol, and mypy checks that they do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import sqlalchemy as sa

if TYPE_CHECKING:
    import numpy as np


__all__ = ["Backend"]


class Backend(Protocol):
    """A database a store can live in."""

    name: str  # "geopackage" or "postgis"
    location: str  # what open_store takes to open it again
    busy_timeout: float  # seconds to wait for another writer
    engine: sa.Engine

    def exists(self) -> bool:
        """Whether the location holds a remnant store."""
        ...

    def remove(self) -> None:
        """Remove remnant's tables (``init --overwrite``)."""
        ...

    def begin_write(self, conn: sa.Connection) -> None:
        """Start a write transaction holding the store's write lock."""
        ...

    def translate(self, exc: Exception) -> Exception:
        """The remnant error for a database error (busy, conflict, refused)."""
        ...

    def create_spatial_metadata(self, conn: sa.Connection) -> None:
        """The database's own spatial catalogue (gpkg_* tables, the PostGIS extension)."""
        ...

    def register_table(self, conn: sa.Connection, table: sa.Table) -> None:
        """Make a new table known to GIS clients (spatial index, geometry column)."""
        ...

    def describe_fields(self, conn: sa.Connection, table: sa.Table) -> None:
        """Tell GIS clients a record table's enumerations and ranges (field domains)."""
        ...

    def style_layers(self, conn: sa.Connection) -> None:
        """Give the spatial layers their QGIS styles as defaults, where the database keeps them."""
        ...

    def hide_table(self, conn: sa.Connection, table: sa.Table) -> None:
        """Stop offering ``table`` to GIS clients as a layer (tables remnant keeps to itself)."""
        ...

    def insert_rows(
        self, conn: sa.Connection, table: sa.Table, columns: dict[str, list], geometries=None
    ) -> None:
        """Insert rows given as columns, geometries encoded for this database."""
        ...

    def finish_write(self, conn: sa.Connection) -> None:
        """Complete what :meth:`insert_rows` left for the end of the write (indexes)."""
        ...

    def protect_audit(self, conn: sa.Connection, table: str) -> None:
        """Triggers that refuse any UPDATE or DELETE of the audit log."""
        ...

    def watch_edits(self, conn: sa.Connection, table: sa.Table) -> None:
        """Triggers that audit edits made outside remnant (a GIS, SQL) as 'external'."""
        ...

    def unwatch_edits(self, conn: sa.Connection, table: str) -> None:
        """Remove ``table``'s edit triggers (a migration that changes columns makes them anew)."""
        ...

    def drop_column(self, conn: sa.Connection, table: str, column: str) -> None:
        """Remove ``column`` from ``table`` and from what GIS clients are told of it."""
        ...

    def mark_writer(self, conn: sa.Connection, on: bool) -> None:
        """Tell the edit triggers that remnant itself is writing in this transaction."""
        ...

    def expected_triggers(self, tables) -> dict[str, str]:
        """The triggers a sound store holds, by name, with their definitions."""
        ...

    def present_triggers(self, conn: sa.Connection) -> dict[str, str]:
        """The triggers the database holds, by name, with their definitions."""
        ...

    def touch(self, conn: sa.Connection, table: str, bounds=None) -> None:
        """Record that ``table`` changed (and its new extent, where the database keeps one)."""
        ...

    def extent(self, conn: sa.Connection, table: str) -> tuple[float, float, float, float] | None:
        """A lon/lat box holding every geometry of ``table`` (from metadata where kept)."""
        ...

    def bbox_filter(self, table: sa.Table, bbox) -> sa.ColumnElement:
        """A WHERE clause for the rows whose geometry meets ``bbox`` (lon/lat)."""
        ...

    @staticmethod
    def encode_geometries(geoms: np.ndarray) -> list[bytes | None]:
        """Geometries in the database's own binary form."""
        ...

    @staticmethod
    def decode_geometries(blobs) -> np.ndarray:
        """Shapely geometries from the database's binary form."""
        ...
