"""A store's hazard map: its records read, dud rates fitted and kernels built once.

The map is made whole in memory (:func:`map_store`) or tile by tile into a COG
(:func:`write_hazard`).

This is the layer above :mod:`remnant.hazard` (the pure engine and model) and
:mod:`remnant.dudrate` (the fit): it is the one place that knows both and the store.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from remnant.catalogue import Munition, SurveyFigures
from remnant.errors import ModelError
from remnant.grid import Grid, equal_area_crs
from remnant.hazard import HazardMap, area_bands, area_sums, map_prepared, prepare
from remnant.hazard.engine import losses
from remnant.hazard.footprint import StrikeKernels, projected_kernels
from remnant.hazard.model import TRUNCATE
from remnant.mapstyle import hazard_style
from remnant.outputs import refuse_existing
from remnant.poisson import p_any
from remnant.store import Store
from remnant.translate import N_

if TYPE_CHECKING:  # the fit is imported when there is something to fit
    from remnant.dudrate import DudRateFit

__all__ = [
    "Inputs",
    "fit_frames",
    "fit_store",
    "inputs_of",
    "map_store",
    "prepared_map",
    "read_inputs",
    "write_hazard",
]


@dataclass
class Inputs:
    """What a map of a store is made from, read and built once."""

    strikes: gpd.GeoDataFrame
    activities: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    grid: Grid
    kernels: StrikeKernels
    catalogue: dict[str, Munition]
    survey: SurveyFigures


def read_inputs(store: Store, cell: float, truncate: float = TRUNCATE) -> Inputs:
    """A store's strikes, activities and areas on a grid covering every strike's kernel."""
    strikes = store.read("strikes")
    if strikes.empty:
        raise ModelError(N_("{backend} holds no strikes: nothing to map"), backend=store.backend)
    activities, areas = store.read("activities"), store.read("hazard_areas")
    return inputs_of(strikes, activities, areas, store.catalogue(), store.survey(), cell, truncate)


def inputs_of(
    strikes, activities, areas, catalogue, survey, cell: float, truncate: float = TRUNCATE
) -> Inputs:
    """Records on a grid covering every strike's kernel (and every hazard area).

    The grid is in an equal-area projection centred on the strikes and reaches
    ``truncate`` σ beyond every kernel (so nothing falls off it) and over every hazard area.
    """
    lon, lat = strikes.total_bounds.reshape(2, 2).mean(axis=0).tolist()
    crs = equal_area_crs(lon, lat)
    kernels = projected_kernels(strikes, crs, catalogue, survey)
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
        bounds = [*np.minimum(bounds[:2], ab[:2]), *np.maximum(bounds[2:], ab[2:])]
    grid = Grid.covering(bounds, cell, crs)
    return Inputs(strikes, activities, areas, grid, kernels, catalogue, survey)


def fit_inputs(store: Store, inputs: Inputs) -> DudRateFit | None:
    """The field dud-rate fit of a store's clearance results; None without any item found."""
    items = store.read("items")
    return None if items.empty else fit_frames(inputs, items)


def fit_store(store: Store, *, cell: float = 20.0) -> DudRateFit:
    """Fit the field dud rates of a store's strikes from its clearance results.

    Types without clearance data keep their catalogue prior (see :mod:`remnant.dudrate`).
    """
    return fit_frames(read_inputs(store, cell), store.read("items"))


def fit_frames(inputs: Inputs, items) -> DudRateFit:
    """The field dud-rate fit of ``inputs`` given the ``items`` found."""
    from remnant.dudrate import fit_dud_rates

    i = inputs
    return fit_dud_rates(i.strikes, i.activities, items, i.grid, i.catalogue, i.survey, i.kernels)


