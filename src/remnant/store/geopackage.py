"""The embedded backend: one GeoPackage file that QGIS and GDAL open as it is.

What is particular to GeoPackage lives here: the core metadata tables of the OGC
GeoPackage 1.3 standard, the R-tree spatial index with the triggers the standard defines
(and the ``ST_*`` functions those triggers call, registered on every connection), the
GeoPackage geometry blob, and SQLite's locking (``BEGIN IMMEDIATE`` with a busy timeout,
so writers from several processes take turns and a waiting one gets a clear error).
"""

from __future__ import annotations

import sqlite3
import struct
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, cast

import lazy_loader as lazy
import sqlalchemy as sa

from remnant import labels
from remnant.entities import ENTITIES
from remnant.errors import StoreBusyError, StoreError
from remnant.store.schema import GEOMETRY_COLUMN, SRID, Geometry
from remnant.store.sql import insert_rows
from remnant.translate import N_

if TYPE_CHECKING:
    import numpy as np
    import pyproj
    import shapely

    from remnant.store import rtree
else:  # loaded on first use: `remnant info` and `--help` start without them
    np = lazy.load("numpy")
    pyproj = lazy.load("pyproj")
    shapely = lazy.load("shapely")
    rtree = lazy.load("remnant.store.rtree", suppress_warning=True)


__all__ = ["GeoPackageBackend"]

_APPLICATION_ID = 0x47504B47  # "GPKG"
_USER_VERSION = 10300  # GeoPackage 1.3: what Debian's GDAL 3.6 reads without a warning
_HEADER = struct.Struct("<2sBBi")  # magic, version, flags, srs_id
_ENVELOPE = struct.Struct("<4d")  # minx, maxx, miny, maxy
_XY = struct.Struct("<2d")
# Build the spatial index in bulk rather than row by row when a write adds at least this
# many rows and at least a quarter of what the index holds (bulk cost ∝ the whole index).
BULK_INDEX_MIN_ROWS = 1_000
_PENDING = "remnant_unindexed"  # in a connection's info: rows a write indexes when it ends
_WKB_POINT_LE = b"\x01\x01\x00\x00\x00"
_ENVELOPE_SIZES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


