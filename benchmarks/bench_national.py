"""National scale: the SYNTHETIC national scenario's hazard map at 100 m, tile by tile.

Prints, from one run: wall time and peak memory of the whole process tree (this process
and every Dask worker) for the single-process run next to a LocalCluster of 2 workers, and
the single-process time at 12,500 / 25,000 / 50,000 strikes with the growth between
them (close to 2× per doubling is linear). Targets on a 2-core machine: under 60 s and
2 GB at 50,000 strikes.

    .venv/bin/python benchmarks/bench_national.py [--cell 100]
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import threading
import time
from pathlib import Path

import psutil

from remnant.mapping import write_hazard
from remnant.national import build_national


class PeakMemory:
    """Peak resident memory of this process and all its descendants, sampled every 0.1 s."""

    def __init__(self):
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):  # a worker may exit meanwhile
                    total += p.memory_info().rss
            self.peak = max(self.peak, total)
            self._stop.wait(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run(store, folder: Path, cell: float, scheduler=None, workers=None):
    with PeakMemory() as memory:
        t = time.perf_counter()
        hazard, _, _ = write_hazard(
            store,
            cell,
            folder / f"{scheduler or 'single'}.tif",
            samples=0,
            overwrite=True,
            scheduler=scheduler,
            workers=workers,
        )
        seconds = time.perf_counter() - t
    return seconds, memory.peak / 2**30, hazard


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cell", type=float, default=100.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stores = {n: build_national(folder / str(n), n_strikes=n) for n in (12_500, 25_000, 50_000)}
        big = stores[50_000]
        single, single_mem, hazard = run(big, folder, args.cell)
        local, local_mem, _ = run(big, folder, args.cell, scheduler="local", workers=2)
        h, w = hazard.grid.shape
        print(
            f"synthetic national scenario: {big.counts()['strikes']:,} strikes, "
            f"{big.counts()['hazard_areas']:,} hazard areas, {big.counts()['activities']:,} "
            f"activities; grid {w:,} × {h:,} cells of {args.cell:g} m "
            f"({w * h * args.cell**2 / 1e6:,.0f} km²)"
        )
        print(f"single process        {single:6.1f} s   peak {single_mem:5.2f} GB (process tree)")
        print(
            f"LocalCluster, 2 workers {local:4.1f} s   peak {local_mem:5.2f} GB   "
            f"ratio single / cluster {single / local:.2f}"
        )
        times = {n: run(s, folder, args.cell)[0] for n, s in stores.items() if n != 50_000}
        times[50_000] = single
        print("strikes   seconds   growth per doubling")
        previous = None
        for n, s in times.items():
            growth = f"{s / previous:.2f}×" if previous else ""
            print(f"{n:7,}   {s:7.1f}   {growth}")
            previous = s
        print(
            f"targets at 50,000 strikes: < 60 s ({'met' if single < 60 else 'NOT met'}), "
            f"< 2 GB ({'met' if max(single_mem, local_mem) < 2 else 'NOT met'})"
        )


if __name__ == "__main__":
    main()
