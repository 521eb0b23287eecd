"""The multi-user backend: PostgreSQL with PostGIS, for programmes with many editors.

The schema is the same SQLAlchemy definition as the GeoPackage's (:mod:`remnant.store.schema`),
rendered with PostGIS geometry columns in EPSG:4326 and a GiST index on each. What is
particular to PostgreSQL lives here: the extension, the indexes, the append-only audit
trigger, WKB through ``ST_GeomFromWKB`` / ``ST_AsBinary``, a pooled engine for the web
server, and an advisory lock that makes writers take turns (each write reads the ids it is
about to change, so two writers must not interleave; readers never wait).
"""

from __future__ import annotations

import numpy as np
import shapely
import sqlalchemy as sa

from remnant.errors import StoreBusyError, StoreError
from remnant.store.schema import GEOMETRY_COLUMN, SRID, meta, metadata
from remnant.store.sql import insert_rows

__all__ = ["PostGISBackend"]

WRITE_LOCK = 0x72656D6E  # "remn": the advisory lock every write holds until it commits


class PostGISBackend:
    """Store records in the PostgreSQL database at ``url`` (``postgresql://…``)."""

    name = "postgis"

    def __init__(self, url: str, *, busy_timeout: float = 30.0, pool_size: int = 5):
        self.url = url
        self.location = url  # what open_store takes
        self.busy_timeout = busy_timeout
        driver = url.replace("postgresql://", "postgresql+psycopg://", 1).replace(
            "postgres://", "postgresql+psycopg://", 1
        )
        self.engine = sa.create_engine(
            driver, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
        )

    def __str__(self) -> str:
        return sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def exists(self) -> bool:
        """Whether the database holds a remnant store."""
        try:
            with self.engine.connect() as conn:
                return sa.inspect(conn).has_table(meta.name)
        except sa.exc.OperationalError as exc:
            raise StoreError(f"cannot connect to {self}: {_first_line(exc)}") from None

    def remove(self) -> None:
        """Drop remnant's tables (used by ``init --overwrite``); other tables stay."""
        with self.engine.begin() as conn:
            metadata.drop_all(conn)

    def begin_write(self, conn: sa.Connection) -> None:
        """Take the store's write lock, waiting up to the busy timeout for other writers."""
        try:
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(self.busy_timeout * 1000)}ms'")
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
        except sa.exc.DBAPIError as exc:
            raise self.translate(exc) from None

    def translate(self, exc: Exception) -> Exception:
        """Turn a driver error into the store error a user can act on."""
        text = _first_line(exc)
        if "lock timeout" in text or "canceling statement due to lock" in text:
            return StoreBusyError(
                f"store is busy: another writer held {self} for more than "
                f"{self.busy_timeout:g} s; try again when it has finished"
            )
        return StoreError(f"{self}: {text}")

    def create_spatial_metadata(self, conn: sa.Connection) -> None:
        """Enable PostGIS in the database."""
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")

    def register_table(self, conn: sa.Connection, table: sa.Table) -> None:
        """Give a spatial table its GiST index."""
        if GEOMETRY_COLUMN in table.c:
            conn.exec_driver_sql(
                f"CREATE INDEX {table.name}_{GEOMETRY_COLUMN}_gist ON {table.name} "
                f"USING GIST ({GEOMETRY_COLUMN})"
            )

    def insert_rows(self, conn, table: sa.Table, columns: dict[str, list], geometries=None):
        """Insert rows in one ``executemany`` (geometries arrive as WKB in ``columns``)."""
        insert_rows(conn, table, columns)

    def protect_audit(self, conn: sa.Connection, table: str) -> None:
        """Make ``table`` append-only: updates and deletes raise."""
        conn.exec_driver_sql(
            f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{table} is append-only'; END $$"
        )
        conn.exec_driver_sql(
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )

    def touch(self, conn: sa.Connection, table: str, bounds=None) -> None:
        """Nothing to record: PostgreSQL keeps no layer extents of its own."""

    def bbox_filter(self, table: sa.Table, bbox) -> sa.ColumnElement:
        """A WHERE clause keeping rows whose envelope meets ``bbox`` (via the GiST index)."""
        minx, miny, maxx, maxy = (float(v) for v in bbox)
        envelope = sa.func.ST_MakeEnvelope(minx, miny, maxx, maxy, SRID)
        return table.c[GEOMETRY_COLUMN].op("&&")(envelope)

    @staticmethod
    def encode_geometries(geoms: np.ndarray) -> list[bytes | None]:
        """Shapely geometries to WKB (PostGIS reads it with ``ST_GeomFromWKB``)."""
        return list(shapely.to_wkb(np.asarray(geoms, dtype=object)))

    @staticmethod
    def decode_geometries(blobs) -> np.ndarray:
        """WKB from ``ST_AsBinary`` to shapely geometries (None stays None)."""
        return shapely.from_wkb(
            np.array([None if b is None else bytes(b) for b in blobs], dtype=object)
        )


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0]
