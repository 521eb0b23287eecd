"""Writing the hazard map: a Cloud-Optimized GeoTIFF, and a PNG map a person can read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio

from remnant.grid import Grid
from remnant.mapstyle import COLOURMAP, FLOOR, hazard_norm
from remnant.outputs import refuse_existing

__all__ = ["colour_top", "read_coarse", "write_png"]

NODATA = -1.0
BAND = "expected unexploded submunitions remaining per cell"
# The COG's encoding, chosen by measurement (docs/hazard-model.md, "Output"): ZSTD at
# level 1 with the floating-point predictor, compressed on every core.
COG_OPTIONS = {
    "COMPRESS": "ZSTD",
    "LEVEL": 1,
    "PREDICTOR": "FLOATING_POINT",
    "NUM_THREADS": "ALL_CPUS",
    "BLOCKSIZE": 512,
    "OVERVIEW_RESAMPLING": "AVERAGE",
    "BIGTIFF": "IF_SAFER",
    "SPARSE_OK": "TRUE",
}
GDAL_CACHE_MB = 128  # GDAL's block cache while writing: its default is 5 % of the machine's RAM


def colour_top(path) -> float:
    """The top of a hazard COG's colour scale: the largest cell of its coarsest overview.

    Stable for the whole map (every tile, the QGIS style), and read without the full grid.
    """
    import rasterio

    with rasterio.open(path) as src:
        level = src.overviews(1)[-1] if src.overviews(1) else 1
        shape = (max(1, src.height // level), max(1, src.width // level))
        band = src.read(1, out_shape=shape, masked=True)
    return float(band.max()) if band.count() else 1.0


def read_coarse(cog: str | Path, pixels: int) -> tuple[np.ndarray, Grid]:
    """Band 1 of a hazard COG with cells merged k × k (items summed) to at most ``pixels``."""
    from rasterio.enums import Resampling

    with rasterio.open(cog) as src:
        k = max(1, -(-max(src.width, src.height) // pixels))
        grid = Grid.of_raster(src, k)
        band = src.read(1, out_shape=grid.shape, resampling=Resampling.average, masked=True)
    return band.filled(0.0).astype(np.float64) * k * k, grid


def write_png(
    cog: str | Path,
    path: str | Path,
    *,
    areas=None,
    strikes=None,
    title: str = "Expected unexploded submunitions per cell",
    overwrite: bool = False,
) -> Path:
    """Draw the COG's band 1 on a log colour scale with areas, strikes, colour bar and scale.

    Large grids are read at a coarser cell (whole multiples, items summed), so drawing
    needs no more memory than the picture.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    refuse_existing(path, overwrite=overwrite)
    expected, grid = read_coarse(cog, 2000)
    left, bottom, right, top = grid.bounds
    values = np.ma.masked_less_equal(expected, FLOOR)
    fig, ax = plt.subplots(figsize=(10, 10 * grid.height / max(grid.width, 1) * 0.9 + 1), dpi=110)
    image = ax.imshow(
        values,
        extent=(left, right, bottom, top),
        cmap=COLOURMAP,
        norm=hazard_norm(values.max() if values.count() else 1.0),
        interpolation="nearest",
    )
    if areas is not None and len(areas):
        areas.to_crs(grid.crs).boundary.plot(
            ax=ax, color="#1f77b4", linewidth=0.7, label="hazard areas"
        )
    if strikes is not None and len(strikes):
        s = strikes.to_crs(grid.crs)
        ax.scatter(
            s.geometry.x,
            s.geometry.y,
            s=6,
            c="#2ca02c",
            marker="+",
            linewidths=0.6,
            label="reported strikes",
        )
    bar = fig.colorbar(image, ax=ax, shrink=0.75)
    bar.set_label(f"expected items per {grid.cell:g} m cell (log scale)")
    _scale_bar(ax, left, bottom, right, top)
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_xlabel("easting (m, equal-area projection)")
    ax.set_ylabel("northing (m)")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


def _scale_bar(ax, left, bottom, right, top) -> None:
    span = (right - left) / 5
    length = 10 ** np.floor(np.log10(span))
    length *= 5 if span / length >= 5 else 2 if span / length >= 2 else 1
    x0, y0 = left + (right - left) * 0.05, bottom + (top - bottom) * 0.05
    ax.plot([x0, x0 + length], [y0, y0], color="black", linewidth=3)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(x0 + length / 2, y0 + (top - bottom) * 0.012, label, ha="center", fontsize=9)
