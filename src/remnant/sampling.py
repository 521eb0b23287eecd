"""Post-clearance inspection sampling: plans, their operating characteristic, what they say.

What an accepted sample really says about the land is the point (docs/prioritisation.md).

A cleared lot of ``lot_area`` m² is cut into units of ``sample_unit`` m²; a unit is
*nonconforming* if it still holds an item. A single sampling plan inspects n units and
accepts the lot if at most c are nonconforming, in the manner of ISO 2859-1 attribute
sampling (which the withdrawn IMAS 09.20 used). The plan here is the smallest n that, for
the chosen acceptance number c, accepts a lot with more than ``tolerated`` nonconforming
units with probability at most 1 − ``confidence`` — computed exactly with the
hypergeometric distribution (sampling without replacement from a finite lot), beside the
binomial approximation the ISO tables rest on. No ISO table is reproduced.

Published critique (Ekenberg, Fasth & Larsson 2018, IJQRM 35(4) 897–913): at typical
sample sizes, sampling adds little confidence. :func:`what_acceptance_says` shows it with
numbers: given the hazard model's expected residual items in the lot, the chance of any
residual before and after an accepted sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from remnant.errors import InputError
from remnant.poisson import p_any
from remnant.translate import N_

__all__ = ["Plan", "binomial_plan", "hypergeometric_plan", "oc_curve", "what_acceptance_says"]


@dataclass(frozen=True)
class Plan:
    """Inspect ``n`` of ``units`` units; accept if at most ``c`` are nonconforming."""

    units: int
    n: int
    c: int
    tolerated: int
    confidence: float
    method: str

    def accept_probability(self, nonconforming) -> np.ndarray:
        """P(accept) of a lot holding ``nonconforming`` bad units (exact, hypergeometric)."""
        d = np.asarray(nonconforming)
        return stats.hypergeom.cdf(self.c, self.units, d, self.n)

    @property
    def sampled_share(self) -> float:
        """The share of the lot's area the plan inspects."""
        return self.n / self.units


def _check(lot_area: float, sample_unit: float, confidence: float, tolerated: int, c: int) -> int:
    for name, value in (("lot area", lot_area), ("sample unit", sample_unit)):
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise InputError(
                N_("{name} must be a positive number of m², got {given!r}"), name=name, given=value
            )
    if sample_unit > lot_area:
        raise InputError(
            N_("the sample unit ({sample_unit:g} m²) is larger than the lot ({lot_area:g} m²)"),
            sample_unit=sample_unit,
            lot_area=lot_area,
        )
    if not 0 < confidence < 1:
        raise InputError(
            N_("confidence must be between 0 and 1 (e.g. 0.95), got {confidence!r}"),
            confidence=confidence,
        )
    units = int(lot_area // sample_unit)
    if not 0 <= tolerated < units:
        raise InputError(
            N_("tolerated must be from 0 to {units} nonconforming units, got {tolerated!r}"),
            units=units - 1,
            tolerated=tolerated,
        )
    if not 0 <= c <= tolerated:
        raise InputError(
            N_("the acceptance number c must be from 0 to tolerated ({tolerated}), got {c!r}"),
            tolerated=tolerated,
            c=c,
        )
    return units


def hypergeometric_plan(
    lot_area: float, sample_unit: float, confidence: float, tolerated: int, *, c: int = 0
) -> Plan:
    """The smallest n rejecting, at ``confidence``, a lot of more than ``tolerated`` bad units.

    Examples
    --------
    >>> plan = hypergeometric_plan(10_000, 10, 0.95, 9)
    >>> plan.units, plan.n, plan.c
    (1000, 258, 0)
    >>> float(plan.accept_probability(10)) <= 0.05
    True
    """
    units = _check(lot_area, sample_unit, confidence, tolerated, c)
    bad = tolerated + 1
    risk = 1 - confidence
    lo, hi = c + 1, units
    while lo < hi:  # P(accept | bad) falls as n grows: bisect for the smallest n
        mid = (lo + hi) // 2
        if stats.hypergeom.cdf(c, units, bad, mid) <= risk:
            hi = mid
        else:
            lo = mid + 1
    return Plan(units, lo, c, tolerated, confidence, "hypergeometric (exact, finite lot)")


def binomial_plan(
    lot_area: float, sample_unit: float, confidence: float, tolerated: int, *, c: int = 0
) -> Plan:
    """The same plan from the binomial approximation that attribute-sampling tables assume.

    Sampling with replacement: the smallest n with P(X ≤ c; n, p) ≤ 1 − confidence at the
    limiting quality p = (tolerated + 1) / units.
    """
    units = _check(lot_area, sample_unit, confidence, tolerated, c)
    p = (tolerated + 1) / units
    n = c + 1
    while stats.binom.cdf(c, n, p) > 1 - confidence:
        n += 1
    return Plan(units, min(n, units), c, tolerated, confidence, "binomial (ISO 2859-1 manner)")


def oc_curve(plan: Plan, points: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """The operating characteristic: bad units in the lot, and P(accept) for each."""
    top = max(plan.tolerated * 4 + 4, int(plan.units * 0.05))
    bad = np.unique(np.linspace(0, min(plan.units, top), points).astype(int))
    return bad, plan.accept_probability(bad)


def what_acceptance_says(plan: Plan, expected_items: float) -> dict:
    """Residual risk of the lot before and after the plan accepts it.

    The hazard model's expected items left in the lot, λ, spread over the units as a
    Poisson process: each unit holds an item with probability 1 − exp(−λ / units). The
    number of bad units D is then binomial; acceptance (at most c bad units in the sample)
    updates it by Bayes' rule.

    Returns
    -------
    dict
        ``p_any_before`` and ``p_any_after`` (at least one bad unit), ``expected_bad_before``
        and ``expected_bad_after``, ``p_accept`` (the chance the plan accepts this lot),
        ``p_over_tolerated_after`` (more than ``tolerated`` bad units despite acceptance).

    Examples
    --------
    Half an item expected in a hectare of 10 m² units; an accepted sample of 238 units
    lowers the chance that any is left only from 39 % to 32 %:

    >>> said = what_acceptance_says(hypergeometric_plan(10_000, 10, 0.95, 10), 0.5)
    >>> round(said["p_any_before"], 2), round(said["p_any_after"], 2)
    (0.39, 0.32)
    """
    if not (math.isfinite(expected_items) and expected_items >= 0):
        raise InputError(
            N_("expected items must be a number ≥ 0, got {expected_items!r}"),
            expected_items=expected_items,
        )
    q = float(p_any(expected_items / plan.units))
    d = np.arange(plan.units + 1)
    prior = stats.binom.pmf(d, plan.units, q)
    accept = plan.accept_probability(d)
    joint = prior * accept
    p_accept = float(joint.sum())
    posterior = joint / p_accept if p_accept > 0 else prior
    return {
        "expected_items": expected_items,
        "p_any_before": float(1 - prior[0]),
        "p_any_after": float(1 - posterior[0]),
        "expected_bad_before": float((d * prior).sum()),
        "expected_bad_after": float((d * posterior).sum()),
        "p_accept": p_accept,
        "p_over_tolerated_after": float(posterior[d > plan.tolerated].sum()),
    }
