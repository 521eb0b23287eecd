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
from remnant.hazard.engine import losses
from remnant.hazard.footprint import strike_kernels
from remnant.hazard.grid import Grid, coverage, equal_area_crs
from remnant.hazard.model import (
    DudRate,
    HazardMap,
    area_sums,
    expected_items,
    prepare,
    prior_dud_rates,
)

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


def _store_inputs(store, cell: float, truncate: float, field_rates: bool, fit):
    """A store's strikes, activities and areas on a grid covering them, and the fit."""
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
    if field_rates and fit is None and len(store.read("items", limit=1)):
        from remnant.dudrate import fit_dud_rates

        fit = fit_dud_rates(strikes, activities, store.read("items"), grid, catalogue, survey)
    prepared = prepare(
        strikes, grid, activities=activities, catalogue=catalogue, survey=survey,
        rates=fit.rates() if fit is not None else None, truncate=truncate,
        strike_weights=fit.strike_weights if fit is not None else None,
    )  # fmt: skip
    return grid, prepared, areas, fit


def _with_bands(hazard: HazardMap, table, areas, samples, seed, progress, cell) -> pd.DataFrame:
    if samples > 0 and len(areas):
        bands = area_bands(hazard, areas, samples=samples, seed=seed, progress=progress)
        table = table.merge(bands, on="hazard_area")
    else:
        for column in ("mc_mean", "p05", "p50", "p95", "p_any_mc"):
            table[column] = np.nan
    table["samples"] = samples
    table["cell_m"] = float(cell)
    return pd.DataFrame(table)


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
    """The hazard map of a store's strikes and activities in memory, and its per-area table.

    The grid is in an equal-area projection centred on the strikes and covers every
    strike's kernel out to ``truncate`` σ (so nothing falls off it) and every hazard area.
    With ``field_rates`` the dud rates are fitted to the store's clearance results
    (:mod:`remnant.dudrate`) and each strike keeps its expected duds given what was found;
    types without clearance data keep the catalogue prior. A ``fit`` already made
    (:func:`remnant.dudrate.fit_store`) is used as it is. For national extents,
    :func:`write_hazard` computes the same map tile by tile.

    Returns
    -------
    (HazardMap, DataFrame)
        The map, and per hazard area: expected items remaining, P(any), and with
        ``samples`` > 0 the Monte Carlo mean, 5th/50th/95th percentiles and P(any).
    """
    grid, prepared, areas, fit = _store_inputs(store, cell, truncate, field_rates, fit)
    hazard = expected_items(
        store.read("strikes"), grid, activities=store.read("activities"),
        catalogue=store.catalogue(), rates=prepared.rates, truncate=truncate,
        strike_weights=prepared.weights,
    )  # fmt: skip
    hazard.fit = fit
    table = _with_bands(hazard, area_sums(hazard, areas), areas, samples, seed, progress, cell)
    return hazard, table


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
    tile: int = 1024,
    scheduler: str | None = None,
    workers: int | None = None,
    tile_progress=None,
):
    """Map a store tile by tile and write the COG, the PNG and the hazard_area_risk layer.

    The map is computed in tiles of ``tile`` cells (:mod:`remnant.hazard.tiled`), here or
    on Dask (``scheduler`` ``local`` or ``tcp://HOST:PORT``), so memory is bounded by the
    tile, not the extent. Refuses before computing anything if an output exists and
    ``overwrite`` is false.

    Returns
    -------
    (HazardMap, DataFrame, dict)
        The map's accounting (``expected`` is None: the cells are in the COG), the
        per-area table, and the dud rate used per munition type.
    """
    from remnant.hazard.output import refuse_existing, write_png
    from remnant.hazard.tiled import TileJob, run_tiles

    for path in (out, png):
        if path is not None:
            refuse_existing(Path(path), overwrite)
    grid, prepared, areas, fit = _store_inputs(store, cell, truncate, field_rates, fit)
    used = set(prepared.kernels.munition)
    rates = {
        k: {"mean": r.mean, "alpha": r.alpha, "beta": r.beta, "source": r.source}
        for k, r in prepared.rates.items()
        if k in used
    }
    projected = areas.to_crs(grid.crs)
    kernels = prepared.kernel_set()
    job = TileJob(
        grid, kernels, prepared.epochs, prepared.activities, projected.geometry.to_numpy(),
        truncate,
    )  # fmt: skip
    result = run_tiles(
        job, Path(out), size=tile, scheduler=scheduler, workers=workers,
        tags={"remnant_rates": json.dumps(rates)}, progress=tile_progress,
    )  # fmt: skip
    truncated, outside = losses(kernels, grid.shape, grid.left, grid.top, grid.cell, truncate)
    hazard = HazardMap(
        grid=grid, expected=None, total=float(prepared.weights.sum()), truncated=truncated,
        outside=outside, removed=result.removed, rates=prepared.rates, kernels=prepared.kernels,
        weights=prepared.weights, epochs=prepared.epochs, activities=prepared.activities, fit=fit,
    )  # fmt: skip
    table = pd.DataFrame(
        {
            "hazard_area": projected["id"].to_numpy(),
            "area_m2": projected.geometry.area.to_numpy(),
            "expected": result.area_expected,
            "p_any": -np.expm1(-result.area_expected),
        }
    )
    table = _with_bands(hazard, table, areas, samples, seed, progress, cell)
    if png is not None:
        write_png(
            out, png, areas=areas, strikes=store.read("strikes"), overwrite=overwrite,
            title=title,
        )  # fmt: skip
    table["computed_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    table["rates"] = json.dumps(rates)
    store.replace_derived(
        "hazard_area_risk", table, user=user, note={"cell_m": cell, "samples": samples}
    )
    return hazard, table, rates
