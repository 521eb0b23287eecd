"""The hazard map as XYZ PNG tiles (Web Mercator) for the dashboard, with its legend range."""

from __future__ import annotations

import io
import math
from functools import lru_cache

import numpy as np

from remnant.errors import NotFoundError
from remnant.hazard.output import colour_top
from remnant.mapstyle import COLOURMAP, hazard_norm
from remnant.translate import N_

__all__ = ["HazardTiles"]

SIZE = 256
WORLD = 2 * math.pi * 6378137.0  # Web Mercator extent, metres


class HazardTiles:
    """Tiles of band 1 of a hazard COG, coloured on a log scale fixed for the whole map."""

    def __init__(self, path):
        import rasterio

        self.path = str(path)
        with rasterio.open(self.path) as src:
            self.overviews = src.overviews(1)
            self.cell = src.res[0]
        self.norm = hazard_norm(colour_top(self.path))

    def legend(self) -> dict:
        """The colour scale: log from ``min`` to ``max`` expected items per cell."""
        n = self.norm
        return {"min": n.vmin, "max": n.vmax, "scale": "log", "colormap": COLOURMAP}

    @lru_cache(maxsize=512)  # noqa: B019 (one instance per server, tiles are immutable)
    def tile(self, z: int, x: int, y: int) -> bytes:
        """The PNG of tile (z, x, y); transparent where the map has nothing."""
        import matplotlib
        import matplotlib.image as plt_image
        import rasterio
        from rasterio.enums import Resampling
        from rasterio.transform import from_bounds
        from rasterio.warp import reproject

        if not (0 <= z <= 22 and 0 <= x < 2**z and 0 <= y < 2**z):
            raise NotFoundError(N_("no tile {z}/{x}/{y}"), z=z, x=x, y=y)
        span = WORLD / 2**z
        left, top = -WORLD / 2 + x * span, WORLD / 2 - y * span
        values = np.full((SIZE, SIZE), np.nan, np.float32)
        # Read the coarsest overview still finer than the tile's pixels.
        coarser = [i for i, f in enumerate(self.overviews) if self.cell * f <= span / SIZE]
        options = {"overview_level": coarser[-1]} if coarser else {}
        with rasterio.open(self.path, **options) as src:
            reproject(
                source=rasterio.band(src, 1),
                destination=values,
                src_nodata=src.nodata,
                dst_transform=from_bounds(left, top - span, left + span, top, SIZE, SIZE),
                dst_crs="EPSG:3857",
                dst_nodata=np.nan,
                resampling=Resampling.average,
            )
        values = np.ma.masked_invalid(values)
        vmin = self.norm.vmin
        rgba = matplotlib.colormaps[COLOURMAP](self.norm(np.ma.masked_less_equal(values, vmin)))
        alpha = np.where(np.ma.getmaskarray(values) | (values.filled(0) <= vmin), 0.0, 0.75)
        rgba[..., 3] = alpha
        out = io.BytesIO()
        plt_image.imsave(out, rgba, format="png")
        return out.getvalue()
