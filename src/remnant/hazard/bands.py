"""Uncertainty bands per hazard area: Monte Carlo over what the map takes as known.

Each draw picks, for every munition type, a dud rate from its Beta distribution (shared
by the strikes of that type: the uncertainty is about the type), for every strike a
carrier count uniformly in its min–max range and a shift of its reported position from
its location error; then the number of duds of each strike (binomial), their positions
(the strike's footprint kernel), and whether each survived the activities that covered it
after the strike (each finds it with its detection probability). Counting the survivors
in each hazard area gives, over the draws, the 5th, 50th and 95th percentiles of the items
remaining and the probability that any remain.

Simplification: duds scatter independently around the strike's shifted centre with the
footprint-plus-carrier-spread covariance, rather than carrier by carrier.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from remnant.hazard.model import HazardMap

__all__ = ["area_bands"]

log = logging.getLogger(__name__)


def area_bands(
    hazard: HazardMap,
    areas: gpd.GeoDataFrame,
    *,
    samples: int = 200,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Percentiles of the items remaining per area over ``samples`` draws.

    Returns a frame with ``hazard_area``, ``mc_mean``, ``p05``, ``p50``, ``p95`` and
    ``p_any_mc`` (the share of draws with at least one item).
    """
    rng = np.random.default_rng(seed)
    k = hazard.kernels
    projected = areas.to_crs(hazard.grid.crs) if areas.crs else areas
    area_tree = shapely.STRtree(projected.geometry.to_numpy())
    act_geoms = np.array([a[0] for a in hazard.activities], dtype=object)
    act_d = np.array([a[1] for a in hazard.activities], dtype=float)
    act_tree = shapely.STRtree(act_geoms) if len(act_geoms) else None
    epochs = hazard.epochs if hazard.epochs is not None else np.zeros(len(k.x), np.int64)
    types = sorted(set(k.munition))
    counts = np.zeros((samples, len(projected)), np.int64)
    # Cholesky factors of each strike's footprint covariance (without location error).
    a = np.sqrt(k.footprint_xx)
    b = k.footprint_xy / a
    c = np.sqrt(np.maximum(k.footprint_yy - b * b, 0.0))
    sigma_loc = np.sqrt(k.location_var)
    for draw in range(samples):
        rate = {t: rng.beta(hazard.rates[t].alpha, hazard.rates[t].beta) for t in types}
        p = np.array([rate[t] for t in k.munition])
        n = rng.integers(k.carriers_min.astype(np.int64), k.carriers_max.astype(np.int64) + 1)
        duds = rng.binomial((n * k.per_carrier).astype(np.int64), p)
        cx = k.x + rng.normal(0, 1, len(k.x)) * sigma_loc
        cy = k.y + rng.normal(0, 1, len(k.y)) * sigma_loc
        owner = np.repeat(np.arange(len(k.x)), duds)
        z1, z2 = rng.normal(size=(2, len(owner)))
        x = cx[owner] + a[owner] * z1
        y = cy[owner] + b[owner] * z1 + c[owner] * z2
        alive = np.ones(len(owner), bool)
        if act_tree is not None and len(owner):
            pts, acts = act_tree.query(shapely.points(x, y), predicate="within")
            applies = acts >= epochs[owner[pts]]
            found = rng.random(applies.sum()) < act_d[acts[applies]]
            alive[pts[applies][found]] = False
        if alive.any():
            pts, hit = area_tree.query(shapely.points(x[alive], y[alive]), predicate="within")
            np.add.at(counts[draw], hit, 1)
        if progress:
            progress(1)
    return pd.DataFrame(
        {
            "hazard_area": projected["id"].to_numpy(),
            "mc_mean": counts.mean(axis=0),
            "p05": np.percentile(counts, 5, axis=0),
            "p50": np.percentile(counts, 50, axis=0),
            "p95": np.percentile(counts, 95, axis=0),
            "p_any_mc": (counts > 0).mean(axis=0),
        }
    )
