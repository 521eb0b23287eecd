"""Grids of square cells in an equal-area CRS, cell coverage by polygons, zonal sums.

Models compute in a Lambert azimuthal equal-area projection centred on the programme's
extent (docs/hazard-model.md, "The grid"), so that cells and areas in m² are true. Cell
coverage by a polygon is exact: cells wholly inside count 1, cells on the boundary the
share of their area inside (shapely), so per-area sums do not depend on where cell centres
fall.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely
from affine import Affine
from pyproj.crs import GeographicCRS, ProjectedCRS
from pyproj.crs.coordinate_operation import LambertAzimuthalEqualAreaConversion

from remnant.errors import InputError
from remnant.translate import N_

__all__ = ["Grid", "coverage", "equal_area_crs"]

BYTES_PER_CELL = 4  # float32


def equal_area_crs(lon: float, lat: float) -> pyproj.CRS:
    """Lambert azimuthal equal-area on WGS 84, centred on (lon, lat), named so GIS show it.

    >>> crs = equal_area_crs(35.5, 33.3)
    >>> crs.coordinate_operation.method_name, crs.name
    ('Lambert Azimuthal Equal Area', 'remnant equal-area (LAEA 35.5000E 33.3000N)')
    """
    conversion = LambertAzimuthalEqualAreaConversion(
        latitude_natural_origin=lat, longitude_natural_origin=lon
    )
    # An ASCII name: GeoTIFF keeps it in ASCII keys (a degree sign came out garbled in QGIS).
    east, north = ("E" if lon >= 0 else "W"), ("N" if lat >= 0 else "S")
    return ProjectedCRS(
        conversion=conversion,
        geodetic_crs=GeographicCRS(datum="WGS84"),
        name=f"remnant equal-area (LAEA {abs(lon):.4f}{east} {abs(lat):.4f}{north})",
    )


@dataclass(frozen=True)
class Grid:
    """A north-up grid: ``height`` rows × ``width`` columns of ``cell`` metres from (left, top)."""

    crs: pyproj.CRS
    left: float
    top: float
    cell: float
    width: int
    height: int

    def __post_init__(self):
        if not (self.cell > 0 and math.isfinite(self.cell)):
            raise InputError(
                N_("cell size must be a positive number of metres, got {cell!r}"), cell=self.cell
            )
        if self.width <= 0 or self.height <= 0:
            raise InputError(
                N_("the grid is empty ({height} × {width} cells)"),
                height=self.height,
                width=self.width,
            )
        need = self.width * self.height * BYTES_PER_CELL
        have = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        if need > have // 2:
            raise InputError(
                N_(
                    "a grid of {height:,} × {width:,} cells at {cell:g} m needs {need:.1f} GiB, "
                    "more than half of this machine's {have:.0f} GiB; use larger cells or a "
                    "smaller extent"
                ),
                height=self.height,
                width=self.width,
                cell=self.cell,
                need=need / 2**30,
                have=have / 2**30,
            )

    @classmethod
    def covering(cls, bounds, cell: float, crs: pyproj.CRS) -> Grid:
        """The grid of ``cell`` metres, snapped to whole cells, covering ``bounds`` in ``crs``."""
        if not (cell > 0 and math.isfinite(cell)):
            raise InputError(
                N_("cell size must be a positive number of metres, got {cell!r}"), cell=cell
            )
        minx, miny, maxx, maxy = bounds
        left, bottom = math.floor(minx / cell) * cell, math.floor(miny / cell) * cell
        right, top = math.ceil(maxx / cell) * cell, math.ceil(maxy / cell) * cell
        width = max(1, round((right - left) / cell))
        height = max(1, round((top - bottom) / cell))
        return cls(crs, left, top, cell, width, height)

    @classmethod
    def of_raster(cls, src, factor: int = 1) -> Grid:
        """The grid of an open rasterio dataset, its cells merged ``factor`` × ``factor``.

        Refuses rasters that are not north-up with square cells.

        >>> import numpy as np, rasterio
        >>> from rasterio.io import MemoryFile
        >>> with MemoryFile() as f, f.open(driver="GTiff", width=4, height=2, count=1,
        ...         dtype="float32", crs="EPSG:3857",
        ...         transform=rasterio.Affine(10, 0, 100, 0, -10, 50)) as src:
        ...     Grid.of_raster(src, factor=2).shape, Grid.of_raster(src).cell
        ((1, 2), 10.0)
        """
        a, b, c, d, e, f = tuple(src.transform)[:6]
        if b or d or abs(a + e) > 1e-9 * abs(a):
            raise InputError(N_("needs a north-up grid of square cells"), file=src.name)
        return cls(
            pyproj.CRS.from_wkt(src.crs.to_wkt()),
            c,
            f,
            a * factor,
            -(-src.width // factor),
            -(-src.height // factor),
        )

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return self.height, self.width

    @property
    def transform(self) -> Affine:
        """The affine transform from (column, row) to (x, y)."""
        return Affine(self.cell, 0.0, self.left, 0.0, -self.cell, self.top)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in metres."""
        return (
            self.left,
            self.top - self.height * self.cell,
            self.left + self.width * self.cell,
            self.top,
        )


def coverage(polygon, grid: Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, columns and covered share (0–1] of each grid cell that ``polygon`` touches.

    ``polygon`` is in the grid's CRS. Cells wholly inside have share 1; cells the boundary
    crosses have the exact share of their area inside.

    A 15 × 10 m box on a grid of 10 m cells covers one cell whole and half of the next:

    >>> import shapely
    >>> grid = Grid.covering((0, 0, 30, 10), 10, equal_area_crs(35.5, 33.3))
    >>> rows, cols, share = coverage(shapely.box(0, 0, 15, 10), grid)
    >>> cols.tolist(), share.tolist()
    ([0, 1], [1.0, 0.5])
    """
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if polygon is None or polygon.is_empty:
        return empty
    minx, miny, maxx, maxy = polygon.bounds
    h = grid.cell
    c0 = max(0, math.floor((minx - grid.left) / h))
    c1 = min(grid.width, math.floor((maxx - grid.left) / h) + 1)
    r0 = max(0, math.floor((grid.top - maxy) / h))
    r1 = min(grid.height, math.floor((grid.top - miny) / h) + 1)
    if c1 <= c0 or r1 <= r0:
        return empty
    import rasterio.features  # here: the commands that never rasterise start 0.1 s sooner

    shape = (r1 - r0, c1 - c0)
    transform = Affine(h, 0, grid.left + c0 * h, 0, -h, grid.top - r0 * h)
    inside = rasterio.features.rasterize([polygon], shape, transform=transform, dtype=np.uint8)
    edge = rasterio.features.rasterize(
        [polygon.boundary], shape, transform=transform, all_touched=True, dtype=np.uint8
    )
    share = inside.astype(float)
    rows, cols = np.nonzero(edge)
    if len(rows):
        x0 = grid.left + (c0 + cols) * h
        y1 = grid.top - (r0 + rows) * h
        boxes = shapely.box(x0, y1 - h, x0 + h, y1)
        share[rows, cols] = shapely.area(shapely.intersection(boxes, polygon)) / (h * h)
    rows, cols = np.nonzero(share > 0)
    return rows + r0, cols + c0, share[rows, cols]
