"""Back-testing the map on a programme's own clearance: what it predicted, what was found.

The strongest test of a hazard map is whether it foretold what clearance then found.
:func:`backtest` makes the map — and the field dud rates — from what the store knew before
a date (strikes dated before it or undated, the activities that started before it, the
items they found), then predicts, for every clearance and technical survey that started
on or after the date, the items of the mapped types it would find in its polygon: a
distribution from the map's Monte Carlo (:func:`remnant.hazard.search_draws`), in the
order the searches were done, each finding a surviving dud with its detection
probability. It compares each prediction with the items the search recorded.

Measures (docs/backtest.md says how to read them):

* the share of searches whose finds lie in the 5–95 % band, and the coverage of the 50 %
  and 90 % central intervals by the randomised probability integral transform (PIT) —
  for counts, a band of whole numbers holds the truth more often than its level, the PIT
  does not (Czado, Gneiting & Held 2009, Biometrics 65:1254) — each with its binomial
  standard error;
* the items all later searches found against the 5–95 % band of their sum;
* Spearman's rank correlation of predicted and found items;
* the share of the items found that lay in the searches the map ranked highest (the
  fifth of the searched area with the highest predicted items per hectare).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from remnant.dudrate import SEARCH_TYPES
from remnant.errors import ModelError
from remnant.hazard import search_draws
from remnant.mapping import fit_frames, inputs_of, prepared_map
from remnant.records import as_date
from remnant.store import Store
from remnant.translate import N_

__all__ = ["Backtest", "backtest", "calibration_plot", "pit"]

TOP_SHARE = 0.2  # the share of the searched area the map ranked highest


@dataclass
class Backtest:
    """Predicted and found items per later search, and what they say together."""

    before: dt.date
    searches: pd.DataFrame  # one row per search, in the order done
    summary: dict

    def __str__(self) -> str:
        s = self.summary
        return (
            f"{s['searches']} searches from {self.before}: {s['found']} items found, "
            f"{s['predicted']:.1f} predicted; finds within the 5-95 % band in "
            f"{s['in_band']:.0%}; PIT coverage of the 90 % interval "
            f"{s['coverage_90']:.0%} ± {s['coverage_90_se']:.0%}"
        )


def backtest(
    store: Store, before, *, cell: float = 25.0, samples: int = 400, seed: int = 0
) -> Backtest:
    """Predict from what was known before ``before`` the items each later search found.

    Raises
    ------
    ModelError
        Where no strike was known before the date, or no clearance or technical survey
        started on or after it.
    """
    day = as_date(before)
    if day is None:
        raise ModelError(N_("--before must be a date (YYYY-MM-DD), not {before!r}"), before=before)
    strikes = store.read("strikes")
    dated = pd.Series([as_date(v) for v in strikes["date"]], index=strikes.index, dtype=object)
    known = strikes[dated.isna() | (dated < day)]
    if known.empty:
        raise ModelError(N_("no strike was known before {day}: nothing to predict from"), day=day)
    activities = store.read("activities")
    starts = pd.Series([as_date(v) for v in activities["start"]], index=activities.index)
    earlier = activities[starts < day]
    later = activities[(starts >= day) & activities["type"].isin(SEARCH_TYPES)]
    later = later.assign(begins=starts[later.index]).sort_values(["begins", "id"])
    if later.empty:
        raise ModelError(N_("no clearance or technical survey started on or after {day}"), day=day)
    items = store.read("items")
    catalogue, survey = store.catalogue(), store.survey()
    inputs = inputs_of(known, earlier, store.read("hazard_areas"), catalogue, survey, cell)
    found_before = items[items["activity"].isin(earlier["id"])]
    fit = fit_frames(inputs, found_before) if len(found_before) else None
    prepared = prepared_map(inputs, fit)  # the Monte Carlo needs no raster
    polygons = later.to_crs(inputs.grid.crs).geometry
    detect = [survey.detection[t] for t in later["type"]]
    draws = search_draws(
        prepared, list(zip(polygons, detect, strict=True)), samples=samples, seed=seed
    )
    types = set(inputs.kernels.munition)
    mapped = items[items["munition"].isin(types)]
    found = later["id"].map(mapped.groupby("activity").size()).fillna(0).astype(int).to_numpy()
    table = pd.DataFrame(
        {
            "activity": later["id"].to_numpy(),
            "type": later["type"].to_numpy(),
            "start": later["begins"].to_numpy(),
            "area_ha": polygons.area.to_numpy() / 1e4,
            "predicted": draws.mean(axis=0),
            "p05": np.percentile(draws, 5, axis=0),
            "p50": np.percentile(draws, 50, axis=0),
            "p95": np.percentile(draws, 95, axis=0),
            "found": found,
            "pit": pit(draws, found, seed=seed),
        }
    )
    summary = _summary(table, len(items[items["activity"].isin(later["id"])]))
    totals = draws.sum(axis=1)  # every later search together, per draw
    summary["predicted_p05"], summary["predicted_p95"] = np.percentile(totals, [5, 95]).tolist()
    return Backtest(day, table, summary)


def pit(draws: np.ndarray, found: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """The randomised probability integral transform of counts ``found`` under ``draws``.

    Uniform on [0, 1] where the predictions are calibrated, counts or not.

    >>> draws = np.array([[0], [1], [1], [2]])
    >>> bool(0.25 <= pit(draws, np.array([1]))[0] <= 0.75)  # P(X < 1) = .25, P(X ≤ 1) = .75
    True
    """
    below = (draws < found).mean(axis=0)
    at_most = (draws <= found).mean(axis=0)
    return below + np.random.default_rng(seed).random(len(found)) * (at_most - below)


def _summary(table: pd.DataFrame, items_later: int) -> dict:
    from scipy import stats

    n = len(table)
    u = table["pit"].to_numpy()
    cover = {level: float(np.mean(np.abs(u - 0.5) <= level / 2)) for level in (0.5, 0.9)}
    density = table["predicted"] / table["area_ha"].clip(lower=1e-9)
    ranked = table.assign(density=density).sort_values("density", ascending=False)
    top = ranked["area_ha"].cumsum() <= TOP_SHARE * ranked["area_ha"].sum()
    top.iloc[0] = True  # the highest-ranked search, whatever its size
    found = int(table["found"].sum())
    rho = stats.spearmanr(table["predicted"], table["found"]).statistic if n > 2 else np.nan
    return {
        "searches": n,
        "found": found,
        "items_later": items_later,  # of every type, mapped or not
        "predicted": float(table["predicted"].sum()),
        "in_band": float(
            np.mean((table["p05"] <= table["found"]) & (table["found"] <= table["p95"]))
        ),
        "coverage_50": cover[0.5],
        "coverage_50_se": float(np.sqrt(0.25 / n)),
        "coverage_90": cover[0.9],
        "coverage_90_se": float(np.sqrt(0.09 / n)),
        "spearman": float(rho) if np.isfinite(rho) else None,
        "top_share": float(ranked.loc[top, "found"].sum() / found) if found else None,
        "top_area_share": float(ranked.loc[top, "area_ha"].sum() / ranked["area_ha"].sum()),
    }


def calibration_plot(result: Backtest, path: str | Path, *, title: str | None = None) -> Path:
    """The calibration plot of a back-test, and its PIT histogram.

    Each later search's prediction (mean and 5–95 % band) against what it found, with the
    means of searches binned by prediction where there are enough of them.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = result.searches
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.5, 4.6))
    top = max(t["p95"].max(), t["found"].max(), 1) * 1.3
    left.plot([0, top], [0, top], color="0.6", lw=1, label="found = predicted")
    inside = (t["p05"] <= t["found"]) & (t["found"] <= t["p95"])
    left.vlines(t["predicted"], t["p05"], t["p95"], color="#92c5de", lw=3, label="5–95 % band")
    for held, colour, name in (
        (True, "#2166ac", "found, in the band"),
        (False, "#b2182b", "found, outside"),
    ):
        chosen = t[inside == held]
        if len(chosen):
            left.plot(chosen["predicted"], chosen["found"], "o", ms=4, color=colour, label=name)
    if len(t) >= 20:  # means of searches binned by prediction
        groups = pd.qcut(t["predicted"].rank(method="first"), min(10, len(t) // 10), labels=False)
        by = t.groupby(groups)
        left.plot(by["predicted"].mean(), by["found"].mean(), "D", color="black", ms=5,
                  label="binned means")  # fmt: skip
    left.set_xscale("symlog", linthresh=1)
    left.set_yscale("symlog", linthresh=1)
    left.set(
        xlim=(0, top), ylim=(0, top), xlabel="items predicted for the search (mean)",
        ylabel="items the search found",
        title=title or f"Back-test: map of {result.before}, {len(t)} later searches",
    )  # fmt: skip
    left.legend(loc="upper left", fontsize=8)
    bins = min(10, max(4, len(t) // 4))
    right.hist(t["pit"], bins=bins, range=(0, 1), color="#4393c3", edgecolor="white")
    right.axhline(len(t) / bins, color="0.4", lw=1, ls="--", label="calibrated")
    s = result.summary
    right.set(
        xlabel="randomised PIT of the items found (0: fewer than predicted)",
        ylabel="searches",
        title=f"90 % interval holds {s['coverage_90']:.0%} ± {s['coverage_90_se']:.0%}",
    )
    right.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