class GeoPackageBackend:
    """Store records in a GeoPackage file at ``path``."""

    name = "geopackage"

    def __init__(self, path: str | Path, *, busy_timeout: float = 30.0):
        self.path = Path(path)
        self.location = str(self.path)  # what open_store takes
        self.busy_timeout = busy_timeout
        self.engine = sa.create_engine(
            f"sqlite:///{self.path}",
            connect_args={"timeout": busy_timeout},
            poolclass=sa.pool.NullPool,
        )
        sa.event.listen(self.engine, "connect", _on_connect)

    def __str__(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        """Whether the file is there."""
        return self.path.exists()

    def remove(self) -> None:
        """Delete the file (used by ``init --overwrite``)."""
        self.path.unlink(missing_ok=True)

    def begin_write(self, conn: sa.Connection) -> None:
        """Take the write lock now, waiting up to the busy timeout for other writers."""
        conn.info.pop(_PENDING, None)  # nothing is left over from a write rolled back
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except sa.exc.OperationalError as exc:
            raise self.translate(exc) from None

    def translate(self, exc: Exception) -> Exception:
        """Turn a driver error into the store error a user can act on."""
        text = str(getattr(exc, "orig", exc))
        if "locked" in text or "busy" in text:
            return StoreBusyError(
                N_(
                    "store is busy: another process held {path} for more than {busy_timeout:g} s; "
                    "try again when it has finished"
                ),
                path=self.path,
                busy_timeout=self.busy_timeout,
            )
        return StoreError(N_("{path}: {text}"), path=self.path, text=text)

    def create_spatial_metadata(self, conn: sa.Connection) -> None:
        """Make the file a GeoPackage and register every table and its spatial index."""
        conn.exec_driver_sql(f"PRAGMA application_id = {_APPLICATION_ID}")
        conn.exec_driver_sql(f"PRAGMA user_version = {_USER_VERSION}")
        for statement in _CORE_TABLES:
            conn.exec_driver_sql(statement)
        wkt = pyproj.CRS.from_epsg(SRID).to_wkt("WKT1_GDAL")
        conn.exec_driver_sql(
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
            [
                ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian"),
                ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic"),
                ("WGS 84 geodetic", SRID, "EPSG", SRID, wkt, "longitude/latitude, WGS 84"),
            ],
        )

    def register_table(self, conn: sa.Connection, table: sa.Table) -> None:
        """List ``table`` in gpkg_contents; give a spatial one its R-tree and triggers."""
        spatial = GEOMETRY_COLUMN in table.c
        conn.exec_driver_sql(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
            "srs_id) VALUES (?, ?, ?, ?, ?)",
            (
                table.name,
                "features" if spatial else "attributes",
                table.name,
                table.comment or "",
                SRID if spatial else None,
            ),
        )
        if not spatial:
            return
        kind = cast(Geometry, table.c[GEOMETRY_COLUMN].type).geometry_type
        conn.exec_driver_sql(
            "INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)",
            (table.name, GEOMETRY_COLUMN, kind, SRID),
        )
        conn.exec_driver_sql(
            "INSERT INTO gpkg_extensions VALUES (?, ?, 'gpkg_rtree_index', "
            "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
            (table.name, GEOMETRY_COLUMN),
        )
        index = f"rtree_{table.name}_{GEOMETRY_COLUMN}"
        conn.exec_driver_sql(
            f"CREATE VIRTUAL TABLE {index} USING rtree(id, minx, maxx, miny, maxy)"
        )
        for statement in _rtree_triggers(table.name, GEOMETRY_COLUMN, "fid").values():
            conn.exec_driver_sql(statement)

    def describe_fields(self, conn: sa.Connection, table: sa.Table) -> None:
        """Field domains for ``table``'s enumerations and ranges (GeoPackage schema extension).

        Each field with a choice list gets a coded domain (the values, labelled in English
        from :mod:`remnant.labels`), each field with bounds a range domain, named
        ``TABLE_FIELD``; QGIS shows them as drop-downs and GDAL lists them. Every field's
        English title and meaning go in ``gpkg_data_columns``. Made anew when called again.
        """
        ent = ENTITIES[table.name]
        for statement in _SCHEMA_EXTENSION:
            conn.exec_driver_sql(statement)
        known = labels.load()
        titles = known["en"].get("fields", {}).get(table.name, {})
        for f in ent.fields:
            domain = f"{table.name}_{f.name}" if f.choices or _bounded(f) else None
            conn.exec_driver_sql(
                "INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, name, "
                "title, description, constraint_name) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    table.name,
                    f.name,
                    f.name,
                    titles.get(f.name, labels.words(f.name)),
                    f.doc,
                    domain,
                ),
            )
            if domain is None:
                continue
            conn.exec_driver_sql(
                "DELETE FROM gpkg_data_column_constraints WHERE constraint_name = ?", (domain,)
            )
            rows: list[tuple]
            if f.choices:
                rows = [
                    (
                        domain,
                        "enum",
                        v,
                        None,
                        None,
                        None,
                        None,
                        labels.label(known, "choices", f.name, v),
                    )
                    for v in f.choices
                ]
            else:
                low, high = f.minimum, f.maximum
                rows = [
                    (
                        domain,
                        "range",
                        None,
                        low,
                        None if low is None else 1,
                        high,
                        None if high is None else 1,
                        f.unit or None,
                    )
                ]
            conn.exec_driver_sql(
                "INSERT INTO gpkg_data_column_constraints VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows
            )

    def style_layers(self, conn: sa.Connection) -> None:
        """Give each spatial layer its QGIS style (``remnant/styles/*.qml``) as its default.

        Written to ``layer_styles``, the table QGIS itself keeps styles in a GeoPackage
        with, registered as QGIS registers it; made anew when called again.
        """
        conn.exec_driver_sql(_LAYER_STYLES)
        if not conn.exec_driver_sql(
            "SELECT 1 FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).first():
            conn.exec_driver_sql(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
                "VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles')"
            )
        styles = resources.files("remnant").joinpath("styles")
        for qml in sorted((p for p in styles.iterdir() if p.name.endswith(".qml")), key=str):
            layer = qml.name.removesuffix(".qml")
            conn.exec_driver_sql(
                "DELETE FROM layer_styles WHERE f_table_name = ? AND styleName = ?",
                (layer, _STYLE_NAME),
            )
            conn.exec_driver_sql(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '')",
                (layer, GEOMETRY_COLUMN, _STYLE_NAME, qml.read_text("utf-8"), "remnant default"),
            )

    def hide_table(self, conn: sa.Connection, table: sa.Table) -> None:
        """Take ``table`` out of gpkg_contents: GDAL and QGIS no longer list it as a layer."""
        conn.exec_driver_sql("DELETE FROM gpkg_contents WHERE table_name = ?", (table.name,))

    def insert_rows(self, conn, table: sa.Table, columns: dict[str, list], geometries=None):
        """Insert rows; a large write to a spatial table is indexed in bulk when it ends.

        For such a write the index's insert trigger and the trigger auditing outside edits
        (remnant audits this write itself) are dropped, and :meth:`finish_write` indexes
        every part of the write at once and makes them again, all inside the caller's
        transaction, so no reader or other writer ever sees them missing.
        """
        n = len(next(iter(columns.values())))
        pending = conn.info.setdefault(_PENDING, {})
        if geometries is None or (n < BULK_INDEX_MIN_ROWS and table.name not in pending):
            insert_rows(conn, table, columns)
            return
        if table.name not in pending:  # the first large part of this write
            index = f"rtree_{table.name}_{GEOMETRY_COLUMN}"
            present = self.present_triggers(conn)
            for name in (f"{index}_insert", f"{table.name}_external_insert"):
                if name in present:
                    conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
            pending[table.name] = ([], [], present)
        last = conn.exec_driver_sql(f'SELECT coalesce(max(fid), 0) FROM "{table.name}"').scalar()
        insert_rows(conn, table, columns)
        low, high, count = conn.exec_driver_sql(
            f'SELECT min(fid), max(fid), count(*) FROM "{table.name}" WHERE fid > ?', (last,)
        ).one()
        if count != n or high - low + 1 != n:
            raise StoreError(
                N_("{name}: expected {n} new rows in a run, found {count}"),
                name=table.name,
                n=n,
                count=count,
            )
        bounds = shapely.bounds(np.asarray(geometries, dtype=object))
        indexed = ~np.isnan(bounds[:, 0])
        b = bounds[indexed]
        pending[table.name][0].append(np.arange(low, high + 1, dtype=np.int64)[indexed])
        pending[table.name][1].append(rtree.float32_boxes(b[:, 0], b[:, 2], b[:, 1], b[:, 3]))

    def finish_write(self, conn: sa.Connection) -> None:
        """Index the large parts of this write and make their triggers again.

        A write of at least a quarter of what an index holds rebuilds it packed; a smaller
        one adds its boxes to it, never reading what it holds.
        """
        pending = conn.info.pop(_PENDING, {})
        for name in list(pending):
            fids, boxes, present = pending.pop(name)
            index = f"rtree_{name}_{GEOMETRY_COLUMN}"
            ids, new = np.concatenate(fids), np.concatenate(boxes)
            del fids, boxes  # the parts' arrays: the index is built from one copy of each
            if len(ids):  # a row updated since its insert is indexed already, as it is now
                since = conn.exec_driver_sql(
                    f'SELECT rowid FROM "{index}_rowid" WHERE rowid >= ?', (int(ids.min()),)
                ).scalars()
                fresh = ~np.isin(ids, np.fromiter(since, np.int64))
                ids, new = ids[fresh], new[fresh]
            held = conn.exec_driver_sql(f'SELECT count(*) FROM "{index}"').scalar_one()
            if 4 * len(ids) < held:
                rtree.add(conn, index, ids, new)
            else:
                if held:
                    old_ids, old_boxes = rtree.entries(conn, index)
                    ids, new = np.concatenate([old_ids, ids]), np.concatenate([old_boxes, new])
                    del old_ids, old_boxes
                rtree.rebuild(conn, index, ids, new)
            for trigger in (f"{index}_insert", f"{name}_external_insert"):
                if trigger in present:
                    conn.exec_driver_sql(present[trigger])

    def protect_audit(self, conn: sa.Connection, table: str) -> None:
        """Make ``table`` append-only: updates and deletes abort."""
        for action in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(_audit_guard(table, action))

    def watch_edits(self, conn: sa.Connection, table: sa.Table) -> None:
        """Audit edits of ``table`` made outside remnant (QGIS, GDAL, sqlite3) as ``external``."""
        conn.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {WRITER} (marker INTEGER)")
        for name, statement in _external_triggers(table).items():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")  # a migration makes it anew
            conn.exec_driver_sql(statement)

    def unwatch_edits(self, conn: sa.Connection, table: str) -> None:
        """Drop ``table``'s three edit triggers (SQLite compiles them against its columns)."""
        for action in ("insert", "update", "delete"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_external_{action}")

    def drop_column(self, conn: sa.Connection, table: str, column: str) -> None:
        """Drop ``column`` and its row in ``gpkg_data_columns`` (its edit triggers first)."""
        self.unwatch_edits(conn, table)
        if conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = 'gpkg_data_columns'"
        ).first():
            conn.exec_driver_sql(
                "DELETE FROM gpkg_data_columns WHERE table_name = ? AND column_name = ?",
                (table, column),
            )
        conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")

    def mark_writer(self, conn: sa.Connection, on: bool) -> None:
        """Say, inside the transaction only, that remnant itself is writing (or no longer)."""
        if conn.exec_driver_sql(f"SELECT 1 FROM sqlite_master WHERE name = '{WRITER}'").first():
            conn.exec_driver_sql(
                f"INSERT INTO {WRITER} VALUES (1)" if on else f"DELETE FROM {WRITER}"
            )

    def expected_triggers(self, tables) -> dict[str, str]:
        """Every trigger the store's integrity rests on, by name, as it must read."""
        out = {f"audit_no_{a.lower()}": _audit_guard("audit", a) for a in ("UPDATE", "DELETE")}
        for table in tables:
            out |= _external_triggers(table)
        return out

    def present_triggers(self, conn: sa.Connection) -> dict[str, str]:
        """The triggers in the file, by name."""
        rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        return dict(rows.all())

    def touch(self, conn: sa.Connection, table: str, bounds=None) -> None:
        """Record a change of ``table`` in gpkg_contents (last_change, extent)."""
        conn.exec_driver_sql(
            "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
            "WHERE table_name = ?",
            (table,),
        )
        if bounds is not None:
            conn.exec_driver_sql(
                "UPDATE gpkg_contents SET "
                "min_x = min(coalesce(min_x, ?1), ?1), min_y = min(coalesce(min_y, ?2), ?2), "
                "max_x = max(coalesce(max_x, ?3), ?3), max_y = max(coalesce(max_y, ?4), ?4) "
                "WHERE table_name = ?5",
                (*map(float, bounds), table),
            )

    def extent(self, conn: sa.Connection, table: str) -> tuple[float, float, float, float] | None:
        """The layer's extent as gpkg_contents keeps it.

        It grows with every write, so it holds every geometry; after deletes it may be
        larger than they need.
        """
        row = conn.exec_driver_sql(
            "SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?", (table,)
        ).first()
        if row is None or None in row:
            return None
        minx, miny, maxx, maxy = map(float, row)
        return minx, miny, maxx, maxy

    def bbox_filter(self, table: sa.Table, bbox) -> sa.ColumnElement:
        """A WHERE clause keeping rows whose envelope meets ``bbox`` (via the R-tree)."""
        minx, miny, maxx, maxy = bbox
        rtree = sa.table(
            f"rtree_{table.name}_{GEOMETRY_COLUMN}",
            sa.column("id"),
            sa.column("minx"),
            sa.column("maxx"),
            sa.column("miny"),
            sa.column("maxy"),
        )
        hits = sa.select(rtree.c.id).where(
            rtree.c.minx <= maxx, rtree.c.maxx >= minx, rtree.c.miny <= maxy, rtree.c.maxy >= miny
        )
        return table.c.fid.in_(hits)

    @staticmethod
    def encode_geometries(geoms: np.ndarray) -> list[bytes | None]:
        """Shapely geometries to GeoPackage blobs (points without, others with envelope)."""
        geoms = np.asarray(geoms, dtype=object)
        wkb = shapely.to_wkb(geoms, byte_order=1)
        bounds = shapely.bounds(geoms)
        points = shapely.get_type_id(geoms) == shapely.GeometryType.POINT
        point_header = _HEADER.pack(b"GP", 0, 0b1, SRID)
        box_header = _HEADER.pack(b"GP", 0, 0b11, SRID)
        return [
            None
            if w is None
            else point_header + w
            if p
            else box_header + _ENVELOPE.pack(b[0], b[2], b[1], b[3]) + w
            for w, p, b in zip(wkb, points, bounds, strict=True)
        ]

    @staticmethod
    def decode_geometries(blobs) -> np.ndarray:
        """GeoPackage blobs to shapely geometries (None stays None)."""
        wkb = [None if b is None else bytes(b[_blob_header_size(b) :]) for b in blobs]
        return shapely.from_wkb(np.array(wkb, dtype=object))


