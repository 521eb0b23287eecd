"""Strikes inferred from what was found: clusters of finds no recorded strike explains.

Many programmes hold finds and no strike record for them (the Monitor on Lao PDR: bombing
data "bear little relation to actual contamination on the ground"). Items of one type
clustered like a footprint are evidence of a strike the map does not know. For each type:

1. **Unexplained finds.** An item is explained by a recorded strike of its type when it
   lies within the strike's kernel's 99.9 % ellipse (Mahalanobis distance² ≤ 13.8, the
   kernel of docs/hazard-model.md: footprint, carrier spread and location error). Items of
   unknown type, fragments, and items explained are left out.
2. **Clusters.** Items closer than 3 σ of one carrier's footprint are linked (single
   linkage): a carrier's finds. Carrier clusters whose centres lie within 4.3 × the
   carrier spread of the type's delivery (where 99 % of two aim points of one strike
   lie) are one strike's carriers (our judgement: one
   strike of n carriers and n strikes of one carrier cannot be told apart from finds;
   the nearer reading is taken, and the reviewer sees the clusters in the notes). A
   candidate needs ``min_items`` finds.
3. **The strike.** Its position is the mean of its finds, its ``accuracy_m`` that mean's
   standard error (at least 5 m): √(σ₁²/k + s² E[1/n; n > 1]), σ₁ one carrier's
   footprint σ, s the carrier spread, the expectation over the carriers' posterior.
   Where a carrier's finds are elongated (the pooled
   within-carrier spread is at least √3 times longer than wide, from 10 finds), the long
   axis gives ``azimuth_deg``. Its carriers: the posterior of n given the k items found,
   P(k | n) = E[Binomial(k; n K, p π_n)] over the type's dud rate p (the field fit's
   posterior, each strike's own rate around it at the fitted κ) and π the share of one
   carrier's footprint at that position the searches covered, times their detection (the
   carriers are taken to have landed where their finds are: carriers that fell where no
   one searched leave no trace to count); n uniform on 1 … 200; ``carriers_min`` and
   ``carriers_max`` are its 5 % and 95 % points.

Candidates are written as **pending** strikes (``source_class = inferred``, the evidence
in ``notes``) for a reviewer to accept (:mod:`remnant.store.review`); once accepted their
remaining duds enter the map like any strike's. An inferred strike is a reading of the
finds, not a report of an attack: it says where a strike's submunitions lie and how many
carriers would explain what was found, not when or by whom.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import stats
from scipy.cluster.hierarchy import fclusterdata

from remnant.catalogue import UNKNOWN
from remnant.dudrate import strike_evidence
from remnant.grid import equal_area_crs
from remnant.hazard.footprint import projected_kernels
from remnant.hazard.model import prior_dud_rates
from remnant.mapping import fit_store, inputs_of
from remnant.store import Store

__all__ = ["INSIDE", "Candidates", "infer_strikes", "propose_strikes"]

INSIDE = stats.chi2.ppf(0.999, 2)  # Mahalanobis distance² of a kernel's 99.9 % ellipse
MAX_CARRIERS = 200
# Two aim points of one strike lie apart by a normal of σ √2 · spread per axis: 99 % of
# them within √(−2 ln 0.01) · √2 ≈ 4.3 spreads.
MERGE = float(np.sqrt(-2 * np.log(0.01)) * np.sqrt(2))


@dataclass
class Candidates:
    """Inferred strikes (``frame``, as strikes are stored) and the finds behind each."""

    frame: gpd.GeoDataFrame
    items: dict[str, list[str]]  # candidate id -> the ids of its finds
    unexplained: int  # finds of known type no recorded strike explains

    def __str__(self) -> str:
        return (
            f"{len(self.frame)} candidate strike(s) from {self.unexplained} finds no "
            "recorded strike explains"
        )


def infer_strikes(store: Store, *, min_items: int = 5, samples: int = 4000) -> Candidates:
    """Candidate strikes for the clusters of finds the recorded strikes do not explain."""
    catalogue, survey = store.catalogue(), store.survey()
    items = store.read("items")
    items = items[
        items["munition"].isin(set(catalogue) - {UNKNOWN})
        & (items["state"].fillna("") != "fragment")
    ]
    empty = gpd.GeoDataFrame(geometry=[], crs=4326)
    if items.empty:
        return Candidates(empty, {}, 0)
    lon, lat = items.total_bounds.reshape(2, 2).mean(axis=0).tolist()
    crs = equal_area_crs(lon, lat)
    xy = shapely.get_coordinates(items.to_crs(crs).geometry.to_numpy())
    strikes = store.read("strikes")
    loose = ~_explained(items, xy, strikes, crs, catalogue, survey)
    rates = fit_store(store).rates() if len(strikes) else {}
    rows, finds = [], {}
    for kind in sorted(set(items.loc[loose, "munition"])):
        mine = np.flatnonzero(loose & (items["munition"] == kind).to_numpy())
        entry = catalogue[kind]
        one = np.sqrt(
            ((entry.footprint_length_m / 4) ** 2 + (entry.footprint_width_m / 4) ** 2) / 2
        )
        spread = survey.carrier_spread_m.get(entry.delivery, survey.carrier_spread_m["unknown"])
        for group, carriers in _clusters(xy[mine], 3 * one, MERGE * spread):
            if len(group) < min_items:
                continue
            rows.append(
                _candidate(kind, xy[mine][group], carriers) | {"one": one, "spread": spread}
            )
            finds[rows[-1]["id"]] = sorted(items["id"].to_numpy()[mine][group])
    if not rows:
        return Candidates(empty, {}, int(loose.sum()))
    frame = gpd.GeoDataFrame(
        pd.DataFrame(rows).drop(columns=["x", "y"]),
        geometry=gpd.points_from_xy([r["x"] for r in rows], [r["y"] for r in rows], crs=crs),
        crs=crs,
    ).to_crs(4326)
    _carriers(frame, store, catalogue, survey, rates, samples)
    frame["notes"] = [
        f"inferred from {len(finds[i])} {kind} finds no recorded strike explains "
        f"({', '.join(finds[i][:8])}{' …' if len(finds[i]) > 8 else ''}); {note}"
        for i, kind, note in zip(frame["id"], frame["munition"], frame["notes"], strict=True)
    ]
    _nearest_recorded(frame, strikes)
    return Candidates(frame.drop(columns=["found", "one", "spread"]), finds, int(loose.sum()))


def propose_strikes(store: Store, candidates: Candidates, *, user: str) -> list[str]:
    """Queue the candidates for review as pending strikes; the ids now waiting."""
    if candidates.frame.empty:
        return []
    return store.propose("strikes", "insert", user=user, offered=candidates.frame)


def _explained(items, xy, strikes, crs, catalogue, survey) -> np.ndarray:
    """Which items lie within the 99.9 % ellipse of a recorded strike of their type."""
    explained = np.zeros(len(items), bool)
    if strikes.empty:
        return explained
    k = projected_kernels(strikes, crs, catalogue, survey)
    sxx, sxy, syy = k.covariance()
    det = sxx * syy - sxy**2
    kinds = items["munition"].to_numpy()
    for kind in set(kinds):
        of_type = np.flatnonzero(k.munition == kind)
        mine = np.flatnonzero(kinds == kind)
        if not len(of_type):
            continue
        dx = xy[mine, 0][:, None] - k.x[of_type][None, :]
        dy = xy[mine, 1][:, None] - k.y[of_type][None, :]
        s = of_type[None, :]
        q = (syy[s] * dx * dx - 2 * sxy[s] * dx * dy + sxx[s] * dy * dy) / det[s]
        explained[mine] = (q <= INSIDE).any(axis=1)
    return explained


def _clusters(xy: np.ndarray, link: float, merge: float):
    """Groups of points (index arrays), and each group's carrier clusters (labels).

    >>> pts = np.array([[0, 0], [10, 0], [0, 10], [300, 0], [310, 5], [5000, 0]], float)
    >>> [(g.tolist(), c.tolist()) for g, c in _clusters(pts, 50, 400)]
    [([0, 1, 2, 3, 4], [1, 1, 1, 2, 2]), ([5], [3])]
    """
    if len(xy) == 1:
        return [(np.array([0]), np.array([1]))]
    carrier = fclusterdata(xy, link, criterion="distance", method="single")
    labels = np.unique(carrier)
    centres = np.array([xy[carrier == c].mean(axis=0) for c in labels])
    strike = (
        fclusterdata(centres, merge, criterion="distance", method="single")
        if len(labels) > 1
        else np.array([1])
    )
    of = dict(zip(labels, strike, strict=True))
    group = np.array([of[c] for c in carrier])
    return [(np.flatnonzero(group == g), carrier[group == g]) for g in np.unique(group)]


def _candidate(kind: str, xy: np.ndarray, carriers: np.ndarray) -> dict:
    """Position, accuracy and (where elongated) azimuth of one cluster of finds."""
    n = len(xy)
    centre = xy.mean(axis=0)
    within = xy - np.array([xy[carriers == c].mean(axis=0) for c in carriers])
    azimuth, shape = np.nan, ""
    if n >= 10:
        values, vectors = np.linalg.eigh(np.cov(within.T))
        if values[0] > 0 and values[1] / values[0] >= 3.0:
            vx, vy = vectors[:, 1]
            azimuth = float(np.degrees(np.arctan2(vx, vy)) % 180.0)
            shape = f"; elongated {np.sqrt(values[1] / values[0]):.1f}:1 along {azimuth:.0f}°"
    digest = hashlib.sha256(f"{kind}{np.round(centre, 0)}".encode()).hexdigest()[:10]
    return {
        "id": f"INF-{digest}",
        "munition": kind,
        "azimuth_deg": azimuth,
        "source_class": "inferred",
        "source": "remnant infer-strikes",
        "notes": f"{len(np.unique(carriers))} cluster(s) of finds{shape}",
        "found": n,
        "x": centre[0],
        "y": centre[1],
    }


def _carriers(frame, store, catalogue, survey, rates, samples: int) -> None:
    """Carriers' posterior (mean, 5–95 %) of each candidate given its finds, in place."""
    found = frame["found"].to_numpy(int)
    prior = prior_dud_rates(catalogue)
    trial = frame.assign(
        carriers=1, carriers_min=1, carriers_max=1, date=None,
        accuracy_m=frame["one"] / np.sqrt(found),  # provisional: the scatter of the finds
    )  # fmt: skip
    areas = gpd.GeoDataFrame(geometry=[], crs=4326)
    inputs = inputs_of(trial, store.read("activities"), areas, catalogue, survey, 20.0)
    share = strike_evidence(
        trial, inputs.activities, None, inputs.grid, catalogue, survey, inputs.kernels
    ).searched
    rng = np.random.default_rng(0)
    notes, lows, highs, spread_share = [], [], [], []
    for i, kind in enumerate(frame["munition"]):
        rate = rates.get(kind) or prior[kind]
        mu = rng.beta(rate.alpha, rate.beta, samples)
        p = mu if rate.kappa is None else rng.beta(mu * rate.kappa, (1 - mu) * rate.kappa)
        per = catalogue[kind].submunitions_per_carrier
        n = np.arange(1, MAX_CARRIERS + 1)
        like = stats.binom.pmf(found[i], (n * per)[:, None], p[None, :] * share[i]).mean(axis=1)
        if like.sum() <= 0:
            notes.append(frame.at[i, "notes"] + "; searches too thin to count its carriers")
            lows.append(1)
            highs.append(MAX_CARRIERS)
            spread_share.append(1.0)
            continue
        post = like / like.sum()
        cdf = np.cumsum(post)
        lo, hi = int(n[np.searchsorted(cdf, 0.05)]), int(n[np.searchsorted(cdf, 0.95)])
        lows.append(lo)
        highs.append(hi)
        spread_share.append(float((post * np.where(n > 1, 1.0 / n, 0.0)).sum()))
        notes.append(
            frame.at[i, "notes"] + f"; searches covered {share[i]:.0%} of one carrier's "
            f"footprint (with detection); carriers {float((n * post).sum()):.1f} "
            f"(90 %: {lo}–{hi}) at a dud rate of {rate.mean:.1%} ({rate.source})"
        )
    frame["carriers_min"], frame["carriers_max"], frame["notes"] = lows, highs, notes
    # The centre's standard error: the finds scatter by one carrier's footprint around
    # their carriers' aim points, which scatter by the carrier spread (E[1/n; n > 1]).
    between = frame["spread"] ** 2 * np.asarray(spread_share)
    frame["accuracy_m"] = np.maximum(5.0, np.sqrt(frame["one"] ** 2 / found + between)).round(1)


def _nearest_recorded(frame, strikes) -> None:
    """Name, in each candidate's notes, the nearest recorded strike of its type."""
    if strikes.empty:
        return
    crs = equal_area_crs(*frame.total_bounds.reshape(2, 2).mean(axis=0))
    mine, theirs = frame.to_crs(crs), strikes.to_crs(crs)
    for i, row in mine.iterrows():
        same = theirs[theirs["munition"] == row["munition"]]
        if len(same):
            distance = same.distance(row.geometry)
            j = distance.idxmin()
            frame.at[i, "notes"] += (
                f"; nearest recorded strike of its type: {same.at[j, 'id']} at {distance[j]:,.0f} m"
            )
