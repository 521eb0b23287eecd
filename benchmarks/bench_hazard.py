"""Hazard engine: 20,000 strikes over 200 × 200 km at 25 m cells (64 M cells), synthetic.

Prints, from one run: kernel cell-updates per second of the numba engine (all kernels
into a new grid; then axis-aligned and rotated kernels apart, best of 3 into a grid
already in memory, so that the first touch of a new grid's pages is not counted as
kernel work); the same cells computed by a straightforward per-strike NumPy
implementation of the same integrals (a subsample, extrapolated by cell-updates) and
the ratio; peak memory against the output grid. Targets on a 2-core machine: ≥ 50× the
NumPy version, ≥ 0.5 G cell-updates/s (rotated ≥ 0.8), peak memory < 1.5× the grid.

    .venv/bin/python benchmarks/bench_hazard.py [--strikes 20000] [--cell 25]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numba
import numpy as np
import shapely
from scipy.special import ndtr

from remnant.catalogue import default_catalogue
from remnant.hazard.engine import KernelSet, rasterize, windows

EXTENT = 200_000.0


def synthetic_kernels(n: int, seed: int = 0, rotated_share: float = 0.25) -> KernelSet:
    """Footprints from the catalogue, location σ 10–1,000 m, a share with known azimuth."""
    rng = np.random.default_rng(seed)
    cat = [m for k, m in default_catalogue().items() if k != "unknown"]
    pick = rng.integers(0, len(cat), n)
    sa = np.array([cat[i].footprint_length_m / 4 for i in pick])
    sb = np.array([cat[i].footprint_width_m / 4 for i in pick])
    loc = rng.uniform(10, 1000, n)
    theta = rng.uniform(0, np.pi, n)
    rotated = rng.random(n) < rotated_share
    s, c = np.sin(theta), np.cos(theta)
    iso = (sa**2 + sb**2) / 2
    sxx = np.where(rotated, sa**2 * s * s + sb**2 * c * c, iso) + loc**2
    syy = np.where(rotated, sa**2 * c * c + sb**2 * s * s, iso) + loc**2
    sxy = np.where(rotated, (sa**2 - sb**2) * s * c, 0.0)
    weight = np.array([cat[i].submunitions_per_carrier * cat[i].prior_mean for i in pick])
    x, y = rng.uniform(0, EXTENT, n), rng.uniform(0, EXTENT, n)
    return KernelSet(x, y, sxx, sxy, syy, weight)


def numpy_reference(k: KernelSet, shape, cell: float, truncate: float = 4.0) -> np.ndarray:
    """The same cell integrals, strike by strike, in plain NumPy (6-point Gauss–Legendre)."""
    ny, nx = shape
    grid = np.zeros(shape, np.float64)
    win = windows(k, 0.0, EXTENT, cell, truncate)
    gx, gw = np.polynomial.legendre.leggauss(6)
    for i in range(len(k)):
        r0, r1 = max(win[i, 0], 0), min(win[i, 1], ny)
        c0, c1 = max(win[i, 2], 0), min(win[i, 3], nx)
        if r1 <= r0 or c1 <= c0:
            continue
        xe = np.arange(c0, c1 + 1) * cell
        top = EXTENT - np.arange(r0, r1) * cell
        sx, sy = np.sqrt(k.sxx[i]), np.sqrt(k.syy[i])
        if k.sxy[i] == 0:
            px = np.diff(ndtr((xe - k.x[i]) / sx))
            py = ndtr((top - k.y[i]) / sy) - ndtr((top - cell - k.y[i]) / sy)
            grid[r0:r1, c0:c1] += k.weight[i] * np.outer(py, px)
            continue
        beta = k.sxy[i] / k.syy[i]
        s = np.sqrt(k.sxx[i] - k.sxy[i] * beta)
        yq = top[:, None] - cell / 2 + (cell / 2) * gx[None, :]  # rows × nodes
        wq = (
            (cell / 2)
            * gw[None, :]
            * np.exp(-0.5 * ((yq - k.y[i]) / sy) ** 2)
            / (np.sqrt(2 * np.pi) * sy)
        )
        m = k.x[i] + beta * (yq - k.y[i])
        cdf = ndtr((xe[None, None, :] - m[:, :, None]) / s)  # rows × nodes × edges
        grid[r0:r1, c0:c1] += k.weight[i] * np.einsum("rq,rqc->rc", wq, np.diff(cdf, axis=2))
    return grid


def qgis_heatmap_rate(k: KernelSet, cell: float, truncate: float = 4.0) -> float | None:
    """Cell-updates/s of QGIS's own heatmap (kernel density) on the same points, headless.

    Each point gets a radius of ``truncate`` σ (its kernel's window) and its weight; QGIS
    evaluates the square around each point, so its cell-updates are Σ (2r / cell)². Debian's
    package (qgis) is installed for the benchmark only; without it this returns None.
    The kernel differs (QGIS's quartic, sampled at cell centres): this compares speed.
    """
    exe = shutil.which("qgis_process.bin") or shutil.which("qgis_process")
    if exe is None:
        return None
    radius = truncate * np.sqrt(np.maximum(k.sxx, k.syy))
    corners = [(0.0, 0.0), (EXTENT, EXTENT)]  # zero-weight points pin the extent
    frame = gpd.GeoDataFrame(
        {"radius": np.r_[radius, [cell, cell]], "weight": np.r_[k.weight, [0.0, 0.0]]},
        geometry=shapely.points(
            np.r_[k.x, [c[0] for c in corners]], np.r_[k.y, [c[1] for c in corners]]
        ),
        crs="EPSG:3035",
    )
    with tempfile.TemporaryDirectory() as tmp:
        points, out = Path(tmp) / "points.gpkg", Path(tmp) / "heat.tif"
        frame.to_file(points)
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        start = time.perf_counter()
        subprocess.run(
            [
                exe,
                "run",
                "qgis:heatmapkerneldensityestimation",
                "--",
                f"INPUT={points}",
                "RADIUS=100",
                "RADIUS_FIELD=radius",
                f"PIXEL_SIZE={cell}",
                "WEIGHT_FIELD=weight",
                "KERNEL=0",
                "OUTPUT_VALUE=0",
                f"OUTPUT={out}",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        seconds = time.perf_counter() - start
    return float(((2 * radius / cell) ** 2).sum()) / seconds


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strikes", type=int, default=20_000)
    parser.add_argument("--cell", type=float, default=25.0)
    parser.add_argument("--numpy-sample", type=int, default=300)
    parser.add_argument("--qgis-sample", type=int, default=3000)
    args = parser.parse_args()
    n = round(EXTENT / args.cell)
    shape = (n, n)
    kernels = synthetic_kernels(args.strikes)
    warm = KernelSet(
        *(
            a[:200]
            for a in (kernels.x, kernels.y, kernels.sxx, kernels.sxy, kernels.syy, kernels.weight)
        )
    )
    rasterize(warm, (256, 256), 0.0, EXTENT, args.cell)  # compile (cached after the first run)
    base = peak_rss_mib()
    start = time.perf_counter()
    result = rasterize(kernels, shape, 0.0, EXTENT, args.cell)
    seconds = time.perf_counter() - start
    peak = peak_rss_mib() - base
    grid_mib = result["grid"].nbytes / 2**20
    rate = result["cell_updates"] / seconds
    rotated = kernels.sxy != 0
    parts = {}
    scratch = np.zeros(shape, np.float32)
    for name, mask in (("axis-aligned", ~rotated), ("rotated", rotated)):
        sub = KernelSet(
            *(
                a[mask]
                for a in (
                    kernels.x,
                    kernels.y,
                    kernels.sxx,
                    kernels.sxy,
                    kernels.syy,
                    kernels.weight,
                )
            )
        )
        best = np.inf
        for _ in range(3):  # into a grid already in memory: the kernels' work alone
            scratch.fill(0.0)
            t = time.perf_counter()
            r = rasterize(sub, shape, 0.0, EXTENT, args.cell, out=scratch)
            best = min(best, time.perf_counter() - t)
        parts[name] = (mask.sum(), r["cell_updates"], best)
    del result
    rng = np.random.default_rng(1)
    pick = rng.choice(args.strikes, args.numpy_sample, replace=False)
    sample = KernelSet(
        *(
            a[pick]
            for a in (kernels.x, kernels.y, kernels.sxx, kernels.sxy, kernels.syy, kernels.weight)
        )
    )
    t = time.perf_counter()
    reference = numpy_reference(sample, shape, args.cell)
    numpy_seconds = time.perf_counter() - t
    ours = rasterize(sample, shape, 0.0, EXTENT, args.cell, out=np.zeros(shape, np.float32))
    numpy_rate = ours["cell_updates"] / numpy_seconds
    agree = np.abs(ours["grid"] - reference).max() / reference.max()
    updates = result_updates(rate, seconds)
    print(f"grid: {n:,} × {n:,} cells of {args.cell:g} m ({n * n / 1e6:.0f} M cells)")
    print(f"strikes: {args.strikes:,} (synthetic)")
    print(f"numba engine, all kernels: {rate / 1e9:6.3f} G cell-updates/s")
    print(f"  ({updates:,} updates in {seconds:.2f} s)")
    for name, (count, updates, secs) in parts.items():
        print(f"  {name:12s} ({count:6,} kernels): {updates / secs / 1e9:6.3f} G cell-updates/s")
    print(
        f"NumPy per strike ({args.numpy_sample} sampled): {numpy_rate / 1e9:6.3f} G cell-updates/s"
    )
    cores = numba.get_num_threads()
    print(f"  ratio numba ({cores} threads) / NumPy (1 thread): {rate / numpy_rate:5.1f}x")
    print(
        f"  ratio per core, as if NumPy ran on {cores} cores with no overhead: "
        f"{rate / numpy_rate / cores:5.1f}x (target >= 50x)"
    )
    print(f"  largest difference between them: {agree:.1e} of the peak cell")
    pick = rng.choice(args.strikes, args.qgis_sample, replace=False)
    qgis_sample = KernelSet(
        *(
            a[pick]
            for a in (kernels.x, kernels.y, kernels.sxx, kernels.sxy, kernels.syy, kernels.weight)
        )
    )
    qgis = qgis_heatmap_rate(qgis_sample, args.cell)
    if qgis is None:
        print("QGIS heatmap: qgis_process not installed (apt-get install qgis), not measured")
    else:
        print(f"QGIS heatmap ({args.qgis_sample} sampled): {qgis / 1e9:6.3f} G cell-updates/s")
        print(f"  ratio numba / QGIS: {rate / qgis:5.1f}x (QGIS's time includes starting it)")
    print(f"peak memory added: {peak:,.0f} MiB for a {grid_mib:,.0f} MiB float32 grid")
    print(f"  ratio {peak / grid_mib:.2f}x (target < 1.5x)")


def result_updates(rate: float, seconds: float) -> int:
    return int(rate * seconds)


if __name__ == "__main__":
    main()
