"""Copy a whole store between backends (GeoPackage ⇄ PostGIS), verified.

Every table of the schema is copied row for row in one write transaction on the target —
records with their versions, the catalogue, the derived tables and the audit log as it
was (its entries keep their times and users) — and then read back: each table's row
count and a SHA-256 over its rows (values in canonical form, geometries as normalised
WKB) must match the source's, or the copy is refused and the target left without it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import numpy as np
import shapely
import sqlalchemy as sa

from remnant.errors import StoreError
from remnant.store import schema
from remnant.store.schema import GEOMETRY_COLUMN
from remnant.translate import N_

__all__ = ["CopiedTable", "copy_tables", "table_digest"]


@dataclass(frozen=True)
class CopiedTable:
    """One table copied: its rows and their digest (equal on both sides)."""

    name: str
    rows: int
    sha256: str


def _tables() -> list[sa.Table]:
    return [t for t in schema.metadata.sorted_tables if t is not schema.meta]


def _rows(store, table: sa.Table, conn=None) -> tuple[list[str], list[tuple], np.ndarray | None]:
    """Every row of ``table`` in insertion order, without ``fid``; geometries decoded.

    ``conn``: read through this connection (to see a transaction's own writes).
    """
    names = [c.name for c in table.c if c.name != "fid"]
    query = sa.select(*(table.c[n] for n in names)).order_by(table.c.fid)
    if conn is None:
        with store.backend.engine.connect() as own:
            rows = own.execute(query).all()
    else:
        rows = conn.execute(query).all()
    geometries = None
    if GEOMETRY_COLUMN in names:
        i = names.index(GEOMETRY_COLUMN)
        geometries = store.backend.decode_geometries([r[i] for r in rows])
    return names, rows, geometries


def _canonical(value) -> str:
    if value is None:
        return "∅"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def table_digest(store, table: sa.Table, conn=None) -> tuple[int, str]:
    """Row count and SHA-256 of a table's rows (in insertion order, canonical form)."""
    names, rows, geometries = _rows(store, table, conn)
    digest = hashlib.sha256()
    g = names.index(GEOMETRY_COLUMN) if geometries is not None else -1
    wkb = (
        shapely.to_wkb(shapely.normalize(geometries), hex=True) if geometries is not None else None
    )
    for k, row in enumerate(rows):
        values = [
            (wkb[k] or "∅") if wkb is not None and i == g else _canonical(v)
            for i, v in enumerate(row)
        ]
        digest.update("\x1f".join(values).encode("utf-8"))
        digest.update(b"\x1e")
    return len(rows), digest.hexdigest()


def copy_tables(source, target) -> list[CopiedTable]:
    """Copy every table of ``source`` into the empty store ``target`` and verify it."""
    if any(target.counts().values()):
        raise StoreError(
            N_("{backend} is not empty; copy into a new store"), backend=target.backend
        )
    if source.schema_version() != target.schema_version():
        raise StoreError(
            N_(
                "{source} is at schema version {source_version} and {target} at {target_version}; "
                "migrate first"
            ),
            source=source.backend,
            source_version=source.schema_version(),
            target=target.backend,
            target_version=target.schema_version(),
        )
    copied = []
    with target.transaction() as conn:
        for table in _tables():
            names, rows, geometries = _rows(source, table)
            if rows:
                columns = {n: [r[i] for r in rows] for i, n in enumerate(names)}
                bounds = None
                if geometries is not None:
                    columns[GEOMETRY_COLUMN] = target.backend.encode_geometries(geometries)
                    bounds = shapely.total_bounds(geometries)
                    bounds = None if np.isnan(bounds).any() else bounds
                target.backend.insert_rows(conn, table, columns, geometries)
                target.backend.touch(conn, table.name, bounds)
            # Verified before the commit: an unfaithful copy leaves the target empty.
            want, got = table_digest(source, table), table_digest(target, table, conn)
            if want != got:
                raise StoreError(
                    N_(
                        "{name}: copied {rows} rows with digest {digest}…, but the source has "
                        "{source_rows} "
                        "with {source_digest}…; nothing was copied"
                    ),
                    name=table.name,
                    rows=got[0],
                    digest=got[1][:12],
                    source_rows=want[0],
                    source_digest=want[1][:12],
                )
            copied.append(CopiedTable(table.name, *want))
    return copied
