"""Administrative units and places in the store: written whole per level, audited.

Records carry the codes of the units holding them (``admin1`` … ``admin3``), set by the
gate from :func:`admin_units` on every write (docs/admin-units.md).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely
import sqlalchemy as sa

from remnant.store import audit, schema
from remnant.store.schema import GEOMETRY_COLUMN

__all__ = ["add_places", "admin_units", "places", "set_admin_units"]


def set_admin_units(store, level: int, units: gpd.GeoDataFrame, *, source: str, user: str) -> int:
    """Replace the units of ``level`` with ``units`` (code, name, parent; EPSG:4326)."""
    t = schema.admin_units
    with store.transaction() as conn:
        conn.execute(t.delete().where(t.c.level == level))
        geoms = units.geometry.to_numpy()
        columns = {
            "level": [level] * len(units),
            "code": units["code"].tolist(),
            "name": units["name"].tolist(),
            "parent": units["parent"].tolist(),
            "source": [source] * len(units),
            GEOMETRY_COLUMN: store.backend.encode_geometries(geoms),
        }
        if len(units):
            store.backend.insert_rows(conn, t, columns, geoms)
        after = {"level": level, "units": len(units), "source": source}
        audit.append(
            conn,
            audit.now(),
            user,
            "admin_units",
            "import",
            [f"level {level}"],
            None,
            [orjson.dumps(after).decode()],
        )
        store.backend.touch(conn, t.name, tuple(units.total_bounds) if len(units) else None)
    return len(units)


def admin_units(store, conn=None) -> gpd.GeoDataFrame:
    """Every stored unit: level, code, name, parent, source and geometry (EPSG:4326)."""
    if conn is None:
        with store.backend.engine.connect() as mine:
            return admin_units(store, mine)
    t = schema.admin_units
    query = sa.select(t.c.level, t.c.code, t.c.name, t.c.parent, t.c.source, t.c.geom)
    rows = conn.execute(query.order_by(t.c.level, t.c.code)).all()
    return _frame(store, rows, ["level", "code", "name", "parent", "source"])


def add_places(store, frame: gpd.GeoDataFrame, *, user: str) -> int:
    """Add places (name, names, kind, population, source; points in EPSG:4326)."""
    t = schema.places
    geoms = frame.geometry.to_numpy()
    population = frame["population"].astype("Int64")
    columns = {
        "name": frame["name"].tolist(),
        "names": frame["names"].tolist(),
        "kind": frame["kind"].tolist(),
        "population": [None if pd.isna(v) else int(v) for v in population],
        "source": frame["source"].tolist(),
        GEOMETRY_COLUMN: store.backend.encode_geometries(geoms),
    }
    with store.transaction() as conn:
        if len(frame):
            store.backend.insert_rows(conn, t, columns, geoms)
        sources = sorted({str(s) for s in frame["source"]})
        after = orjson.dumps({"places": len(frame), "sources": sources}).decode()
        audit.append(conn, audit.now(), user, "places", "import", ["places"], None, [after])
        store.backend.touch(conn, t.name, tuple(frame.total_bounds) if len(frame) else None)
    return len(frame)


def places(store) -> gpd.GeoDataFrame:
    """Every place in the gazetteer."""
    t = schema.places
    query = sa.select(t.c.name, t.c.names, t.c.kind, t.c.population, t.c.source, t.c.geom)
    with store.backend.engine.connect() as conn:
        rows = conn.execute(query.order_by(t.c.fid)).all()
    return _frame(store, rows, ["name", "names", "kind", "population", "source"])


def _frame(store, rows, names: list[str]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame.from_records([tuple(r) for r in rows], columns=[*names, "geom"])
    geoms = store.backend.decode_geometries(frame.pop("geom").to_numpy())
    geoms = np.array([g if g is not None else shapely.Point() for g in geoms], dtype=object)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=4326).values, crs=4326)
