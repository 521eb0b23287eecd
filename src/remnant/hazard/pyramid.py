"""A grid written tile by tile with its overviews, ready for GDAL's COG driver.

Each tile is written at full resolution and, averaged 2 × 2 again and again, into one
uncompressed, sparse GeoTIFF per overview level, while the tile is still in memory. A VRT
ties the levels together as one dataset with overviews, and GDAL's COG driver then only
compresses and lays them out: it never reads the full grid back to average it, and no
tile no kernel reached is ever written. Levels halve until the smallest fits in one COG
block, as the driver would choose them.
"""

from __future__ import annotations

from contextlib import ExitStack
from html import escape
from pathlib import Path

import numpy as np
import rasterio
from rasterio.windows import Window

from remnant.grid import Grid

__all__ = ["Pyramid", "halve", "overview_factors"]


def overview_factors(shape: tuple[int, int], block: int = 512) -> list[int]:
    """The overview factors 2, 4, 8, … until the smallest level fits in one block.

    >>> overview_factors((8148, 8145)), overview_factors((300, 200))
    ([2, 4, 8, 16], [])
    """
    factors, f = [], 2
    while max(shape) > block * f // 2:
        factors.append(f)
        f *= 2
    return factors


def halve(values: np.ndarray) -> np.ndarray:
    """Means of 2 × 2 cells; an odd last row or column averages the cells it has.

    >>> halve(np.array([[1, 3, 5], [1, 3, 5]], np.float32)).tolist()
    [[2.0, 5.0]]
    """
    rows, cols = values.shape
    if rows % 2 or cols % 2:  # repeating the last row or column averages what there is
        values = np.pad(values, ((0, rows % 2), (0, cols % 2)), mode="edge")
    pairs = values[0::2] + values[1::2]
    return (pairs[:, 0::2] + pairs[:, 1::2]) * np.float32(0.25)


class Pyramid:
    """Sparse GeoTIFFs of a grid and its overview levels in ``folder``, and their VRT."""

    def __init__(
        self, folder: Path, grid: Grid, *, tile: int, nodata: float, description: str, tags
    ):
        self.folder, self.grid = Path(folder), grid
        # Levels whose cells lie within one tile; GDAL's COG driver keeps coarser ones out.
        self.factors = [f for f in overview_factors(grid.shape) if tile % f == 0]
        self.nodata, self.description, self.tags = nodata, description, dict(tags or {})
        self._stack = ExitStack()
        self._levels: list = []

    def _path(self, level: int) -> Path:
        return self.folder / f".level{level}.tif"

    def __enter__(self) -> Pyramid:
        g = self.grid
        for level, f in enumerate([1, *self.factors]):
            profile = {
                "driver": "GTiff",
                "width": -(-g.width // f),
                "height": -(-g.height // f),
                "count": 1,
                "dtype": "float32",
                "crs": g.crs.to_wkt(),
                "transform": g.transform * rasterio.Affine.scale(f),
                "nodata": self.nodata,
                "tiled": True,
                "blockxsize": 256,
                "blockysize": 256,
                "BIGTIFF": "YES",
                "SPARSE_OK": "TRUE",
            }
            dst = self._stack.enter_context(rasterio.open(self._path(level), "w", **profile))
            self._levels.append(dst)
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def write(self, row: int, col: int, values: np.ndarray) -> None:
        """Write a tile whose first cell is (row, col), and its share of every overview.

        Tiles must start at multiples of the largest factor, so no overview cell mixes
        two tiles.
        """
        for level, dst in enumerate(self._levels):
            if level:
                values = halve(values)
            f = 2**level
            dst.write(values, 1, window=Window(col // f, row // f, *values.shape[::-1]))

    def vrt(self) -> Path:
        """A VRT of the full grid with the levels as its overviews; returns its path."""
        g, base = self.grid, self._path(0).name
        tags = "".join(
            f'<MDI key="{escape(k)}">{escape(str(v))}</MDI>' for k, v in self.tags.items()
        )
        overviews = "".join(
            f'<Overview><SourceFilename relativeToVRT="1">{self._path(level).name}'
            "</SourceFilename><SourceBand>1</SourceBand></Overview>"
            for level in range(1, len(self._levels))
        )
        text = (
            f'<VRTDataset rasterXSize="{g.width}" rasterYSize="{g.height}">'
            f"<SRS>{escape(g.crs.to_wkt())}</SRS>"
            f"<GeoTransform>{', '.join(repr(v) for v in g.transform.to_gdal())}</GeoTransform>"
            f"<Metadata>{tags}</Metadata>"
            '<VRTRasterBand dataType="Float32" band="1">'
            f"<Description>{escape(self.description)}</Description>"
            f"<NoDataValue>{self.nodata!r}</NoDataValue>"
            f'<SimpleSource><SourceFilename relativeToVRT="1">{base}</SourceFilename>'
            "<SourceBand>1</SourceBand></SimpleSource>"
            f"{overviews}</VRTRasterBand></VRTDataset>"
        )
        path = self.folder / ".pyramid.vrt"
        path.write_text(text, "utf-8")
        return path

    def remove(self) -> None:
        """Delete the level files and the VRT (after the COG has been made from them)."""
        for level in range(len(self._levels)):
            self._path(level).unlink(missing_ok=True)
        (self.folder / ".pyramid.vrt").unlink(missing_ok=True)