WRITER = "remnant_writer"  # holds a row only inside remnant's own write transactions


def _audit_guard(table: str, action: str) -> str:
    return (
        f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
    )


def _external_triggers(table: sa.Table) -> dict[str, str]:
    """Triggers writing an ``external`` audit entry for each change made outside remnant."""
    names = [c.name for c in table.c if c.name not in ("fid", "version", GEOMETRY_COLUMN)]

    def row(which: str) -> str:
        pairs = [f"'{n}', {which}.{n}" for n in names]
        if GEOMETRY_COLUMN in table.c:
            pairs.append(f"'geometry_blob', hex({which}.{GEOMETRY_COLUMN})")
        return f"json_object({', '.join(pairs)})"

    out = {}
    for action, id_of, before, after in (
        ("insert", "NEW", "NULL", row("NEW")),
        ("update", "NEW", row("OLD"), row("NEW")),
        ("delete", "OLD", row("OLD"), "NULL"),
    ):
        name = f"{table.name}_external_{action}"
        out[name] = (
            f"CREATE TRIGGER {name} AFTER {action.upper()} ON {table.name} "
            f"WHEN NOT EXISTS (SELECT 1 FROM {WRITER}) BEGIN "
            "INSERT INTO audit (at, user, entity, record_id, action, before, after) VALUES ("
            "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'external', "
            f"'{table.name}', {id_of}.id, '{action}', {before}, {after}); END"
        )
    return out


