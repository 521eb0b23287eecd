"""A SYNTHETIC national-scale scenario, to show and measure the tiled hazard map.

About 600,000 km² (1,000 × 600 km, Lambert azimuthal equal-area), 50,000 strikes of the
demo's munition types concentrated along three front lines, hazard areas as clusters of
2 km cells holding strikes (all confirmed), clearance and technical survey over part of
them, and the duds those found: each strike's submunitions scattered carrier by carrier
from its true centre (its record is that centre moved by its location error), each
failing at the strike's own rate (drawn around its type's), each search finding the
duds inside it with its detection probability — so that the map can be back-tested at
national scale (``remnant backtest``). Every record's ``source`` says SYNTHETIC; nothing
here describes a real place, event or weapon use. Built by
``remnant demo DIR --scale national``.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from remnant.catalogue import default_catalogue, default_survey
from remnant.demo import (
    CARRIERS,
    DETECTION,
    SOURCES,
    TRUE_CONCENTRATION,
    TRUE_DUD_RATES,
    TYPE_SHARES,
    USER,
)
from remnant.grid import equal_area_crs
from remnant.hazard.footprint import scatter_duds
from remnant.io import import_records
from remnant.store import create_store
from remnant.workflow import polygonal

__all__ = ["build_national", "national_scenario"]

log = logging.getLogger(__name__)

LABEL = "SYNTHETIC: remnant national-scale scenario"
CRS = equal_area_crs(31.0, 49.0)
WIDTH, HEIGHT = 1_000_000.0, 600_000.0  # metres
CELL = 2_000.0  # hazard areas are clusters of these cells …
BLOCK = 10  # … within blocks of 10 × 10 cells
BACKTEST_BEFORE = dt.date(2025, 1, 1)  # about half the searches before, half after


def national_scenario(seed: int = 11, n_strikes: int = 50_000) -> dict[str, gpd.GeoDataFrame]:
    """Strikes, hazard areas, activities and items (EPSG:4326), labelled synthetic.

    >>> layers = national_scenario(seed=1, n_strikes=200)
    >>> list(layers), len(layers["strikes"])
    (['strikes', 'hazard_areas', 'activities', 'items'], 200)
    """
    rng = np.random.default_rng(seed)
    catalogue = default_catalogue()
    # Three front lines across the region; strikes scatter a few km either side.
    line = rng.integers(0, 3, n_strikes)
    u = rng.uniform(0.02, 0.98, n_strikes)
    base = np.array([0.25, 0.5, 0.75])[line]
    y = HEIGHT * (base + 0.08 * np.sin(2 * np.pi * (u * (1.5 + line) + line / 3)))
    y = np.clip(y + rng.normal(0, 6_000, n_strikes), 5_000, HEIGHT - 5_000) - HEIGHT / 2
    x = u * WIDTH - WIDTH / 2
    types = rng.choice(list(TYPE_SHARES), n_strikes, p=list(TYPE_SHARES.values()))
    lo_hi = np.array([CARRIERS[catalogue[t].delivery] for t in types])
    carriers = rng.integers(lo_hi[:, 0], lo_hi[:, 1] + 1)
    classes = rng.choice(list(SOURCES), n_strikes, p=[s[0] for s in SOURCES.values()])
    days = rng.integers(0, 800, n_strikes)  # all before the first search (2024-07-01)
    accuracy = np.array([SOURCES[c][1] for c in classes])
    duds = _duds(rng, x, y, types, carriers)
    x, y = x + rng.normal(0, accuracy), y + rng.normal(0, accuracy)  # as reported
    strikes = gpd.GeoDataFrame(
        {
            "id": [f"NST-{i + 1:06d}" for i in range(n_strikes)],
            "date": [dt.date(2022, 3, 1) + dt.timedelta(days=int(d)) for d in days],
            "munition": types,
            "carriers": carriers,
            "azimuth_deg": np.nan,
            "source_class": classes,
            "accuracy_m": accuracy,
            "source": LABEL,
        },
        geometry=shapely.points(x, y),
        crs=CRS,
    )
    # Hazard areas: connected clusters of 2 km cells that hold strikes, within 20 km blocks
    # (the way survey divides a front line into tasks).
    cx, cy = np.floor(x / CELL), np.floor(y / CELL)
    cells = np.unique(np.column_stack([cx, cy]), axis=0)
    boxes = shapely.box(*(cells * CELL).T, *((cells + 1) * CELL).T)
    block = (cells // BLOCK).astype(np.int64)
    key = block[:, 0] * 100_000 + block[:, 1]
    parts = np.concatenate(
        [shapely.get_parts(shapely.union_all(boxes[key == k])) for k in np.unique(key)]
    )
    parts = shapely.segmentize(parts, 2_000.0)
    n = len(parts)
    areas = gpd.GeoDataFrame(
        {
            "id": [f"NHA-{i + 1:05d}" for i in range(n)],
            "kind": "CHA",
            "status": "open",
            "date": dt.date(2024, 6, 1),
            "land_use": rng.choice(["farmland", "pasture", "forest", "residential"], n),
            "source": LABEL,
        },
        geometry=parts,
        crs=CRS,
    )
    # One activity in a quarter of the areas: a square of up to 1 km around a point inside.
    chosen = np.flatnonzero(rng.random(n) < 0.25)
    inside = shapely.point_on_surface(parts[chosen])
    half = rng.uniform(150, 500, len(chosen))
    squares = shapely.box(
        shapely.get_x(inside) - half,
        shapely.get_y(inside) - half,
        shapely.get_x(inside) + half,
        shapely.get_y(inside) + half,
    )
    worked = shapely.intersection(squares, parts[chosen])
    keep = shapely.area(worked) > 10_000
    kind = rng.choice(["clearance", "TS"], keep.sum(), p=[0.7, 0.3])
    start = [
        dt.date(2024, 7, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 400, keep.sum())
    ]
    activities = gpd.GeoDataFrame(
        {
            "id": [f"NAC-{i + 1:05d}" for i in range(keep.sum())],
            "type": kind,
            "organisation": "Synthetic National Operator",
            "start": start,
            "end": [s + dt.timedelta(days=30) for s in start],
            "method": np.where(kind == "clearance", "manual", "mechanical"),
            "depth_cm": 20.0,
            "hazard_area": areas["id"].to_numpy()[chosen[keep]],
            "outcome": np.where(kind == "clearance", "cleared", "reduced"),
            "source": LABEL,
        },
        geometry=[polygonal(g) for g in worked[keep]],
        crs=CRS,
    )
    items = _found(rng, activities, duds)
    return {
        "strikes": strikes.to_crs(4326),
        "hazard_areas": areas.to_crs(4326),
        "activities": activities.to_crs(4326),
        "items": items.to_crs(4326),
    }


def _duds(rng, x, y, types, carriers) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each strike's duds lie (x, y) and their munition, carrier by carrier.

    A strike's rate is drawn around its type's (Beta, concentration ``TRUE_CONCENTRATION``),
    its line of flight uniformly; its duds fall as :func:`scatter_duds` has them (the
    footprint's σ length/4 along, width/4 across).
    """
    catalogue, spread = default_catalogue(), default_survey().carrier_spread_m
    entries = [catalogue[t] for t in types]
    mean = np.array([TRUE_DUD_RATES[t] for t in types])
    rate = rng.beta(mean * TRUE_CONCENTRATION, (1 - mean) * TRUE_CONCENTRATION)
    heading = rng.uniform(0, np.pi, len(types))
    dud_x, dud_y, strike = scatter_duds(
        rng,
        x,
        y,
        carriers,
        np.array([m.submunitions_per_carrier for m in entries]),
        rate,
        np.array([spread[m.delivery] for m in entries]),
        (np.array([m.footprint_length_m for m in entries]) / 4) ** 2,
        (np.array([m.footprint_width_m for m in entries]) / 4) ** 2,
        heading,
    )
    return dud_x, dud_y, types[strike]


