"""From strike records to Gaussian kernels: where one strike's submunitions lie.

One submunition of strike s lands with density N(x; μ_s, Σ_s), where

    Σ_s = R(θ) diag(σ_a², σ_b²) R(θ)ᵀ + (σ_loc² + [n_s > 1] σ_v²) I,

σ_a, σ_b are a quarter of the catalogue footprint's length and width (a published length
is taken as about ±2σ), θ the azimuth of the footprint's length (clockwise from north),
σ_loc the strike's location accuracy (its own ``accuracy_m``, else its source class's)
and σ_v the spread between carriers of one strike. Without an azimuth the footprint part
is isotropic with σ² = (σ_a² + σ_b²)/2, its average over directions. The Monte Carlo
and the dud-rate fit, which draw where carriers fell, draw an unknown θ uniformly
instead (:meth:`StrikeKernels.headings`): the footprint stays elongated, its direction
unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from remnant.catalogue import UNKNOWN, Munition, SurveyFigures
from remnant.errors import InputError
from remnant.translate import N_

__all__ = ["StrikeKernels", "carrier_covariance", "projected_kernels", "strike_kernels"]


def carrier_covariance(along_var, across_var, theta):
    """(σxx, σxy, σyy) of a footprint whose long axis runs at ``theta`` (radians from north).

    >>> [round(float(v), 6) for v in carrier_covariance(4.0, 1.0, np.pi / 2)]
    [4.0, 0.0, 1.0]
    """
    s, c = np.sin(theta), np.cos(theta)  # the length runs along (sin θ, cos θ)
    return (
        along_var * s * s + across_var * c * c,
        (along_var - across_var) * s * c,
        along_var * c * c + across_var * s * s,
    )


def scatter_duds(rng, cx, cy, carriers, per_carrier, rate, spread_sd, along_var, across_var, theta):
    """Where strikes' duds fall, carrier by carrier: the one rule every simulation follows.

    Per strike (arrays of equal length): its centre ``cx``, ``cy``; ``carriers`` fired;
    each carrier's ``per_carrier`` submunitions, of which a share ``rate`` fail; the
    carriers' aim points spread ``spread_sd`` (per axis, metres) round the centre when
    there are several; one carrier's footprint of variances ``along_var`` and
    ``across_var`` along a line of flight ``theta`` (radians from north). A carrier's
    duds lie together round its aim point (docs/hazard-model.md). Returns the duds' x,
    y and the index of the strike each came from.

    >>> rng = np.random.default_rng(1)
    >>> one = np.ones(2)
    >>> x, y, strike = scatter_duds(rng, np.array([0.0, 1e4]), np.zeros(2), np.array([1, 3]),
    ...     np.array([100, 100]), np.array([0.1, 0.2]), 50 * one, 900 * one, 100 * one, 0 * one)
    >>> np.bincount(strike).tolist(), bool(abs(x[strike == 1].mean() - 1e4) < 200)
    ([10, 56], True)
    """
    strike_of = np.repeat(np.arange(len(cx)), carriers)  # one row per carrier
    sd = spread_sd[strike_of] * (carriers[strike_of] > 1)
    aim_x = cx[strike_of] + rng.normal(0, 1, len(strike_of)) * sd
    aim_y = cy[strike_of] + rng.normal(0, 1, len(strike_of)) * sd
    duds = rng.binomial(per_carrier[strike_of].astype(np.int64), rate[strike_of])
    carrier = np.repeat(np.arange(len(strike_of)), duds)
    owner = strike_of[carrier]
    xx, xy, yy = carrier_covariance(along_var[owner], across_var[owner], theta[owner])
    a = np.sqrt(xx)  # Cholesky factor of one carrier's footprint
    b = np.divide(xy, a, out=np.zeros_like(xy), where=a > 0)
    c = np.sqrt(np.maximum(yy - b * b, 0.0))
    z1, z2 = rng.normal(size=(2, len(owner)))
    return aim_x[carrier] + a * z1, aim_y[carrier] + b * z1 + c * z2, owner


@dataclass
class StrikeKernels:
    """Per strike (in the grid's CRS, metres): centre, covariance parts and expected items.

    ``footprint_*`` is the covariance of one carrier's footprint plus the carrier spread
    (``spread_var`` per axis, 0 for a single carrier), ``location_var`` the variance of
    the reported position; the hazard kernel is their sum.
    """

    ids: np.ndarray
    munition: np.ndarray
    x: np.ndarray
    y: np.ndarray
    footprint_xx: np.ndarray
    footprint_xy: np.ndarray
    footprint_yy: np.ndarray
    location_var: np.ndarray
    carriers_min: np.ndarray
    carriers_max: np.ndarray
    per_carrier: np.ndarray
    spread_var: np.ndarray
    along_var: np.ndarray  # one carrier's footprint: σ_a² along its length …
    across_var: np.ndarray  # … σ_b² across it
    azimuth: np.ndarray  # θ in radians; NaN where the record gives none

    def take(self, index) -> StrikeKernels:
        """The kernels of the strikes at ``index`` (positions or a boolean mask)."""
        return StrikeKernels(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def headings(self, rng, index=None) -> np.ndarray:
        """θ for the strikes at ``index`` (all by default): known, else drawn uniformly."""
        theta = self.azimuth if index is None else self.azimuth[index]
        return np.where(np.isnan(theta), rng.uniform(0, np.pi, theta.shape), theta)

    @property
    def carriers_mean(self) -> np.ndarray:
        """The mean carrier count: a count, or the middle of a min–max range."""
        return (self.carriers_min + self.carriers_max) / 2

    def covariance(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(σxx, σxy, σyy) of the whole kernel: footprint, carrier spread and location."""
        return (
            self.footprint_xx + self.location_var,
            self.footprint_xy,
            self.footprint_yy + self.location_var,
        )


def projected_kernels(
    strikes, crs, catalogue: dict[str, Munition], survey: SurveyFigures
) -> StrikeKernels:
    """The kernels of ``strikes`` (a GeoDataFrame) with their centres projected to ``crs``."""
    points = strikes.to_crs(crs).geometry if strikes.crs else strikes.geometry
    return strike_kernels(strikes, points.x.to_numpy(), points.y.to_numpy(), catalogue, survey)


def strike_kernels(
    strikes: pd.DataFrame,
    x: np.ndarray,
    y: np.ndarray,
    catalogue: dict[str, Munition],
    survey: SurveyFigures,
) -> StrikeKernels:
    """Kernel parameters of each strike, its centre given in projected metres (``x``, ``y``).

    ``strikes`` has the store's strike columns. Unknown munition keys use ``unknown``.
    """
    keys = strikes["munition"].fillna(UNKNOWN).to_numpy(object)
    keys = np.array([k if k in catalogue else UNKNOWN for k in keys], dtype=object)
    entries = [catalogue[k] for k in keys]
    length = np.array([m.footprint_length_m for m in entries], float)
    width = np.array([m.footprint_width_m for m in entries], float)
    sa2, sb2 = (length / 4) ** 2, (width / 4) ** 2
    azimuth = pd.to_numeric(strikes["azimuth_deg"], errors="coerce").to_numpy(float)
    known = ~np.isnan(azimuth)
    theta = np.radians(np.where(known, azimuth, 0.0))
    iso = (sa2 + sb2) / 2
    rxx, rxy, ryy = carrier_covariance(sa2, sb2, theta)
    fxx, fxy, fyy = np.where(known, rxx, iso), np.where(known, rxy, 0.0), np.where(known, ryy, iso)
    fxy[np.abs(fxy) < 1e-9 * np.maximum(fxx, fyy)] = 0.0  # axis-aligned: the exact fast path
    lo = pd.to_numeric(strikes["carriers_min"], errors="coerce").to_numpy(float)
    hi = pd.to_numeric(strikes["carriers_max"], errors="coerce").to_numpy(float)
    if np.isnan(lo).any() or np.isnan(hi).any():
        bad = strikes["id"].to_numpy()[np.isnan(lo) | np.isnan(hi)]
        raise InputError(
            N_("strikes without a carrier count: {bad}"), bad=", ".join(map(str, bad[:5]))
        )
    spread = np.array(
        [
            survey.carrier_spread_m.get(m.delivery, survey.carrier_spread_m["unknown"])
            for m in entries
        ]
    )
    several = hi > 1
    fxx = fxx + np.where(several, spread**2, 0.0)
    fyy = fyy + np.where(several, spread**2, 0.0)
    accuracy = pd.to_numeric(strikes["accuracy_m"], errors="coerce").to_numpy(float)
    classes = strikes["source_class"].astype(str).to_numpy()
    unknown = sorted(set(classes) - set(survey.location_sigma_m))
    if unknown:
        raise InputError(
            N_("unknown source class(es) of strikes: {unknown}"), unknown=", ".join(unknown)
        )
    by_class = np.array([survey.location_sigma_m[v] for v in classes], float)
    sigma_loc = np.where(np.isnan(accuracy), by_class, accuracy)
    return StrikeKernels(
        ids=strikes["id"].to_numpy(object),
        munition=keys,
        x=np.asarray(x, float),
        y=np.asarray(y, float),
        footprint_xx=fxx,
        footprint_xy=fxy,
        footprint_yy=fyy,
        location_var=sigma_loc**2,
        carriers_min=lo,
        carriers_max=hi,
        per_carrier=np.array([m.submunitions_per_carrier for m in entries], float),
        spread_var=np.where(several, spread**2, 0.0),
        along_var=sa2,
        across_var=sb2,
        azimuth=np.where(known, theta, np.nan),
    )
