"""The hazard map tile by tile, in one process or as Dask tasks, for national extents.

The grid is cut into square tiles. Each strike's kernel goes to every tile its truncation
window touches (a halo of ``truncate`` σ), each activity to every tile it covers, so a tile
is computed from its own inputs alone, exactly as the whole-grid computation would
compute its cells: strikes epoch by epoch, each epoch's activities multiplying the cells
they cover by (1 − d × share). Memory is bounded by the tile and the inputs, not by the
extent. Tiles without any kernel are never computed and never written: the intermediate
GeoTIFF is sparse, and is converted to a Cloud-Optimized GeoTIFF at the end.

Only the process that writes (the client) touches the file, and it writes a tile when
its task has finished; a Dask worker that dies mid-task leaves nothing half-written and
its task is run again elsewhere.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil

from remnant.grid import Grid
from remnant.hazard import engine
from remnant.hazard.model import accumulate
from remnant.hazard.output import BAND, COG_OPTIONS, GDAL_CACHE_MB, NODATA
from remnant.hazard.pyramid import Pyramid
from remnant.outputs import written_beside
from remnant.zonal import zonal_sums

__all__ = ["TileJob", "TiledResult", "run_tiles", "tile_windows"]


@dataclass
class TileJob:
    """Everything any tile needs (sent to each Dask worker once)."""

    grid: Grid
    kernels: engine.KernelSet
    epochs: np.ndarray  # per kernel: how many activities came before its strike
    activities: list  # (geometry in the grid's CRS, detection probability), in start order
    areas: np.ndarray  # hazard area polygons in the grid's CRS
    truncate: float = engine.TRUNCATE


@dataclass
class TiledResult:
    """Sums over the tiles: expected items per area, and the mass the activities removed."""

    area_expected: np.ndarray
    removed: float
    tiles: int
    written: int


def tile_windows(grid: Grid, size: int) -> list[tuple[int, int, int, int]]:
    """(row0, row1, col0, col1) of every tile of ``size`` cells, row by row."""
    return [
        (r, min(r + size, grid.height), c, min(c + size, grid.width))
        for r in range(0, grid.height, size)
        for c in range(0, grid.width, size)
    ]


def _sub_grid(grid: Grid, window) -> Grid:
    r0, r1, c0, c1 = window
    return Grid(
        grid.crs, grid.left + c0 * grid.cell, grid.top - r0 * grid.cell, grid.cell, c1 - c0, r1 - r0
    )


def compute_tile(job: TileJob, window) -> tuple[tuple, np.ndarray | None, np.ndarray, float]:
    """The expected items of one tile, its share of each area's sum, and the mass removed.

    Returns ``(window, values or None when no kernel reaches the tile, per-area sums,
    removed)``.
    """
    sub = _sub_grid(job.grid, window)
    k = job.kernels
    r0, r1, c0, c1 = window
    win = engine.windows(k, job.grid.left, job.grid.top, job.grid.cell, job.truncate)
    near = (win[:, 0] < r1) & (win[:, 1] > r0) & (win[:, 2] < c1) & (win[:, 3] > c0)
    sums = np.zeros(len(job.areas))
    if not near.any():
        return window, None, sums, 0.0
    out = np.zeros(sub.shape, np.float32)
    _, _, removed = accumulate(
        k.subset(near), job.epochs[near], job.activities, sub, out, truncate=job.truncate
    )
    box = rasterio.coords.BoundingBox(*sub.bounds)
    here = [i for i, area in enumerate(job.areas) if _overlaps(area.bounds, box)]
    if here:
        sums[here] = zonal_sums(out, sub, job.areas[here])
    return window, out, sums, removed


def _overlaps(bounds, box) -> bool:
    minx, miny, maxx, maxy = bounds
    return minx < box.right and maxx > box.left and miny < box.top and maxy > box.bottom


def _client(scheduler: str | None, workers: int | None):
    """A Dask client: a LocalCluster for ``local``, else the scheduler at that address."""
    if scheduler is None:
        return None, None
    from dask.distributed import Client, LocalCluster

    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        return Client(cluster), cluster
    return Client(scheduler), None


def run_tiles(
    job: TileJob,
    out: Path,
    *,
    size: int = 1024,
    scheduler: str | None = None,
    workers: int | None = None,
    client=None,
    tags: dict | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TiledResult:
    """Compute every tile and write ``out`` as a COG of Λ, expected items per cell.

    Each tile goes, with its share of every overview level, to sparse uncompressed
    GeoTIFFs beside ``out`` (:mod:`remnant.hazard.pyramid`; tiles no kernel reaches are
    never written), which GDAL's COG driver then compresses on every core; memory stays
    bounded by the tiles, not the grid.


    ``scheduler`` None runs the tiles here, one after another; ``local`` on a Dask
    LocalCluster of ``workers`` processes; ``tcp://HOST:PORT`` on that Dask cluster
    (``client``: an open Dask client to use instead). Tasks that fail are retried twice.
    """
    size = max(256, math.ceil(size / 256) * 256)  # whole engine tiles: same order
    windows = tile_windows(job.grid, size)
    grid = job.grid
    area_expected = np.zeros(len(job.areas))
    removed, written = 0.0, 0
    out = Path(out)
    own = None
    if client is None:
        client, own = _client(scheduler, workers)
    try:
        with written_beside(out) as folder:
            pyramid = Pyramid(folder, grid, tile=size, nodata=NODATA, description=BAND, tags=tags)
            with pyramid:
                for n, (window, values, sums, gone) in enumerate(
                    _results(job, windows, client), start=1
                ):
                    area_expected += sums
                    removed += gone
                    if values is not None and values.any():
                        pyramid.write(window[0], window[2], values)
                        written += 1
                    if progress:
                        progress(n, len(windows))
            with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB):
                rasterio.shutil.copy(
                    pyramid.vrt(),
                    folder / out.name,
                    driver="COG",
                    OVERVIEWS="FORCE_USE_EXISTING",
                    **COG_OPTIONS,
                )
            pyramid.remove()
    finally:
        if own is not None:
            client.close()
            own.close()
    return TiledResult(area_expected, removed, len(windows), written)


def _results(job: TileJob, windows, client):
    """Tile results as they finish: here in order, or from Dask as they complete."""
    if client is None:
        for window in windows:
            yield compute_tile(job, window)
        return
    from dask.distributed import as_completed

    shared = client.scatter(job, broadcast=True)
    futures = [client.submit(compute_tile, shared, w, retries=2, pure=False) for w in windows]
    for future in as_completed(futures):
        yield future.result()
        future.release()