def _blob_header_size(blob: bytes) -> int:
    if blob[:2] != b"GP":
        raise StoreError(N_("a geometry is not a GeoPackage blob (magic bytes missing)"))
    return 8 + _ENVELOPE_SIZES[(blob[3] >> 1) & 0b111]


def _on_connect(dbapi_connection: sqlite3.Connection, _record) -> None:
    # Transactions are begun explicitly (BEGIN IMMEDIATE for writes), not by the driver.
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA foreign_keys = ON")
    dbapi_connection.execute("PRAGMA journal_mode = DELETE")
    dbapi_connection.execute("PRAGMA synchronous = FULL")
    dbapi_connection.execute("PRAGMA cache_size = -65536")  # 64 MiB for large imports' indexes
    for name, fn in _SQL_FUNCTIONS.items():
        dbapi_connection.create_function(name, 1, fn, deterministic=True)


def _envelope(blob):
    """(minx, maxx, miny, maxy) of a blob, or None for NULL or empty geometries.

    Called by the R-tree triggers four times per written row, so the common cases (an
    envelope in the header; a little-endian 2D point) are read without parsing the WKB.
    """
    if blob is None or blob[3] & 0b10000:
        return None
    if (blob[3] >> 1) & 0b111:
        return _ENVELOPE.unpack_from(blob, 8)
    if blob[8:13] == _WKB_POINT_LE:
        x, y = _XY.unpack_from(blob, 13)
        return None if x != x else (x, x, y, y)  # an empty point is NaN, NaN
    geom = shapely.from_wkb(bytes(blob[8:]))
    if geom.is_empty:
        return None
    minx, miny, maxx, maxy = geom.bounds
    return minx, maxx, miny, maxy