def prepared_map(inputs: Inputs, fit: DudRateFit | None, truncate: float = TRUNCATE):
    """The map's kernels, expected duds per strike and epochs, with the fitted rates."""
    return prepare(
        inputs.strikes,
        inputs.grid,
        activities=inputs.activities,
        catalogue=inputs.catalogue,
        survey=inputs.survey,
        rates=fit.rates() if fit is not None else None,
        truncate=truncate,
        strike_weights=fit.strike_weights if fit is not None else None,
        kernels=inputs.kernels,
    )


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
    store: Store,
    cell: float,
    *,
    samples: int = 200,
    truncate: float = TRUNCATE,
    seed: int = 0,
    progress=None,
    field_rates: bool = True,
    fit: DudRateFit | None = None,
) -> tuple[HazardMap, pd.DataFrame]:
    """The hazard map of a store's strikes and activities in memory, and its per-area table.

    With ``field_rates`` the dud rates are fitted to the store's clearance results
    (:mod:`remnant.dudrate`) and each strike keeps its expected duds given what was found;
    types without clearance data keep the catalogue prior. A ``fit`` already made
    (:func:`fit_store`) is used as it is. For national extents, :func:`write_hazard`
    computes the same map tile by tile.

    Returns
    -------
    (HazardMap, DataFrame)
        The map, and per hazard area: expected items remaining, P(any), and with
        ``samples`` > 0 the Monte Carlo mean, 5th/50th/95th percentiles and P(any).

    Examples
    --------
    >>> import pathlib, tempfile, geopandas as gpd, shapely
    >>> from remnant.store import create_store
    >>> store = create_store(pathlib.Path(tempfile.mkdtemp()) / "programme.gpkg")
    >>> strike = gpd.GeoDataFrame({"id": ["S1"], "munition": ["m77_m26"],
    ...     "carriers_min": [1], "carriers_max": [1], "source_class": ["surveyed"],
    ...     "accuracy_m": [20.0]}, geometry=[shapely.Point(35.5, 33.3)], crs=4326)
    >>> _ = store.write("strikes", strike, user="analyst")
    >>> hazard, table = map_store(store, 25, samples=0)
    >>> round(hazard.remaining, 1), hazard.grid.cell
    (72.1, 25)
    """
    inputs = read_inputs(store, cell, truncate)
    if fit is None and field_rates:
        fit = fit_inputs(store, inputs)
    prepared = prepared_map(inputs, fit, truncate)
    hazard = map_prepared(prepared, inputs.grid, truncate=truncate)
    table = area_sums(hazard, inputs.areas)
    return hazard, _with_bands(hazard, table, inputs.areas, samples, seed, progress, cell)


def write_hazard(
    store: Store,
    cell: float,
    out,
    *,
    png=None,
    samples: int = 200,
    truncate: float = TRUNCATE,
    seed: int = 0,
    overwrite: bool = False,
    user: str | None = None,
    progress=None,
    title: str = "Expected unexploded submunitions per cell",
    field_rates: bool = True,
    fit: DudRateFit | None = None,
    tile: int = 1024,
    scheduler: str | None = None,
    workers: int | None = None,
    tile_progress=None,
):
    """Map a store tile by tile and write the COG, the PNG and the hazard_area_risk layer.

    Beside the COG, ``NAME.qml`` holds its QGIS style (the log colour ramp of the PNG and
    the web tiles), which QGIS applies when the COG is opened.

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
    from remnant.hazard.output import colour_top, write_png
    from remnant.hazard.tiled import TileJob, run_tiles

    style = Path(out).with_suffix(".qml")  # QGIS opens the COG with it as its style
    refuse_existing(out, png, style, overwrite=overwrite)
    inputs = read_inputs(store, cell, truncate)
    if fit is None and field_rates:
        fit = fit_inputs(store, inputs)
    prepared = prepared_map(inputs, fit, truncate)
    grid, areas = inputs.grid, inputs.areas
    used = set(prepared.kernels.munition)
    rates = {
        k: {"mean": r.mean, "alpha": r.alpha, "beta": r.beta, "source": r.source}
        for k, r in prepared.rates.items()
        if k in used
    }
    projected = areas.to_crs(grid.crs)
    kernels = prepared.kernel_set()
    job = TileJob(
        grid,
        kernels,
        prepared.epochs,
        prepared.activities,
        projected.geometry.to_numpy(),
        truncate,
    )
    result = run_tiles(
        job,
        Path(out),
        size=tile,
        scheduler=scheduler,
        workers=workers,
        tags={"remnant_rates": json.dumps(rates)},
        progress=tile_progress,
    )
    style.write_text(hazard_style(colour_top(out)), "utf-8")
    truncated, outside = losses(kernels, grid.shape, grid.left, grid.top, grid.cell, truncate)
    hazard = prepared.hazard_map(grid, None, truncated, outside, result.removed)
    table = pd.DataFrame(
        {
            "hazard_area": projected["id"].to_numpy(),
            "area_m2": projected.geometry.area.to_numpy(),
            "expected": result.area_expected,
            "p_any": p_any(result.area_expected),
        }
    )
    table = _with_bands(hazard, table, areas, samples, seed, progress, cell)
    if png is not None:
        write_png(out, png, areas=areas, strikes=inputs.strikes, overwrite=overwrite, title=title)
    table["computed_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    table["rates"] = json.dumps(rates)
    store.replace_derived(
        "hazard_area_risk", table, user=user, note={"cell_m": cell, "samples": samples}
    )
    return hazard, table, rates