def _found(rng, activities: gpd.GeoDataFrame, duds) -> gpd.GeoDataFrame:
    """The duds each search found, in the order the searches were done (one find each)."""
    x, y, munition = duds
    order = np.argsort(activities["start"].to_numpy(), kind="stable")
    polygons = activities.geometry.to_numpy()[order]
    pts, hit = shapely.STRtree(polygons).query(shapely.points(x, y), predicate="within")
    first = np.lexsort((hit, pts))
    pts, hit = pts[first], hit[first]
    kind = activities["type"].to_numpy()[order][hit]
    success = rng.random(len(pts)) < np.array([DETECTION[k] for k in kind])
    _, once = np.unique(pts[success], return_index=True)
    dud, search = pts[success][once], order[hit[success][once]]
    return gpd.GeoDataFrame(
        {
            "id": [f"NIT-{i + 1:07d}" for i in range(len(dud))],
            "date": activities["end"].to_numpy()[search],
            "munition": munition[dud],
            "category": "submunition",
            "state": "dud",
            "activity": activities["id"].to_numpy()[search],
            "destroyed": True,
            "source": LABEL,
        },
        geometry=shapely.points(x[dud], y[dud]),
        crs=activities.crs,
    )


def build_national(
    folder: str | Path, *, seed: int = 11, n_strikes: int = 50_000, overwrite: bool = False
):
    """Build the national scenario's store in FOLDER (``national.gpkg``); return the store."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    store = create_store(folder / "national.gpkg", overwrite=overwrite)
    for layer, frame in national_scenario(seed, n_strikes).items():
        log.info("importing %d %s", len(frame), layer)
        import_records(store, layer, frame, name=f"national {layer}", user=USER)
    return store
