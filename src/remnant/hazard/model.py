"""The hazard map: expected unexploded submunitions still on the ground, per cell.

The model, its assumptions and its sources are in docs/hazard-model.md.

    Λ_c = Σ_s E[D_s] · ∫_c f_s(x) dx · Π_{a ∋ c, a after s} (1 − d_a)

E[D_s] = n̄_s K_m E[p_m] is the strike's expected duds (mean carrier count, submunitions
per carrier, mean dud rate); f_s its footprint kernel (:mod:`remnant.hazard.footprint`);
the product runs over the survey and clearance activities that covered the cell after
the strike, d_a being the chance that activity a finds a submunition that is there.
P_c = 1 − exp(−Λ_c) is the probability that the cell holds at least one.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from remnant.catalogue import Munition, SurveyFigures, default_catalogue, default_survey
from remnant.errors import InputError, ModelError
from remnant.grid import Grid, coverage
from remnant.hazard import engine
from remnant.hazard.engine import TRUNCATE
from remnant.hazard.footprint import StrikeKernels, projected_kernels
from remnant.poisson import p_any
from remnant.records import as_date
from remnant.translate import N_
from remnant.zonal import zonal_sums

__all__ = [
    "TRUNCATE",
    "DudRate",
    "HazardMap",
    "Prepared",
    "accumulate",
    "area_sums",
    "expected_items",
    "map_prepared",
    "prepare",
    "prior_dud_rates",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DudRate:
    """A dud-rate distribution, Beta(alpha, beta), and where it comes from.

    ``kappa``, where the field fit estimated it, says how much the rate varies between
    strikes of the type: each strike's rate ~ Beta(μκ, (1 − μ)κ) around the type's μ
    (docs/dud-rate-model.md); None where one rate is taken as shared by all its strikes.
    """

    alpha: float
    beta: float
    source: str
    kappa: float | None = None

    @property
    def mean(self) -> float:
        """The mean dud rate."""
        return self.alpha / (self.alpha + self.beta)


def prior_dud_rates(catalogue: dict[str, Munition]) -> dict[str, DudRate]:
    """The catalogue's prior dud rate per munition type.

    The one function through which the map gets its rates; the field dud-rate model will
    supply posteriors in the same form.
    """
    return {
        key: DudRate(m.beta[0], m.beta[1], f"prior ({m.provenance})")
        for key, m in catalogue.items()
    }


@dataclass
class HazardMap:
    """Expected items remaining per cell, and where the rest of the expected total went.

    ``expected`` is None for a map computed tile by tile (its cells are in the COG).
    """

    grid: Grid
    expected: np.ndarray | None
    total: float
    truncated: float
    outside: float
    removed: float
    rates: dict[str, DudRate]
    kernels: StrikeKernels
    weights: np.ndarray
    epochs: np.ndarray | None = None
    activities: list = field(default_factory=list)

    @property
    def remaining(self) -> float:
        """Expected items left on the grid: the total less truncation, off-grid and searched."""
        return self.total - self.truncated - self.outside - self.removed


def expected_items(
    strikes: gpd.GeoDataFrame,
    grid: Grid,
    *,
    activities: gpd.GeoDataFrame | None = None,
    catalogue: dict[str, Munition] | None = None,
    survey: SurveyFigures | None = None,
    rates: dict[str, DudRate] | None = None,
    truncate: float = TRUNCATE,
    block: int = 256,
    strike_weights: np.ndarray | None = None,
) -> HazardMap:
    """Expected unexploded submunitions remaining per cell of ``grid``.

    Parameters
    ----------
    strikes : GeoDataFrame
        Strike points with the store's columns (``munition``, ``carriers_min``,
        ``carriers_max``, ``azimuth_deg``, ``source_class``, ``accuracy_m``, ``date``).
    grid : Grid
        Where to compute, in a projected CRS in metres.
    activities : GeoDataFrame, optional
        Polygons searched, with ``type`` and ``start``; each multiplies the hazard of the
        strikes before it by (1 − d) where it covered, d from ``survey``.
    catalogue, survey, rates : optional
        Munition entries, survey figures and dud rates (defaults: shipped catalogue,
        shipped survey figures, catalogue priors).
    truncate : float
        Kernel truncation in standard deviations; the mass beyond is reported.
    strike_weights : array, optional
        Expected duds per strike before the search's spatial thinning, in place of
        n̄ K E[p]: the field dud-rate model's E[(N − k) p / (1 − p π) | k].

    Returns
    -------
    HazardMap

    Raises
    ------
    ModelError
        Without strikes.
    InputError
        If a strike lies wholly off the grid or has no carrier count.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from remnant.grid import Grid, equal_area_crs
    >>> crs = equal_area_crs(35.5, 33.3)
    >>> strikes = gpd.GeoDataFrame({"id": ["S1"], "munition": ["m77_m26"],
    ...     "carriers_min": [1], "carriers_max": [1], "azimuth_deg": [None],
    ...     "source_class": ["surveyed"], "accuracy_m": [20.0], "date": [None]},
    ...     geometry=[shapely.Point(0, 0)], crs=crs)
    >>> grid = Grid.covering((-1000, -1000, 1000, 1000), 25, crs)
    >>> hazard = expected_items(strikes, grid)
    >>> round(float(hazard.expected.sum()), 1), round(hazard.total, 1)
    (72.1, 72.1)
    """
    prepared = prepare(
        strikes,
        grid,
        activities=activities,
        catalogue=catalogue,
        survey=survey,
        rates=rates,
        truncate=truncate,
        strike_weights=strike_weights,
    )
    return map_prepared(prepared, grid, truncate=truncate, block=block)


def map_prepared(prepared: Prepared, grid: Grid, *, truncate: float = TRUNCATE, block: int = 256):
    """The :class:`HazardMap` of inputs already checked and projected by :func:`prepare`."""
    out = np.zeros(grid.shape, np.float32)
    truncated, outside, removed = accumulate(
        prepared.kernel_set(),
        prepared.epochs,
        prepared.activities,
        grid,
        out,
        truncate=truncate,
        block=block,
    )
    return prepared.hazard_map(grid, out, truncated, outside, removed)


def accumulate(
    kernels: engine.KernelSet,
    epochs,
    activities,
    grid: Grid,
    out: np.ndarray,
    *,
    truncate: float = TRUNCATE,
    block: int = 256,
) -> tuple[float, float, float]:
    """Add the kernels to ``out`` epoch by epoch, each epoch's activity thinning its cells.

    The strikes of epoch e (those before activity e) are rasterised, then activity e
    multiplies the cells it covers by (1 − d × share), and so on: a strike is reduced
    only by the activities after it (docs/hazard-model.md, "Searches"). ``grid`` may be a
    tile of the whole map: activities off it change nothing. Returns the expected items
    lost to truncation, off the grid, and removed by the activities.
    """
    truncated = outside = removed = 0.0
    for e in range(len(activities) + 1):
        chosen = np.flatnonzero(epochs == e)
        if len(chosen):
            part = engine.rasterize(
                kernels.subset(chosen),
                grid.shape,
                grid.left,
                grid.top,
                grid.cell,
                truncate=truncate,
                block=block,
                out=out,
            )
            truncated += part["truncated"]
            outside += part["outside"]
        if e < len(activities):
            geometry, d = activities[e]
            rows, cols, share = coverage(geometry, grid)
            before = out[rows, cols].astype(np.float64)
            out[rows, cols] = before * (1.0 - d * share)
            removed += float((before * d * share).sum())
    return truncated, outside, removed


@dataclass
class Prepared:
    """A map's inputs in the grid's CRS: kernels, expected duds per strike, epochs."""

    kernels: StrikeKernels
    weights: np.ndarray
    epochs: np.ndarray
    activities: list  # (geometry, detection probability) in start order
    rates: dict[str, DudRate]

    def hazard_map(self, grid: Grid, expected, truncated, outside, removed) -> HazardMap:
        """The map of these inputs on ``grid``, and where the rest of the expected total went.

        ``expected`` is the cells, or None for a map written tile by tile.
        """
        return HazardMap(
            grid=grid,
            expected=expected,
            total=float(self.weights.sum()),
            truncated=truncated,
            outside=outside,
            removed=removed,
            rates=self.rates,
            kernels=self.kernels,
            weights=self.weights,
            epochs=self.epochs,
            activities=self.activities,
        )

    def kernel_set(self) -> engine.KernelSet:
        """The kernels as the engine takes them."""
        sxx, sxy, syy = self.kernels.covariance()
        return engine.KernelSet(self.kernels.x, self.kernels.y, sxx, sxy, syy, self.weights)


def prepare(
    strikes,
    grid: Grid,
    *,
    activities=None,
    catalogue=None,
    survey=None,
    rates=None,
    truncate: float = TRUNCATE,
    strike_weights=None,
    kernels: StrikeKernels | None = None,
) -> Prepared:
    """Check and project the inputs of a map (see :func:`expected_items`).

    ``kernels``: the strikes' kernels in the grid's CRS when already built.
    """
    if strikes is None or len(strikes) == 0:
        raise ModelError(N_("no strikes: nothing to map"))
    if truncate <= 0:
        raise InputError(
            N_("truncation must be a positive number of σ, got {truncate!r}"), truncate=truncate
        )
    catalogue = catalogue or default_catalogue()
    survey = survey or default_survey()
    rates = rates or prior_dud_rates(catalogue)
    if kernels is None:
        kernels = projected_kernels(strikes, grid.crs, catalogue, survey)
    if strike_weights is not None:
        weights = np.asarray(strike_weights, dtype=float)
    else:
        weights = (
            kernels.carriers_mean
            * kernels.per_carrier
            * np.array([rates[k].mean for k in kernels.munition])
        )
    left, bottom, right, top = grid.bounds
    off = (kernels.x < left) | (kernels.x > right) | (kernels.y < bottom) | (kernels.y > top)
    if off.any():
        raise InputError(
            N_(
                "{off} strike(s) lie outside the grid, e.g. {ids}; make the grid cover every strike"
            ),
            off=off.sum(),
            ids=kernels.ids[off][0],
        )
    epochs, order = activity_epochs(strikes, activities, grid.crs, survey)
    return Prepared(kernels, weights, epochs, order, rates)


def activity_epochs(strikes, activities, crs, survey: SurveyFigures):
    """Order activities by start; give each strike the number of activities before it.

    A strike is reduced only by activities that started after it (an undated strike by
    all of them: most records are of strikes long before the survey). Returns the epochs
    and, in order, each searching activity's (geometry in ``crs``, detection probability).
    """
    n = len(strikes)
    if activities is None or len(activities) == 0:
        return np.zeros(n, np.int64), []
    acts = activities.to_crs(crs) if activities.crs else activities
    acts = acts.assign(begins=[as_date(v) or dt.date.min for v in acts["start"]])
    acts = acts.sort_values("begins", kind="stable")
    order = []
    for a in acts.itertuples():
        d = survey.detection.get(a.type)
        if d is None:
            raise InputError(N_("no detection probability for activity type {type!r}"), type=a.type)
        if d > 0:
            order.append((a.geometry, d, a.begins))
    starts = [a[2] for a in order]
    dates = [as_date(v) for v in strikes["date"]] if "date" in strikes else [None] * n
    epochs = np.array(
        [0 if d is None or not order else bisect.bisect_right(starts, d) for d in dates],
        dtype=np.int64,
    )
    return epochs, [a[:2] for a in order]


def area_sums(hazard: HazardMap, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Expected items remaining and P(any) per area, cells weighted by exact coverage.

    >>> import geopandas as gpd, shapely
    >>> from remnant.grid import Grid, equal_area_crs
    >>> crs = equal_area_crs(35.5, 33.3)
    >>> strikes = gpd.GeoDataFrame({"id": ["S1"], "munition": ["m77_m26"],
    ...     "carriers_min": [1], "carriers_max": [1], "azimuth_deg": [None],
    ...     "source_class": ["surveyed"], "accuracy_m": [20.0], "date": [None]},
    ...     geometry=[shapely.Point(0, 0)], crs=crs)
    >>> hazard = expected_items(strikes, Grid.covering((-1000, -1000, 1000, 1000), 25, crs))
    >>> east = gpd.GeoDataFrame({"id": ["EAST"]}, geometry=[shapely.box(0, -1000, 1000, 1000)],
    ...     crs=crs)
    >>> table = area_sums(hazard, east)  # the half of the footprint east of the centre
    >>> round(float(table["expected"].iloc[0] / hazard.total), 3)
    0.5
    """
    if hazard.expected is None:
        raise ModelError(N_("the map was computed tile by tile: its per-area sums came with it"))
    projected = areas.to_crs(hazard.grid.crs) if areas.crs else areas
    expected = zonal_sums(hazard.expected, hazard.grid, projected.geometry.to_numpy())
    return pd.DataFrame(
        {
            "hazard_area": projected["id"].to_numpy(),
            "area_m2": projected.geometry.area.to_numpy(),
            "expected": expected,
            "p_any": p_any(expected),
        },
        columns=["hazard_area", "area_m2", "expected", "p_any"],
    )
