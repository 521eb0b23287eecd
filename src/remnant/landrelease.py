"""Land release statistics (IMAS 07.11): m² cancelled, reduced and cleared, and what was found.

Areas are measured in a Lambert azimuthal equal-area projection centred on the records, so
m² are true wherever the programme works. Released = cancelled + reduced + cleared; the
released area is also measured on its own (the union of each activity's released polygon)
and the two are checked against each other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from remnant.errors import InputError, ModelError
from remnant.grid import equal_area_crs
from remnant.store import Store
from remnant.translate import N_
from remnant.workflow import EMPTY_M2, remaining_areas

__all__ = [
    "BY",
    "by_kind",
    "items_by_type",
    "productivity",
    "release_statistics",
    "remaining",
]

OUTCOMES = ("cancelled", "reduced", "cleared")
BY = ("year", "organisation", "method", "hazard_area", "month")


def activities_with_area(store: Store, year: int | None = None) -> pd.DataFrame:
    """Activities with their area in m² (equal-area), year and month (of end, else start)."""
    acts = store.read("activities")
    if acts.empty:
        return acts.assign(area_m2=[], year=[], month=[])
    lon, lat = acts.total_bounds.reshape(2, 2).mean(axis=0).tolist()
    acts = acts.assign(area_m2=acts.to_crs(equal_area_crs(lon, lat)).geometry.area)
    when = [e if e is not None else s for s, e in zip(acts["start"], acts["end"], strict=True)]
    acts = acts.assign(year=[d.year for d in when], month=[f"{d.year}-{d.month:02d}" for d in when])
    if year is not None:
        acts = acts[acts["year"] == year]
    return acts


def release_statistics(store: Store, *, year: int | None = None, by: str = "year") -> pd.DataFrame:
    """m² cancelled, reduced, cleared and released per ``by`` group (activities' end dates).

    Raises
    ------
    InputError
        For an unknown grouping.
    ModelError
        If released differs from cancelled + reduced + cleared (it cannot, unless records
        were written past the validation).
    """
    if by not in BY:
        raise InputError(
            N_("{option} must be one of {choices}"),
            option="by",
            value=repr(by),
            choices=", ".join(BY),
        )
    acts = activities_with_area(store, year)
    columns = [by, *(f"{o}_m2" for o in OUTCOMES), "released_m2", "activities"]
    if acts.empty:
        return pd.DataFrame(columns=columns)
    acts = acts.assign(**{by: acts[by].fillna("(none)")})
    table = (
        acts.pivot_table(
            index=by, columns="outcome", values="area_m2", aggfunc="sum", fill_value=0.0
        )
        .reindex(columns=list(OUTCOMES), fill_value=0.0)
        .add_suffix("_m2")
    )
    released = acts[acts["outcome"].isin(OUTCOMES)].groupby(by)["area_m2"].sum()
    table["released_m2"] = released.reindex(table.index, fill_value=0.0)
    total = table[[f"{o}_m2" for o in OUTCOMES]].sum(axis=1)
    if not np.allclose(total, table["released_m2"], rtol=1e-9, atol=1e-6):
        raise ModelError(N_("released area differs from cancelled + reduced + cleared"))
    table["activities"] = acts.groupby(by).size().reindex(table.index, fill_value=0)
    return table.reset_index()[columns]


def items_by_type(store: Store, *, year: int | None = None) -> pd.DataFrame:
    """Items found by the activities of ``year`` (or all), and destroyed, per munition."""
    acts = activities_with_area(store, year)
    items = store.read("items")
    items = items[items["activity"].isin(set(acts["id"]))] if year is not None else items
    if items.empty:
        return pd.DataFrame(columns=["munition", "found", "destroyed"])
    grouped = items.groupby(items["munition"].fillna("unknown"))
    return pd.DataFrame(
        {
            "found": grouped.size(),
            "destroyed": grouped["destroyed"].apply(lambda d: int(sum(v is True for v in d))),
        }
    ).reset_index(names="munition")


def productivity(store: Store, *, year: int | None = None) -> pd.DataFrame:
    """m² worked per team-day, per method, over the activities that recorded team-days."""
    acts = activities_with_area(store, year)
    acts = acts[acts["team_days"].notna() & (acts["team_days"] > 0)]
    if acts.empty:
        return pd.DataFrame(columns=["method", "area_m2", "team_days", "m2_per_team_day"])
    grouped = acts.groupby(acts["method"].fillna("(none)"))
    table = pd.DataFrame(
        {"area_m2": grouped["area_m2"].sum(), "team_days": grouped["team_days"].sum()}
    )
    table["m2_per_team_day"] = table["area_m2"] / table["team_days"]
    return table.reset_index(names="method")


def remaining(store: Store) -> pd.DataFrame:
    """Every hazard area with what remains of it (polygon and m²) and what was released."""
    return remaining_areas(store.read("hazard_areas"), store.read("activities"))


def by_kind(per_area: pd.DataFrame) -> pd.DataFrame:
    """Per kind (SHA, CHA), from :func:`remaining`: areas, those with land left, and m²."""
    columns = ["kind", "areas", "open_areas", "original_m2", "released_m2", "remaining_m2"]
    if per_area.empty:
        return pd.DataFrame(columns=columns)
    released = per_area[[f"{o}_m2" for o in OUTCOMES]].sum(axis=1)
    per_area = per_area.assign(released_m2=released, left=per_area["remaining_m2"] >= EMPTY_M2)
    grouped = per_area.groupby("kind")
    table = pd.DataFrame(
        {
            "areas": grouped.size(),
            "open_areas": grouped["left"].sum(),
            "original_m2": grouped["original_m2"].sum(),
            "released_m2": grouped["released_m2"].sum(),
            "remaining_m2": grouped["remaining_m2"].sum(),
        }
    )
    return table.reset_index(names="kind")[columns]