def _component(i):
    def fn(blob):
        env = _envelope(blob)
        return None if env is None else env[i]

    return fn


_SQL_FUNCTIONS = {
    "ST_MinX": _component(0),
    "ST_MaxX": _component(1),
    "ST_MinY": _component(2),
    "ST_MaxY": _component(3),
    "ST_IsEmpty": lambda blob: None if blob is None else int(_envelope(blob) is None),
}


def _bounded(f) -> bool:
    return f.kind in ("integer", "real") and (f.minimum is not None or f.maximum is not None)


# The GeoPackage schema extension's two tables (GeoPackage 1.3, tables 11 and 12) and
# their registration in gpkg_extensions.
_SCHEMA_EXTENSION = (
    """CREATE TABLE IF NOT EXISTS gpkg_data_columns (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT,
        description TEXT, mime_type TEXT, constraint_name TEXT,
        CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
        CONSTRAINT fk_gdc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name))""",
    """CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (
        constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, value TEXT,
        min NUMERIC, min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN,
        description TEXT,
        CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value))""",
    """INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope)
        SELECT t, NULL, 'gpkg_schema', 'http://www.geopackage.org/spec/#extension_schema',
        'read-write' FROM (SELECT 'gpkg_data_columns' AS t
                           UNION ALL SELECT 'gpkg_data_column_constraints')
        WHERE t NOT IN (SELECT table_name FROM gpkg_extensions
                        WHERE extension_name = 'gpkg_schema' AND table_name IS NOT NULL)""",
)

