"""Writing the hazard map: a Cloud-Optimized GeoTIFF, and a PNG map a person can read."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil

from remnant.errors import InputError
from remnant.hazard.model import HazardMap

__all__ = ["refuse_existing", "write_cog", "write_png"]

NODATA = -1.0
BANDS = (
    "expected unexploded submunitions remaining per cell",
    "probability of at least one unexploded submunition in the cell",
)


def refuse_existing(path: Path, overwrite: bool) -> None:
    """Refuse to replace an existing output unless asked to."""
    if path.exists() and not overwrite:
        raise InputError("exists; pass --overwrite to replace it", file=path)


def write_cog(hazard: HazardMap, path: str | Path, *, overwrite: bool = False, tags=None) -> Path:
    """Write band 1 = Λ (expected items) and band 2 = P(any) as a COG in the grid's CRS.

    The file is written beside ``path`` and moved in place only when complete.
    """
    path = Path(path)
    refuse_existing(path, overwrite)
    grid = hazard.grid
    profile = {
        "driver": "GTiff",
        "width": grid.width,
        "height": grid.height,
        "count": 2,
        "dtype": "float32",
        "crs": grid.crs.to_wkt(),
        "transform": grid.transform,
        "nodata": NODATA,
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "compress": "deflate",
        "BIGTIFF": "IF_SAFER",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".remnant-") as tmp:
        plain = Path(tmp) / "plain.tif"
        with rasterio.open(plain, "w", **profile) as dst:
            dst.write(hazard.expected, 1)
            dst.write(hazard.probability, 2)
            for band, text in enumerate(BANDS, start=1):
                dst.set_band_description(band, text)
            dst.update_tags(**(tags or {}))
        cog = Path(tmp) / path.name
        rasterio.shutil.copy(
            plain, cog, driver="COG", COMPRESS="DEFLATE", PREDICTOR="YES", BLOCKSIZE=512,
            OVERVIEW_RESAMPLING="AVERAGE", BIGTIFF="IF_SAFER",
        )  # fmt: skip
        os.replace(cog, path)
    return path


def write_png(
    hazard: HazardMap,
    path: str | Path,
    *,
    areas=None,
    strikes=None,
    title: str = "Expected unexploded submunitions per cell",
    overwrite: bool = False,
) -> Path:
    """Draw band 1 on a log colour scale with hazard areas, strikes, a colour bar and a scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    path = Path(path)
    refuse_existing(path, overwrite)
    grid = hazard.grid
    left, bottom, right, top = grid.bounds
    values = np.ma.masked_less_equal(hazard.expected, 1e-4)
    fig, ax = plt.subplots(figsize=(10, 10 * grid.height / max(grid.width, 1) * 0.9 + 1), dpi=110)
    vmax = max(float(values.max()) if values.count() else 1.0, 1e-3)
    image = ax.imshow(
        values, extent=(left, right, bottom, top), cmap="magma_r",
        norm=LogNorm(vmin=max(vmax / 1e4, 1e-4), vmax=vmax), interpolation="nearest",
    )  # fmt: skip
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
