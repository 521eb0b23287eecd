"""The multi-user backend: PostgreSQL with PostGIS, for programmes with many editors.

The schema is the same SQLAlchemy definition as the GeoPackage's (:mod:`remnant.store.schema`),
rendered with PostGIS geometry columns in EPSG:4326 and a GiST index on each. What is
particular to PostgreSQL lives here: the extension, the indexes, the append-only audit
trigger, WKB through ``ST_GeomFromWKB`` / ``ST_AsBinary``, a pooled engine for the web
server, and an advisory lock that makes writers take turns (each write reads the ids it is
about to change, so two writers must not interleave; readers never wait).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader as lazy
import sqlalchemy as sa

from remnant.errors import StoreBusyError, StoreError
from remnant.store.schema import GEOMETRY_COLUMN, SRID, meta, metadata
from remnant.store.sql import insert_rows
from remnant.translate import N_

if TYPE_CHECKING:
    import numpy as np
    import shapely
else:  # loaded on first use: `remnant info` and `--help` start without them
    np = lazy.load("numpy")
    shapely = lazy.load("shapely")


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
            raise StoreError(
                N_("cannot connect to {store}: {exc}"), store=self, exc=_first_line(exc)
            ) from None

    def remove(self) -> None:
        """Drop remnant's tables (used by ``init --overwrite``); other tables stay."""
        with self.engine.begin() as conn:
            metadata.drop_all(conn)
            conn.exec_driver_sql("DROP FUNCTION IF EXISTS audit_append_only() CASCADE")
            conn.exec_driver_sql("DROP FUNCTION IF EXISTS remnant_external_audit() CASCADE")

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
                N_(
                    "store is busy: another writer held {store} for more than {busy_timeout:g} s; "
                    "try again when it has finished"
                ),
                store=self,
                busy_timeout=self.busy_timeout,
            )
        return StoreError(N_("{store}: {text}"), store=self, text=text)

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

    def describe_fields(self, conn: sa.Connection, table: sa.Table) -> None:
        """Nothing: PostGIS has no field domains GIS clients read (the gate holds the rules)."""

    def style_layers(self, conn: sa.Connection) -> None:
        """Nothing yet: QGIS keeps PostgreSQL styles in public.layer_styles, not made here."""

    def hide_table(self, conn: sa.Connection, table: sa.Table) -> None:
        """Nothing: a PostgreSQL role's grants decide which tables a GIS client sees."""

    def insert_rows(self, conn, table: sa.Table, columns: dict[str, list], geometries=None):
        """Insert rows in one ``executemany`` (geometries arrive as WKB in ``columns``)."""
        insert_rows(conn, table, columns)

    def protect_audit(self, conn: sa.Connection, table: str) -> None:
        """Make ``table`` append-only: updates and deletes raise."""
        conn.exec_driver_sql(
            f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $${_APPEND_ONLY_BODY.format(table=table)}$$"
        )
        conn.exec_driver_sql(
            f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
        )

    def watch_edits(self, conn: sa.Connection, table: sa.Table) -> None:
        """Audit edits of ``table`` made outside remnant (psql, QGIS, GDAL) as ``external``."""
        conn.exec_driver_sql(_EXTERNAL_FUNCTION)
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table.name}_external ON {table.name}")
        conn.exec_driver_sql(_external_trigger(table.name))

    def unwatch_edits(self, conn: sa.Connection, table: str) -> None:
        """Drop ``table``'s edit trigger."""
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_external ON {table}")

    def drop_column(self, conn: sa.Connection, table: str, column: str) -> None:
        """Drop ``column`` (the edit trigger reads whole rows, so it needs no change)."""
        conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")

    def mark_writer(self, conn: sa.Connection, on: bool) -> None:
        """Say, for this transaction only, that remnant itself is writing."""
        if on:
            conn.exec_driver_sql("SET LOCAL remnant.writer = 'on'")

    def expected_triggers(self, tables) -> dict[str, str]:
        """Every trigger the store's integrity rests on, by name, with its function's body."""
        out = {"audit_no_change": _APPEND_ONLY_BODY.format(table="audit")}
        for table in tables:
            out[f"{table.name}_external"] = _EXTERNAL_BODY
        return out

    def present_triggers(self, conn: sa.Connection) -> dict[str, str]:
        """The triggers in the database, by name, with their function's body."""
        rows = conn.exec_driver_sql(
            "SELECT t.tgname, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE NOT t.tgisinternal"
        )
        return dict(rows.all())

    def finish_write(self, conn: sa.Connection) -> None:
        """Nothing to finish: PostGIS indexes each row as it is inserted."""

    def touch(self, conn: sa.Connection, table: str, bounds=None) -> None:
        """Nothing to record: PostgreSQL keeps no layer extents of its own."""

    def extent(self, conn: sa.Connection, table: str) -> tuple[float, float, float, float] | None:
        """The geometries' box from PostGIS's ST_Extent (their envelopes, aggregated)."""
        row = conn.exec_driver_sql(
            f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            f"(SELECT ST_Extent({GEOMETRY_COLUMN}) AS e FROM {table}) AS x"
        ).first()
        if row is None or None in row:
            return None
        minx, miny, maxx, maxy = map(float, row)
        return minx, miny, maxx, maxy

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


_APPEND_ONLY_BODY = " BEGIN RAISE EXCEPTION '{table} is append-only'; END "
_EXTERNAL_BODY = """
BEGIN
  IF current_setting('remnant.writer', true) IS DISTINCT FROM 'on' THEN
    INSERT INTO audit (at, "user", entity, record_id, action, before, after) VALUES (
      to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'external', TG_TABLE_NAME,
      CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END, lower(TG_OP),
      CASE WHEN TG_OP = 'INSERT' THEN NULL
           ELSE (to_jsonb(OLD) - 'fid' - 'version')::text END,
      CASE WHEN TG_OP = 'DELETE' THEN NULL
           ELSE (to_jsonb(NEW) - 'fid' - 'version')::text END);
  END IF;
  RETURN NULL;
END
"""
_EXTERNAL_FUNCTION = (
    "CREATE OR REPLACE FUNCTION remnant_external_audit() RETURNS trigger LANGUAGE plpgsql "
    f"AS $${_EXTERNAL_BODY}$$"
)


def _external_trigger(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_external AFTER INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION remnant_external_audit()"
    )


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0]