# QGIS's table of layer styles in a GeoPackage, as QGIS makes it.
_LAYER_STYLES = """CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, f_table_catalog TEXT(256),
    f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256),
    styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN,
    description TEXT, owner TEXT(30), ui TEXT(30),
    update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))"""
_STYLE_NAME = "remnant"

_CORE_TABLES = (
    """CREATE TABLE gpkg_spatial_ref_sys (
        srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
        description TEXT)""",
    """CREATE TABLE gpkg_contents (
        table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
        identifier TEXT UNIQUE, description TEXT DEFAULT '',
        last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
        CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE gpkg_geometry_columns (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL,
        geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,
        z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
        CONSTRAINT uk_gc_table_name UNIQUE (table_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))""",
    """CREATE TABLE gpkg_extensions (
        table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
        definition TEXT NOT NULL, scope TEXT NOT NULL,
        CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))""",
)


def _rtree_triggers(t: str, c: str, i: str) -> dict[str, str]:
    """The R-tree's triggers, by name, as the GeoPackage standard words them."""
    r = f"rtree_{t}_{c}"
    box = f"NEW.{i}, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c})"
    has = f"(NEW.{c} NOT NULL AND NOT ST_IsEmpty(NEW.{c}))"
    hasnt = f"(NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c}))"
    bodies = {
        "insert": f"AFTER INSERT ON {t} WHEN {has} "
        f"BEGIN INSERT OR REPLACE INTO {r} VALUES ({box}); END",
        "update1": f"AFTER UPDATE OF {c} ON {t} WHEN OLD.{i} = NEW.{i} AND {has} "
        f"BEGIN INSERT OR REPLACE INTO {r} VALUES ({box}); END",
        "update2": f"AFTER UPDATE OF {c} ON {t} WHEN OLD.{i} = NEW.{i} AND {hasnt} "
        f"BEGIN DELETE FROM {r} WHERE id = OLD.{i}; END",
        "update3": f"AFTER UPDATE ON {t} WHEN OLD.{i} != NEW.{i} AND {has} "
        f"BEGIN DELETE FROM {r} WHERE id = OLD.{i}; "
        f"INSERT OR REPLACE INTO {r} VALUES ({box}); END",
        "update4": f"AFTER UPDATE ON {t} WHEN OLD.{i} != NEW.{i} AND {hasnt} "
        f"BEGIN DELETE FROM {r} WHERE id IN (OLD.{i}, NEW.{i}); END",
        "delete": f"AFTER DELETE ON {t} WHEN OLD.{c} NOT NULL "
        f"BEGIN DELETE FROM {r} WHERE id = OLD.{i}; END",
    }
    return {f"{r}_{k}": f"CREATE TRIGGER {r}_{k} {v}" for k, v in bodies.items()}
