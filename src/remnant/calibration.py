"""How often the field dud-rate intervals hold the truth, regime by regime, on simulations.

A simulated programme (synthetic data) is a set of strikes of one submunition type whose
true field dud rate μ is known: each strike has 1–4 carriers whose aim points spread
around its true centre by the catalogue's carrier spread (the submunitions of one carrier
share its aim point), its own dud rate drawn from Beta(μκ, (1 − μ)κ), duds scattered by
one carrier's footprint around each aim point (its length along the strike's line of
flight, drawn uniformly and not recorded), and a reported position off its true centre
by the location error. Clearance boxes placed over the strikes — all of the
footprint or part of it — find each dud inside them, in order, with the detection
probability, and the items found are recorded against the box that found them. The same
figures (catalogue entry, survey figures) are given to the fit, which then sees only what
a programme would: strike records, activity polygons and items.

:func:`coverage` fits many such programmes of one :class:`Regime` and counts how often
the 50 % and 90 % intervals of μ hold the truth; ``scripts/dudrate_calibration.py`` runs
the grid of regimes in docs/dud-rate-calibration.md.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import special

from remnant.catalogue import default_catalogue, default_survey
from remnant.grid import equal_area_crs
from remnant.hazard.footprint import scatter_duds
from remnant.mapping import fit_frames, inputs_of

__all__ = ["Regime", "coverage", "simulate"]

LON, LAT = 105.8, 15.1  # where the simulated programmes lie (any place would do)


@dataclass(frozen=True)
class Regime:
    """One corner of the calibration grid.

    ``searched``: strikes whose ground clearance searched; ``strikes``: how many lie in
    the region in all (default: as many as were searched), the others unsearched but near
    enough, when reported far less surely than their footprints are wide, to be the source
    of a find; ``coverage``: ``full`` (a box
    over the whole footprint and carrier spread) or ``partial`` (boxes of 100–500 m,
    off-centre); ``region_m``: the side of the square the strikes lie in (small: their
    footprints overlap and finds must be shared between them); ``source_class``: the kind
    of report placing the strikes, whose location error (survey figures) moves them.
    """

    munition: str = "dpicm_m864"
    mu: float = 0.06
    kappa: float = 60.0
    searched: int = 30
    strikes: int | None = None
    detection: float = 0.99
    coverage: str = "partial"
    carriers: tuple[int, int] = (1, 4)
    region_m: float = 40_000.0
    source_class: str = "surveyed"

    def label(self) -> str:
        """What sets this regime apart from the default one.

        >>> Regime(kappa=10).label()
        'κ = 10'
        """
        base = Regime()
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value != getattr(base, f.name):
                parts.append(_NAMES[f.name].format(value))
        return ", ".join(parts) or "base"


_NAMES = {
    "munition": "{}",
    "mu": "μ = {}",
    "kappa": "κ = {:g}",
    "searched": "{} strikes searched",
    "strikes": "{} strikes in all",
    "detection": "detection {}",
    "coverage": "{} coverage",
    "carriers": "carriers {}",
    "region_m": "strikes within {:g} m",
    "source_class": "placed by {} reports",
}


def simulate(regime: Regime, seed: int):
    """One simulated programme: strikes, activities and items as a store holds them.

    >>> strikes, activities, items = simulate(Regime(searched=5), 1)
    >>> len(strikes), len(activities), set(items["munition"])
    (5, 5, {'dpicm_m864'})
    >>> strikes, activities, _ = simulate(Regime(searched=2, strikes=5), 1)
    >>> len(strikes), len(activities)
    (5, 2)
    """
    rng = np.random.default_rng(seed)
    entry = default_catalogue()[regime.munition]
    survey = default_survey()
    spread = survey.carrier_spread_m.get(entry.delivery, survey.carrier_spread_m["unknown"])
    sigma_loc = survey.location_sigma_m[regime.source_class]
    one = np.sqrt(((entry.footprint_length_m / 4) ** 2 + (entry.footprint_width_m / 4) ** 2) / 2)
    s = regime.searched if regime.strikes is None else regime.strikes  # the first are searched
    reported = rng.uniform(-regime.region_m / 2, regime.region_m / 2, (s, 2))
    carriers = rng.integers(regime.carriers[0], regime.carriers[1] + 1, s)
    rate = rng.beta(regime.mu * regime.kappa, (1 - regime.mu) * regime.kappa, s)
    centres = reported + rng.normal(0, sigma_loc, (s, 2))
    heading = rng.uniform(0, np.pi, s)  # each strike's line of flight, not recorded
    each = np.ones(s)
    x, y, _strike = scatter_duds(
        rng,
        centres[:, 0],
        centres[:, 1],
        carriers,
        each * entry.submunitions_per_carrier,
        rate,
        each * spread,
        each * (entry.footprint_length_m / 4) ** 2,
        each * (entry.footprint_width_m / 4) ** 2,
        heading,
    )
    where = np.column_stack([x, y])
    reach = np.sqrt(one**2 + spread**2 + sigma_loc**2)
    searched = regime.searched
    if regime.coverage == "full":
        half = np.full(searched, 3.5 * reach)
        box_centre = reported[:searched]
    else:
        half = rng.uniform(50, 250, searched)
        box_centre = reported[:searched] + rng.normal(0, reach / 2, (searched, 2))
    alive = np.ones(len(where), bool)
    found = []
    for b in range(searched):
        inside = alive & np.all(np.abs(where - box_centre[b]) <= half[b], axis=1)
        got = inside & (rng.random(len(where)) < regime.detection)
        alive &= ~got
        found += [(b, *where[i]) for i in np.flatnonzero(got)]
    crs = equal_area_crs(LON, LAT)
    label = "synthetic calibration data (remnant.calibration)"
    strikes = gpd.GeoDataFrame(
        {
            "id": [f"S{i}" for i in range(s)],
            "date": None,
            "munition": regime.munition,
            "carriers": carriers,
            "carriers_min": carriers,
            "carriers_max": carriers,
            "azimuth_deg": np.nan,
            "source_class": regime.source_class,
            "accuracy_m": float(sigma_loc),
            "source": label,
        },
        geometry=gpd.points_from_xy(reported[:, 0], reported[:, 1], crs=crs),
        crs=crs,
    ).to_crs(4326)
    boxes = [shapely.box(*(c - h), *(c + h)) for c, h in zip(box_centre, half, strict=True)]
    activities = gpd.GeoDataFrame(
        {
            "id": [f"A{b}" for b in range(searched)],
            "type": "clearance",
            "start": "2020-01-01",
            "source": label,
        },
        geometry=gpd.GeoSeries(boxes, crs=crs),
        crs=crs,
    ).to_crs(4326)
    rows = pd.DataFrame(found, columns=["box", "x", "y"])
    items = gpd.GeoDataFrame(
        {
            "id": [f"I{i}" for i in range(len(rows))],
            "date": "2020-02-01",
            "munition": regime.munition,
            "activity": "A" + rows["box"].astype(str),
        },
        geometry=gpd.points_from_xy(rows["x"], rows["y"], crs=crs),
        crs=crs,
    ).to_crs(4326)
    return strikes, activities, items


def coverage(regime: Regime, runs: int, *, seed: int = 0) -> dict:
    """Fit ``runs`` simulated programmes of ``regime``; count the intervals holding μ.

    Returns the counts for the 90 % credible interval the fit reports and the 50 % central
    interval of its moment-matched Beta (what the map uses), the mean 90 % width and the
    mean absolute error of the posterior mean.
    """
    catalogue = default_catalogue()
    survey = default_survey().overridden({"detection.clearance": (regime.detection, "simulation")})
    held = {0.5: 0, 0.9: 0}
    width, error = [], []
    for run in range(runs):
        strikes, activities, items = simulate(regime, seed * 100_003 + run)
        no_areas = gpd.GeoDataFrame(geometry=[], crs=4326)
        inputs = inputs_of(strikes, activities, no_areas, catalogue, survey, 20.0)
        estimate = fit_frames(inputs, items).estimates[regime.munition]
        held[0.9] += bool(estimate.lo90 <= regime.mu <= estimate.hi90)
        post = estimate.posterior or estimate.prior  # the 50 % interval of its Beta form
        lo, hi = special.betaincinv(post.alpha, post.beta, [0.25, 0.75])
        held[0.5] += bool(lo <= regime.mu <= hi)
        width.append(estimate.hi90 - estimate.lo90)
        error.append(abs(estimate.mean - regime.mu))
    return {
        "runs": runs,
        "held_50": held[0.5],
        "held_90": held[0.9],
        "width_90": float(np.mean(width)),
        "abs_error": float(np.mean(error)),
    }
