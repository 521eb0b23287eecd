"""The whole `remnant hazard` command against QGIS's heat map, as users run them.

SYNTHETIC case: 20,000 strikes of catalogue munitions over 200 × 200 km (location σ by
source class, a share with known azimuth), mapped at 25 m cells (about 8,150 × 8,150).
Both tools run as separate processes, several times; the figures are process wall time
and peak resident memory (GNU time), medians, and their ratios from the same run.

The peer is `qgis_process run qgis:heatmapkerneldensityestimation` (Debian's QGIS) on the
same points in the same projection, each with a radius of 4 σ (remnant's truncation) and
its expected duds as weight, on the same extent and cell size. QGIS samples a quartic
kernel at cell centres where remnant integrates Gaussians over cells and applies the
searches: the comparison is of speed and memory for the same grid, not of values.

    .venv/bin/python benchmarks/bench_hazard_cli.py [--strikes 20000] [--cell 25] [--runs 3]

QGIS is installed from Debian (package qgis) when missing, waiting for the package
manager's lock; without root it must be there already.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from remnant.catalogue import SOURCE_CLASSES, default_catalogue
from remnant.mapping import read_inputs
from remnant.store import create_store
from whole_command import timed

ROOT = Path(__file__).resolve().parents[1]
EXTENT_M = 200_000.0
CENTRE = (35.0, 33.5)  # lon, lat of the synthetic programme


def synthetic_strikes(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    """SYNTHETIC strikes: catalogue munitions, carriers 1–6, a quarter with an azimuth."""
    rng = np.random.default_rng(seed)
    keys = [k for k in default_catalogue() if k != "unknown"]
    lo = rng.integers(1, 4, n)
    crs = f"+proj=laea +lat_0={CENTRE[1]} +lon_0={CENTRE[0]} +datum=WGS84 +units=m"
    points = gpd.GeoSeries(
        shapely.points(rng.uniform(-1, 1, n) * EXTENT_M / 2, rng.uniform(-1, 1, n) * EXTENT_M / 2),
        crs=crs,
    ).to_crs(4326)
    return gpd.GeoDataFrame(
        {
            "id": [f"S{i:05d}" for i in range(n)],
            "munition": rng.choice(keys, n),
            "carriers_min": lo,
            "carriers_max": lo + rng.integers(0, 3, n),
            "azimuth_deg": np.where(rng.random(n) < 0.25, rng.uniform(0, 180, n).round(), np.nan),
            "source_class": rng.choice(SOURCE_CLASSES[:4], n),
            "source": "SYNTHETIC benchmark",
        },
        geometry=points.to_numpy(),
        crs=4326,
    )


def qgis_points(store, cell: float, path: Path):
    """The same strikes for QGIS (remnant's projection, radius 4 σ, expected duds); the grid."""
    inputs = read_inputs(store, cell)
    k, grid = inputs.kernels, inputs.grid
    sxx, _, syy = k.covariance()
    radius = 4.0 * np.sqrt(np.maximum(sxx, syy))
    weight = (
        k.carriers_mean
        * k.per_carrier
        * np.array([inputs.catalogue[m].prior_mean for m in k.munition])
    )
    left, bottom, right, top = grid.bounds
    pins = ([left + cell / 2, right - cell / 2], [bottom + cell / 2, top - cell / 2])
    gpd.GeoDataFrame(
        {"radius": np.r_[radius, [cell, cell]], "weight": np.r_[weight, [0.0, 0.0]]},
        geometry=shapely.points(np.r_[k.x, pins[0]], np.r_[k.y, pins[1]]),
        crs=grid.crs,
    ).to_file(path)
    return grid


def qgis_process() -> str:
    """QGIS's command line, installed from Debian when missing (as root)."""

    # Debian's qgis_process wrapper passes --noversioncheck, which QGIS 3.22 refuses.
    def find():
        return shutil.which("qgis_process.bin") or shutil.which("qgis_process")

    if find() is None and os.geteuid() == 0:
        subprocess.run(
            ["apt-get", "-o", "DPkg::Lock::Timeout=1200", "install", "-y", "-qq", "qgis"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    exe = find()
    if exe is None:
        raise SystemExit("QGIS (Debian package qgis) is needed: apt-get install qgis")
    return exe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strikes", type=int, default=20_000)
    parser.add_argument("--cell", type=float, default=25.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    exe = qgis_process()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = create_store(folder / "bench.gpkg")
        store.write("strikes", synthetic_strikes(args.strikes), user="benchmark")
        grid = qgis_points(store, args.cell, folder / "points.gpkg")
        print(
            f"SYNTHETIC: {args.strikes:,} strikes, {grid.height:,} × {grid.width:,} cells of "
            f"{args.cell:g} m; {args.runs} runs each, medians (min–max)"
        )
        remnant = [
            str(Path(sys.executable).with_name("remnant")),
            "hazard",
            str(folder / "bench.gpkg"),
            "--cell",
            f"{args.cell:g}",
            "--samples",
            "0",
            "--out",
            str(folder / "remnant.tif"),
            "--overwrite",
        ]
        qgis = [
            exe,
            "run",
            "qgis:heatmapkerneldensityestimation",
            "--",
            f"INPUT={folder / 'points.gpkg'}",
            "RADIUS=100",
            "RADIUS_FIELD=radius",
            f"PIXEL_SIZE={args.cell:g}",
            "WEIGHT_FIELD=weight",
            "KERNEL=0",
            "OUTPUT_VALUE=0",
            f"OUTPUT={folder / 'qgis.tif'}",
        ]
        results = {}
        for name, command in (("remnant hazard", remnant), ("QGIS heat map", qgis)):
            runs = [timed(command, env) for _ in range(args.runs)]
            results[name] = runs
            walls, peaks = [r[0] for r in runs], [r[1] for r in runs]
            print(
                f"{name:15s} wall {statistics.median(walls):6.1f} s ({min(walls):.1f}–"
                f"{max(walls):.1f}), peak {statistics.median(peaks):6.0f} MiB "
                f"({min(peaks):.0f}–{max(peaks):.0f})"
            )
        ours, theirs = results["remnant hazard"], results["QGIS heat map"]
        wall = statistics.median(r[0] for r in theirs) / statistics.median(r[0] for r in ours)
        peak = statistics.median(r[1] for r in ours) / statistics.median(r[1] for r in theirs)
        print(f"speed: remnant is {wall:.2f}× QGIS's (target ≥ 1, goal ≥ 3)")
        print(f"peak memory: remnant uses {peak:.2f}× QGIS's (target ≤ 1)")


if __name__ == "__main__":
    main()
