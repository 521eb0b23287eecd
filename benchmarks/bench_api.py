"""A page of records costs the page, not the layer: the API on 6,000 and 600,000 strikes.

For each store size and backend (GeoPackage; PostGIS with ``--postgis``, in a throwaway
cluster as the tests run it), the server runs in this process (uvicorn on loopback) and a
client times whole HTTP requests: ``GET /api/strikes?limit=100``, a page deep in the
layer (``offset``), a bbox page, and ``GET /ogc/collections`` (extents from metadata).
Printed: the median of 20 requests of each, and the ratio 600,000 / 6,000 (target:
within 5). Synthetic strikes.

    .venv/bin/python benchmarks/bench_api.py [--small 6000] [--large 600000] [--postgis]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from remnant.io import import_file
from remnant.store import create_store
from remnant.web.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bench_store import strikes_csv
from helpers import PostgresCluster

REQUESTS = {
    "first page (limit=100)": "/api/strikes?limit=100",
    "deep page (offset=n/2)": "/api/strikes?limit=100&offset={half}",
    "bbox page (10 × 10 km)": "/api/strikes?limit=100&bbox=35.0,47.0,35.13,47.09",
    "OGC collections": "/ogc/collections",
}


def serve(store) -> tuple[str, uvicorn.Server]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def timings(store, n: int) -> dict[str, float]:
    key = store.add_user("bench", "viewer")
    url, server = serve(store)
    out = {}
    with httpx.Client(headers={"X-API-Key": key}, timeout=600) as client:
        for label, path in REQUESTS.items():
            target = url + path.format(half=n // 2)
            client.get(target).raise_for_status()  # warm
            seconds = []
            for _ in range(20):
                t = time.perf_counter()
                client.get(target).raise_for_status()
                seconds.append(time.perf_counter() - t)
            out[label] = statistics.median(seconds)
    server.should_exit = True
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=6_000)
    parser.add_argument("--large", type=int, default=600_000)
    parser.add_argument("--postgis", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="remnant-bench-"))
    cluster = PostgresCluster(folder) if args.postgis else None
    backends = [("GeoPackage", lambda n: folder / f"s{n}.gpkg")]
    if cluster is not None:
        backends.append(("PostGIS", lambda n: f"{cluster.url}/s{n}"))
    try:
        print(f"strikes (synthetic): {args.small:,} and {args.large:,}; median of 20 requests")
        for name, location in backends:
            results = {}
            for n in (args.small, args.large):
                if cluster is not None and name == "PostGIS":
                    cluster.admin(f"CREATE DATABASE s{n}")
                store = create_store(location(n))
                import_file(store, strikes_csv(folder / f"s{n}.csv", n), "strikes")
                results[n] = timings(store, n)
            for label in REQUESTS:
                small, large = results[args.small][label], results[args.large][label]
                print(
                    f"{name:10} {label:24} {small * 1e3:8.1f} ms {large * 1e3:8.1f} ms"
                    f"   ratio {large / small:5.2f} (target <= 5)"
                )
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
