"""Administrative units: which unit of each level holds a record.

A programme's boundaries (provinces, districts, communes: OCHA's common operational
datasets, COD-AB, or its own) are stored per level with their codes (P-codes) and names
(``remnant admin import``). Every record with a geometry carries the code of the unit
holding it at each level (``admin1``, ``admin2``, ``admin3``), set by the gate on every
write, so that statistics and reports can count by province and district.

The rule, one for every door (docs/admin-units.md): a point belongs to the unit that
covers it; a point on a border shared by two units belongs to the one whose code sorts
first; a polygon belongs to the unit holding the largest part of it (area measured in an
equal-area projection), unless more of it lies outside every unit than in that one; a
record outside every unit of a level has none there.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from remnant.errors import InputError
from remnant.translate import N_

__all__ = ["LEVELS", "read_layer", "read_units", "unit_of"]

LEVELS = (1, 2, 3)  # province/oblast, district/raion, commune/hromada


def unit_of(geometries, units: gpd.GeoDataFrame) -> np.ndarray:
    """The code of the unit holding each geometry (object array, None where none does).

    ``geometries`` are shapely geometries in EPSG:4326 (None or empty: no unit);
    ``units`` one level's units: ``code`` and polygon ``geometry`` in EPSG:4326.

    Examples
    --------
    >>> west, east = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    >>> units = gpd.GeoDataFrame({"code": ["UA02", "UA01"]}, geometry=[west, east], crs=4326)
    >>> unit_of([shapely.Point(0.5, 0.5), shapely.Point(1, 0.5), shapely.Point(5, 5)], units)
    array(['UA02', 'UA01', None], dtype=object)
    >>> unit_of([shapely.box(0.2, 0, 1.9, 1)], units)  # most of it lies east
    array(['UA01'], dtype=object)
    >>> unit_of([shapely.box(1.8, 0, 2.6, 1)], units)  # most of it lies outside both
    array([None], dtype=object)
    """
    geoms = np.asarray(geometries, dtype=object)
    out = np.full(len(geoms), None, dtype=object)
    if len(units) == 0 or len(geoms) == 0:
        return out
    present = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    codes = units["code"].to_numpy(object)
    shapes = units.geometry.to_numpy()
    tree = shapely.STRtree(shapes)
    record, unit = tree.query(geoms[present], predicate="intersects")
    if len(record) == 0:
        return out
    record = np.flatnonzero(present)[record]
    share, outside = np.ones(len(record)), np.zeros(len(record))
    polygonal = np.isin(shapely.get_type_id(geoms[record]), (3, 6))
    if polygonal.any():
        mine = record[polygonal]
        share[polygonal] = _equal_area(shapely.intersection(geoms[mine], shapes[unit[polygonal]]))
        inside = np.bincount(mine, weights=share[polygonal], minlength=len(geoms))[mine]
        outside[polygonal] = _equal_area(geoms[mine]) - inside
    # the largest share first, then the code that sorts first: the first pair of a
    # record after sorting is its unit
    order = np.lexsort((codes[unit].astype(str), -share, record))
    record, unit = record[order], unit[order]
    first = np.r_[True, record[1:] != record[:-1]]
    held = first & (share[order] >= outside[order])  # more inside the unit than outside all
    out[record[held]] = codes[unit[held]]
    return out


def _equal_area(geoms: np.ndarray) -> np.ndarray:
    """Areas in m² (an equal-area projection about the geometries' centre).

    >>> round(float(_equal_area(np.array([shapely.box(0, 0, 0.01, 0.01)]))[0]) / 1e6, 2)
    1.23
    """
    from remnant.grid import equal_area_crs

    frame = gpd.GeoSeries(geoms, crs=4326)
    x0, y0, x1, y1 = frame.total_bounds
    return frame.to_crs(equal_area_crs((x0 + x1) / 2, (y0 + y1) / 2)).area.to_numpy()


def read_units(
    path: str | Path, *, code: str, name: str, parent: str | None = None, layer=None
) -> gpd.GeoDataFrame:
    """One level's units from a boundary file GDAL reads, in any CRS.

    Returns ``code``, ``name``, ``parent`` and a valid multipolygon per unit in EPSG:4326;
    rows sharing a code are one unit (their parts joined).

    Raises
    ------
    InputError
        For a missing field, a row without a code or with a geometry that is not a
        polygon, a file without a CRS, or two names for one code.
    """
    path = Path(path)
    frame = read_layer(path, (code, name, parent), layer=layer)
    codes = frame[code].astype("string").str.strip()
    polygonal = np.isin(shapely.get_type_id(frame.geometry.to_numpy()), (3, 6))
    for i in np.flatnonzero(codes.isna().to_numpy() | (codes == "").fillna(True).to_numpy()):
        raise InputError(N_("row {i} has no {code}"), file=path.name, i=i + 1, code=code)
    for i in np.flatnonzero(~polygonal):
        raise InputError(
            N_("row {i} ({code}) is not a polygon"), file=path.name, i=i + 1, code=codes.iat[i]
        )
    frame = frame.to_crs(4326)
    frame["code"] = codes.astype(object)
    frame["name"] = frame[name].astype(object).where(frame[name].notna(), None)
    frame["parent"] = frame[parent].astype(object) if parent else None
    names = frame.groupby("code")["name"].nunique()
    if (names > 1).any():
        twice = names.index[names > 1][0]
        raise InputError(N_("code {twice} has more than one name"), file=path.name, twice=twice)
    frame["geometry"] = shapely.make_valid(frame.geometry.to_numpy())
    units = frame.dissolve(by="code", aggfunc={"name": "first", "parent": "first"})
    parts = shapely.get_parts(units.geometry.to_numpy(), return_index=True)
    kept = np.isin(shapely.get_type_id(parts[0]), (3,))
    joined = pd.Series(list(parts[0][kept])).groupby(parts[1][kept]).agg(list)
    units["geometry"] = [shapely.multipolygons(joined.get(i, [])) for i in range(len(units))]
    return units.reset_index()[["code", "name", "parent", "geometry"]]


def read_layer(path: Path, fields, *, layer=None) -> gpd.GeoDataFrame:
    """A layer of a file GDAL reads, which must have ``fields`` (None: not asked) and a CRS.

    Raises
    ------
    InputError
        When GDAL cannot read it, a field is missing or the layer has no CRS.
    """
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(path, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(N_("GDAL cannot read it: {exc}"), file=path.name, exc=exc) from None
    for field in fields:
        if field is not None and field not in frame:
            known = ", ".join(c for c in frame.columns if c != "geometry")
            raise InputError(
                N_("no field {field_name!r} (fields: {known})"),
                file=path.name,
                field_name=field,
                known=known,
            )
    if frame.crs is None:
        raise InputError(N_("the layer has no CRS; remnant will not guess one"), file=path.name)
    return frame
