"""Hazard maps: expected unexploded submunitions per cell, and per hazard area with bands.

The library function :func:`expected_items` works on plain inputs (a GeoDataFrame of
strikes, a :class:`Grid`, optional activity polygons); :func:`map_store` runs it on a
record store and adds the per-area sums and Monte Carlo bands.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from remnant.catalogue import default_survey
from remnant.errors import ModelError
from remnant.hazard.bands import area_bands
from remnant.hazard.footprint import strike_kernels
from remnant.hazard.grid import Grid, coverage, equal_area_crs
from remnant.hazard.model import DudRate, HazardMap, area_sums, expected_items, prior_dud_rates

__all__ = [
    "DudRate",
    "Grid",
    "HazardMap",
    "area_bands",
    "area_sums",
    "coverage",
    "equal_area_crs",
    "expected_items",
    "map_store",
    "prior_dud_rates",
    "write_hazard",
]


def map_store(
    store,
    cell: float,
    *,
    samples: int = 200,
    truncate: float = 4.0,
    seed: int = 0,
    progress=None,
    field_rates: bool = True,
    fit=None,
):
    """The hazard map of a store's strikes and activities, and its per-area table.

    The grid is in an equal-area projection centred on the strikes and covers every
    strike's kernel out to ``truncate`` σ (so nothing falls off it) and every hazard area.
    With ``field_rates`` the dud rates are fitted to the store's clearance results
    (:mod:`remnant.dudrate`) and each strike keeps its expected duds given what was found;
    types without clearance data keep the catalogue prior. A ``fit`` already made
    (:func:`remnant.dudrate.fit_store`) is used as it is.

    Returns
    -------
    (HazardMap, DataFrame)
        The map, and per hazard area: expected items remaining, P(any), and with
        ``samples`` > 0 the Monte Carlo mean, 5th/50th/95th percentiles and P(any).
    """
    strikes = store.read("strikes")
    if strikes.empty:
        raise ModelError(f"{store.backend} holds no strikes: nothing to map")
    activities = store.read("activities")
    areas = store.read("hazard_areas")
    lon, lat = (strikes.total_bounds.reshape(2, 2).mean(axis=0)).tolist()
    crs = equal_area_crs(lon, lat)
    catalogue, survey = store.catalogue(), default_survey()
    points = strikes.to_crs(crs).geometry
    kernels = strike_kernels(strikes, points.x.to_numpy(), points.y.to_numpy(), catalogue, survey)
    sxx, _, syy = kernels.covariance()
    rx, ry = truncate * np.sqrt(sxx), truncate * np.sqrt(syy)
    bounds = [
        (kernels.x - rx).min(),
        (kernels.y - ry).min(),
        (kernels.x + rx).max(),
        (kernels.y + ry).max(),
    ]
    if len(areas):
        ab = areas.to_crs(crs).total_bounds
        bounds = [
            min(bounds[0], ab[0]),
            min(bounds[1], ab[1]),
            max(bounds[2], ab[2]),
            max(bounds[3], ab[3]),
        ]
    grid = Grid.covering(bounds, cell, crs)
    rates, weights = None, None
    if field_rates and fit is None:
        from remnant.dudrate import fit_dud_rates

        fit = fit_dud_rates(strikes, activities, store.read("items"), grid, catalogue, survey)
    if fit is not None:
        rates, weights = fit.rates(), fit.strike_weights
    hazard = expected_items(
        strikes, grid, activities=activities, catalogue=catalogue, survey=survey, truncate=truncate,
        rates=rates, strike_weights=weights,
    )  # fmt: skip
    hazard.fit = fit
    table = area_sums(hazard, areas)
    if samples > 0 and len(areas):
        bands = area_bands(hazard, areas, samples=samples, seed=seed, progress=progress)
        table = table.merge(bands, on="hazard_area")
    else:
        for column in ("mc_mean", "p05", "p50", "p95", "p_any_mc"):
            table[column] = np.nan
    table["samples"] = samples
    table["cell_m"] = float(cell)
    return hazard, pd.DataFrame(table)


def write_hazard(
    store,
    cell: float,
    out,
    *,
    png=None,
    samples: int = 200,
    truncate: float = 4.0,
    seed: int = 0,
    overwrite: bool = False,
    user: str | None = None,
    progress=None,
    title: str = "Expected unexploded submunitions per cell",
    field_rates: bool = True,
    fit=None,
):
    """Map a store and write the results: the COG, the PNG, the hazard_area_risk layer.

    Refuses before computing anything if an output exists and ``overwrite`` is false.

    Returns
    -------
    (HazardMap, DataFrame, dict)
        The map, the per-area table, and the dud rate used per munition type.
    """
    from remnant.hazard.output import refuse_existing, write_cog, write_png

    for path in (out, png):
        if path is not None:
            refuse_existing(Path(path), overwrite)
    hazard_map, table = map_store(
        store, cell, samples=samples, truncate=truncate, seed=seed, progress=progress,
        field_rates=field_rates, fit=fit,
    )  # fmt: skip
    used = set(hazard_map.kernels.munition)
    rates = {
        k: {"mean": r.mean, "alpha": r.alpha, "beta": r.beta, "source": r.source}
        for k, r in hazard_map.rates.items()
        if k in used
    }
    write_cog(hazard_map, out, overwrite=overwrite, tags={"remnant_rates": json.dumps(rates)})
    if png is not None:
        write_png(
            hazard_map, png, areas=store.read("hazard_areas"), strikes=store.read("strikes"),
            overwrite=overwrite, title=title,
        )  # fmt: skip
    table["computed_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    table["rates"] = json.dumps(rates)
    store.replace_derived(
        "hazard_area_risk", table, user=user, note={"cell_m": cell, "samples": samples}
    )
    return hazard_map, table, rates
