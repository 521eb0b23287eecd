"""Sums of a grid over polygons, each cell weighted by the share of it a polygon covers.

exactextract computes the shares exactly (as :func:`remnant.grid.coverage` does, for all
polygons at once); polygons reach it as WKB rather than as GeoJSON text, which is what
the time went into for ten thousand areas.
"""

from __future__ import annotations

import numpy as np
import shapely
from exactextract import exact_extract
from exactextract.feature import JSONFeature, JSONFeatureSource
from exactextract.raster import NumPyRasterSource

from remnant.grid import Grid

__all__ = ["zonal_sums"]


def zonal_sums(values: np.ndarray, grid: Grid, polygons) -> np.ndarray:
    """Sum of ``values`` over each polygon (in the grid's CRS), by exact cell coverage.

    ``values`` is used as it is (no float64 copy of the grid). Polygons off the grid,
    empty or missing sum to 0.

    >>> from remnant.grid import equal_area_crs
    >>> grid = Grid.covering((0, 0, 30, 10), 10, equal_area_crs(35.5, 33.3))
    >>> cells = np.array([[1.0, 2.0, 4.0]], np.float32)
    >>> zonal_sums(cells, grid, [shapely.box(0, 0, 15, 10), None, shapely.box(20, 0, 30, 10)])
    array([2., 0., 4.])
    """
    polygons = np.asarray(polygons, dtype=object)
    out = np.zeros(len(polygons))
    present = np.flatnonzero(~(shapely.is_missing(polygons) | shapely.is_empty(polygons)))
    if not len(present):
        return out
    left, bottom, right, top = grid.bounds
    wkt = grid.crs.to_wkt()
    source = NumPyRasterSource(np.ascontiguousarray(values), left, bottom, right, top, srs_wkt=wkt)
    wkb = shapely.to_wkb(polygons[present])
    features = _WkbFeatures(list(zip(present.tolist(), wkb, strict=True)), wkt)
    sums = exact_extract(source, features, ["sum"], include_cols=["i"], output="pandas")
    out[sums["i"].to_numpy()] = np.nan_to_num(sums["sum"].to_numpy(float))
    return out


class _WkbFeature(JSONFeature):
    """A polygon numbered ``i`` whose geometry exactextract reads as WKB."""

    def __init__(self, i: int, wkb: bytes):
        super().__init__({"type": "Feature", "properties": {"i": i}})
        self.wkb = wkb

    def geometry(self):
        return self.wkb


class _WkbFeatures(JSONFeatureSource):
    """(number, WKB) pairs as exactextract's features."""

    def __init__(self, pairs: list, wkt: str):
        super().__init__(pairs, srs_wkt=wkt)

    def __iter__(self):
        for i, wkb in self.src:
            yield _WkbFeature(i, wkb)
