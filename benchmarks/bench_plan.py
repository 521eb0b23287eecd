"""Planning at national scale: 10,000 hazard areas and 50 teams, synthetic.

Prints, from one run: the time to rank the areas (hazard and population zonal sums,
land use, accidents) and to schedule the plan and its three baselines, each next to the
time to read the same areas from the store (the peer: what any use of the data costs);
peak memory added next to the size of the hazard grid held; and, on 300 small instances
(≤ 10 areas, ≤ 3 teams), how far Smith's-rule list scheduling lands from the exact
optimum, next to the (1 + √2)/2 worst-case bound.

    .venv/bin/python benchmarks/bench_plan.py [--areas 10000] [--teams 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.transform import from_origin

from remnant.grid import equal_area_crs
from remnant.io import import_records
from remnant.priority import make_plan, rank
from remnant.schedule import (
    KAWAGUCHI_KYAN,
    list_schedule,
    optimal_weighted_completion,
    weighted_completion,
)
from remnant.store import create_store

CRS = equal_area_crs(32.0, 49.0)
SIDE = 300_000.0  # metres: a 300 × 300 km region
CELL = 50.0


def synthetic_store(folder: Path, n: int, seed: int = 1):
    """SYNTHETIC: n square-ish hazard areas, 500 accidents, a hazard and a population grid."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-SIDE / 2 + 3e3, SIDE / 2 - 3e3, n)
    y = rng.uniform(-SIDE / 2 + 3e3, SIDE / 2 - 3e3, n)
    half = np.sqrt(rng.lognormal(np.log(20_000), 1.0, n)) / 2
    boxes = shapely.box(x - half, y - half, x + half, y + half)
    label = "SYNTHETIC: remnant plan benchmark"
    store = create_store(folder / "plan.gpkg")
    kinds = rng.choice(["CHA", "SHA"], n, p=[0.7, 0.3])
    land = rng.choice(["farmland", "pasture", "forest", "residential"], n)
    import_records(
        store,
        "hazard_areas",
        gpd.GeoDataFrame(
            {
                "id": [f"H{i:05d}" for i in range(n)],
                "kind": kinds,
                "status": "open",
                "land_use": land,
                "source": label,
            },
            geometry=boxes,
            crs=CRS,
        ),
    )
    dates = [dt.date(2024, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 600, 500)]
    import_records(
        store,
        "accidents",
        gpd.GeoDataFrame(
            {"id": [f"A{i}" for i in range(500)], "killed": 1, "source": label, "date": dates},
            geometry=shapely.points(rng.uniform(-SIDE / 2, SIDE / 2, (500, 2))),
            crs=CRS,
        ),
    )
    width = int(SIDE / CELL)
    transform = from_origin(-SIDE / 2, SIDE / 2, CELL, CELL)
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": width,
        "count": 1,
        "dtype": "float32",
        "crs": CRS.to_wkt(),
        "transform": transform,
        "tiled": True,
        "compress": "deflate",
    }
    hazard = folder / "hazard.tif"
    with rasterio.open(hazard, "w", **profile) as dst:
        for row in range(0, width, 1000):
            block = rng.gamma(0.3, 0.02, (min(1000, width - row), width)).astype(np.float32)
            dst.write(block, 1, window=((row, row + len(block)), (0, width)))
    population = folder / "population.tif"
    coarse = int(SIDE / 1000)
    profile |= {"width": coarse, "height": coarse}
    profile["transform"] = from_origin(-SIDE / 2, SIDE / 2, 1000, 1000)
    with rasterio.open(population, "w", **profile) as dst:
        dst.write(rng.gamma(1.0, 60.0, (coarse, coarse)).astype(np.float32), 1)
    return store, hazard, population


def gaps(count: int = 300, seed: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        n, teams = int(rng.integers(2, 11)), int(rng.integers(1, 4))
        days, weights = rng.uniform(1, 50, n), rng.lognormal(0, 1, n)
        order = np.argsort(-weights / days, kind="stable")
        heuristic = weighted_completion(list_schedule(order, days, teams), weights)
        out.append(heuristic / optimal_weighted_completion(weights, days, teams))
    return np.array(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--areas", type=int, default=10_000)
    parser.add_argument("--teams", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store, hazard, population = synthetic_store(Path(tmp), args.areas)
        t = time.perf_counter()
        store.read("hazard_areas")
        read = time.perf_counter() - t
        t = time.perf_counter()
        table, _ = rank(store, hazard=hazard, population=population)
        ranking = time.perf_counter() - t
        t = time.perf_counter()
        plan = make_plan(table, [], teams=args.teams, horizon=365.0)
        scheduling = time.perf_counter() - t
        # Memory in a second pass: tracing every allocation slows Python several times.
        tracemalloc.start()
        make_plan(rank(store, hazard=hazard, population=population)[0], [], teams=args.teams)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    grid_mib = (SIDE / CELL) ** 2 * 4 / 2**20
    print(
        f"synthetic: {args.areas:,} hazard areas, {args.teams} teams, "
        f"{SIDE / 1e3:.0f} × {SIDE / 1e3:.0f} km hazard grid of {CELL:.0f} m"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    parts = len(plan.schedule)
    print(f"read the areas from the store       {read:7.2f} s   (peer)")
    print(f"rank (hazard, population, exposure) {ranking:7.2f} s  {ranking / read:6.1f}× the read")
    print(
        f"schedule plan + 3 baselines         {scheduling:7.2f} s  "
        f"{scheduling / read:6.1f}× the read ({parts:,} parts scheduled)"
    )
    mib = peak / 2**20
    print(
        f"peak memory added (Python heap)     {mib:7.0f} MiB "
        f"{mib / grid_mib:5.2f}× the hazard grid ({grid_mib:,.0f} MiB, float32)"
    )
    print(f"max RSS of the process              {rss:7.0f} MiB")
    ratio = gaps()
    print(
        f"small instances (300, ≤ 10 areas, ≤ 3 teams): heuristic / optimum "
        f"mean {ratio.mean():.4f}, worst {ratio.max():.4f}; "
        f"bound {KAWAGUCHI_KYAN:.4f}; optimal in {(ratio < 1 + 1e-9).mean():.0%}"
    )
    averted = plan.averted(90.0)
    print(
        "harm averted in the first 90 days, plan / baseline: "
        + ", ".join(f"{k} {averted['plan'] / v:.1f}×" for k, v in averted.items() if k != "plan")
    )


if __name__ == "__main__":
    main()
