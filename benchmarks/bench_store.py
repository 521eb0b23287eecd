"""Store backends side by side: 100,000 strikes imported, then a bbox query workload.

Runs a throwaway PostgreSQL 15 + PostGIS cluster (as the tests do) beside a GeoPackage
file and prints, for each, the import time (read CSV, validate, write, audit) and the time
for 300 bbox reads of about 10 × 10 km, with the ratio PostGIS / GeoPackage.

    .venv/bin/python benchmarks/bench_store.py [--strikes 100000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from remnant.io import import_file
from remnant.store import create_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import PostgresCluster


def strikes_csv(path: Path, n: int, seed: int = 3) -> Path:
    """SYNTHETIC strikes over a 5° × 3° region."""
    rng = np.random.default_rng(seed)
    pd.DataFrame(
        {
            "id": [f"S{i:06d}" for i in range(n)],
            "date": "2023-06-01",
            "munition": "m77_m26",
            "carriers": rng.integers(1, 6, n),
            "source_class": "eod_report",
            "accuracy_m": 50,
            "lon": rng.uniform(33.0, 38.0, n).round(6),
            "lat": rng.uniform(46.0, 49.0, n).round(6),
            "source": "SYNTHETIC: remnant store benchmark",
        }
    ).to_csv(path, index=False)
    return path


def workload(store, boxes) -> tuple[float, int]:
    t = time.perf_counter()
    found = sum(len(store.read("strikes", bbox=tuple(b))) for b in boxes)
    return time.perf_counter() - t, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--strikes", type=int, default=100_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="remnant-bench-"))
    cluster = PostgresCluster(folder)
    try:
        cluster.admin("CREATE DATABASE bench")
        csv = strikes_csv(folder / "strikes.csv", args.strikes)
        rng = np.random.default_rng(1)
        lon, lat = rng.uniform(33.0, 37.9, 300), rng.uniform(46.0, 48.9, 300)
        boxes = np.column_stack([lon, lat, lon + 0.13, lat + 0.09])
        results = {}
        for name, location in (
            ("GeoPackage", folder / "bench.gpkg"),
            ("PostGIS", f"{cluster.url}/bench"),
        ):
            store = create_store(location)
            t = time.perf_counter()
            import_file(store, csv, "strikes")
            imported = time.perf_counter() - t
            results[name] = (imported, *workload(store, boxes))
        print(f"{args.strikes:,} strikes (synthetic); 300 bbox reads of about 10 × 10 km")
        print(f"{'':12} {'import':>10} {'rows/s':>10} {'bbox reads':>11} {'rows found':>11}")
        for name, (imported, reads, found) in results.items():
            print(
                f"{name:12} {imported:9.2f}s {args.strikes / imported:10,.0f} "
                f"{reads:10.2f}s {found:11,}"
            )
        g, p = results["GeoPackage"], results["PostGIS"]
        print(
            f"ratio PostGIS / GeoPackage: import {p[0] / g[0]:.2f}×, "
            f"bbox reads {p[1] / g[1]:.2f}×; same rows found: {p[2] == g[2]}"
        )
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
