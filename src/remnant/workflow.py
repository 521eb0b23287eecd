"""Land release workflow (IMAS 07.11): what a survey or clearance activity may do to its area.

Non-technical survey (NTS) cancels land or confirms it, technical survey (TS) reduces land
or confirms it, clearance clears it. IMAS 07.11 requires no sequence, so any of them may
work on any hazard area that still holds land, suspected (SHA) or confirmed (CHA), in any
order, as historic records have it; an area some of which is confirmed becomes a CHA.
Released land is cut out of what remains of the area, so for every area at every step

    remaining = original − (cancelled ∪ reduced ∪ cleared)

with the released parts disjoint and inside the original, which makes the released m²
(their sum) equal original − remaining. An area with nothing left is closed; a closed area
can be handed over.

These rules live here and nowhere else; the gate (:mod:`remnant.gate`) applies them to
every write of activities and hazard areas, whichever door (import, command, web) it came
from.
One activity record carries one outcome: a TS that reduced one part and confirmed the rest
is two records, one polygon each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from remnant.grid import equal_area_crs
from remnant.records import join_note
from remnant.translate import N_

__all__ = [
    "RELEASED",
    "RELEASES_LAND",
    "ActivityProblem",
    "Applied",
    "apply_activities",
    "area_change_problems",
    "polygonal",
    "remaining_areas",
]

RELEASED = ("cancelled", "reduced", "cleared")
# The activities that release land, and so must name their hazard area. IMAS 07.11 sets
# no sequence: any of them may work on any area with land left (docs/land-release.md).
RELEASES_LAND = ("NTS", "TS", "clearance")
CLOSED = ("closed", "handed_over")
# Share of an activity's polygon that may fall outside what remains of its area and still
# be accepted (clipped to the area): boundaries digitised separately never match exactly.
OUTSIDE_TOLERANCE = 0.01
# Less than this many m² left of an area counts as nothing left.
EMPTY_M2 = 1.0
# Fields of an area that only the workflow changes once work on it has been recorded.
WORKFLOW_AREA_FIELDS = ("kind", "geometry")
# Fields of a recorded activity that moved its area on, and so cannot change afterwards.
WORKFLOW_ACTIVITY_FIELDS = ("type", "outcome", "hazard_area", "start", "end", "geometry")
# Status changes people make by hand; the workflow makes the others.
MANUAL_STATUS = {("open", "worked_on"), ("worked_on", "open"), ("closed", "handed_over")}


@dataclass(frozen=True)
class ActivityProblem:
    """Why one new activity (by its position in the batch) was refused."""

    position: int
    field: str
    value: object
    message: str  # English, with {name} for each of params
    params: tuple[tuple[str, object], ...] = ()


@dataclass
class Applied:
    """New activities as accepted (polygons clipped to their area) and the areas they moved."""

    activities: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    problems: list[ActivityProblem] = field(default_factory=list)


def _crs_for(*frames: gpd.GeoDataFrame):
    bounds = np.array([f.total_bounds for f in frames if len(f)])
    lon = (bounds[:, 0].min() + bounds[:, 2].max()) / 2
    lat = (bounds[:, 1].min() + bounds[:, 3].max()) / 2
    return equal_area_crs(lon, lat)


def _when(row) -> object:
    return row["end"] if row["end"] is not None and not pd.isna(row["end"]) else row["start"]


def apply_activities(
    new: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, released: gpd.GeoDataFrame
) -> Applied:
    """Apply new activities, in date order, to the areas they name.

    Parameters
    ----------
    new
        Validated activities (EPSG:4326) not yet stored.
    areas
        The stored hazard areas these activities name (EPSG:4326).
    released
        The stored activities of those areas that released land.

    Returns
    -------
    Applied
        The accepted activities, the areas whose kind or status changed (with their new
        values), and a problem for each refused activity. A refused activity changes
        nothing, so the others are applied as if it had not been given.
    """
    new = new.reset_index(drop=True)
    if new.empty:
        return Applied(new, areas.iloc[:0].copy())
    crs = _crs_for(new, areas)
    state = areas.set_index("id", drop=False).copy()
    original = dict(zip(state["id"], state.to_crs(crs).geometry, strict=True))
    cut = released[released["hazard_area"].isin(state.index)].to_crs(crs)
    remaining = {
        h: shapely.difference(g, shapely.union_all(cut.geometry[cut["hazard_area"] == h]))
        for h, g in original.items()
    }
    projected = new.to_crs(crs).geometry.to_numpy()
    geometry = new.geometry.to_numpy().copy()
    notes = new["notes"].to_numpy().copy()
    problems: list[ActivityProblem] = []
    moved: set[str] = set()
    order = sorted(range(len(new)), key=lambda i: (_when(new.iloc[i]), i))
    for i in order:
        row = new.iloc[i]
        kind, area_id = row["type"], row["hazard_area"]
        has_area = area_id is not None and not pd.isna(area_id)
        if kind in RELEASES_LAND and not has_area:
            problems.append(
                ActivityProblem(
                    i,
                    "hazard_area",
                    None,
                    N_("a {kind} must name its hazard area"),
                    (("kind", kind),),
                )
            )
            continue
        if not has_area:
            continue
        if area_id not in state.index:
            problems.append(ActivityProblem(i, "hazard_area", area_id, N_("no such hazard area")))
            continue
        area = state.loc[area_id]
        if kind in RELEASES_LAND:
            if area["status"] in CLOSED:
                problems.append(
                    ActivityProblem(
                        i,
                        "hazard_area",
                        area_id,
                        N_("{area} is {status}: nothing is left to release"),
                        (("area", area_id), ("status", area["status"].replace("_", " "))),
                    )
                )
                continue
            within = remaining[area_id]
        else:
            within = original[area_id]  # QA and spot tasks may visit released land
        poly = projected[i]
        outside = shapely.area(shapely.difference(poly, within))
        if outside > OUTSIDE_TOLERANCE * shapely.area(poly) + EMPTY_M2:
            already = shapely.area(shapely.intersection(poly, original[area_id]))
            message = (
                N_(
                    "{m2} m² ({share}) of it lie outside what remains of {area} (part of it "
                    "was released before)"
                )
                if kind in RELEASES_LAND and already > outside * 0.5
                else N_("{m2} m² ({share}) of it lie outside {area}")
            )
            share = f"{outside / shapely.area(poly):.0%}"
            params = (("m2", f"{outside:,.0f}"), ("share", share), ("area", area_id))
            problems.append(ActivityProblem(i, "geometry", None, message, params))
            continue
        if outside > 0.01:  # clip the digitising sliver, and say so
            poly = polygonal(shapely.intersection(poly, within))
            geometry[i] = gpd.GeoSeries([poly], crs=crs).to_crs(4326).iloc[0]
            notes[i] = join_note(notes[i], f"clipped by {outside:,.0f} m² to {area_id}")
        if kind not in RELEASES_LAND:
            continue
        outcome = row["outcome"]
        if outcome in RELEASED:
            remaining[area_id] = polygonal(shapely.difference(remaining[area_id], poly))
        before = (area["kind"], area["status"])
        if outcome == "confirmed":
            state.at[area_id, "kind"] = "CHA"
        if shapely.area(remaining[area_id]) < EMPTY_M2:
            state.at[area_id, "status"] = "closed"
        elif area["status"] == "open":
            state.at[area_id, "status"] = "worked_on"
        if (state.at[area_id, "kind"], state.at[area_id, "status"]) != before:
            moved.add(area_id)
    refused = {p.position for p in problems}
    keep = np.array([i not in refused for i in range(len(new))], dtype=bool)
    accepted = new.assign(notes=notes).set_geometry(gpd.GeoSeries(geometry, crs=4326).values)
    changed = state[state["id"].isin(moved)].reset_index(drop=True)
    return Applied(accepted[keep].reset_index(drop=True), changed, problems)


def polygonal(geom):
    """The polygons of a geometry as one (Multi)Polygon, empty if it has none.

    A cut or an intersection may leave lines or points on shared edges; they are dropped.
    """
    parts = shapely.get_parts(shapely.make_valid(geom))
    parts = parts[np.isin(shapely.get_type_id(parts), [3, 6])]
    return shapely.multipolygons(shapely.get_parts(parts)) if len(parts) else shapely.Polygon()


def area_change_problems(before: dict, after: dict, worked: bool) -> list[tuple[str, str, tuple]]:
    """Changes to a stored hazard area that only the workflow may make.

    Each is (field, why, params): ``why`` in English with ``{name}`` for each of ``params``.

    Before any work is recorded on an area, its kind and polygon are the surveyor's to
    correct; afterwards they follow from the activities. Status changes by hand are
    limited to starting or pausing work and handing over a closed area.
    """
    problems: list[tuple[str, str, tuple]] = []
    if worked:
        for name in WORKFLOW_AREA_FIELDS:
            old, new = before[name], after[name]
            same = old.equals(new) if name == "geometry" else old == new
            if not same:
                problems.append(
                    (
                        name,
                        N_("is set by the activities recorded on the area; record an activity"),
                        (),
                    )
                )
    if before["status"] != after["status"] and (
        (before["status"], after["status"]) not in MANUAL_STATUS
    ):
        problems.append(
            (
                "status",
                N_(
                    "cannot go from {before} to {after} by hand (the activities close an area; "
                    "a closed area can be handed over)"
                ),
                (("before", before["status"]), ("after", after["status"])),
            )
        )
    return problems


def remaining_areas(areas: gpd.GeoDataFrame, activities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """What remains of each hazard area, with its original and released m² per outcome.

    Returns the areas (EPSG:4326, geometry = remaining polygon) with ``original_m2``,
    ``cancelled_m2``, ``reduced_m2``, ``cleared_m2`` and ``remaining_m2`` measured in an
    equal-area projection.

    Examples
    --------
    >>> import datetime as dt
    >>> crs = equal_area_crs(35.5, 33.3)
    >>> area = gpd.GeoDataFrame({"id": ["H"], "kind": ["CHA"], "status": ["open"]},
    ...     geometry=[shapely.box(0, 0, 100, 100)], crs=crs).to_crs(4326)
    >>> done = gpd.GeoDataFrame({"hazard_area": ["H"], "outcome": ["cleared"]},
    ...     geometry=[shapely.box(0, 0, 100, 30)], crs=crs).to_crs(4326)
    >>> r = remaining_areas(area, done).iloc[0]
    >>> round(r.original_m2), round(r.cleared_m2), round(r.remaining_m2)
    (10000, 3000, 7000)
    """
    out = areas.copy()
    names = ["original_m2", *(f"{o}_m2" for o in RELEASED), "remaining_m2"]
    if out.empty:
        return out.assign(**{n: [] for n in names})
    crs = _crs_for(out, activities)
    projected = out.to_crs(crs)
    acts = activities[activities["outcome"].isin(RELEASED)].to_crs(crs)
    acts = acts.assign(area_m2=acts.geometry.area)
    by_outcome = acts.pivot_table(
        index="hazard_area", columns="outcome", values="area_m2", aggfunc="sum"
    ).reindex(index=out["id"], columns=list(RELEASED))
    cut = acts.dissolve(by="hazard_area").geometry if len(acts) else gpd.GeoSeries(crs=crs)
    left = [
        polygonal(shapely.difference(g, cut[h])) if h in cut.index else g
        for h, g in zip(out["id"], projected.geometry, strict=True)
    ]
    left = gpd.GeoSeries(left, crs=crs)
    out["original_m2"] = projected.geometry.area.to_numpy()
    for o in RELEASED:
        out[f"{o}_m2"] = by_outcome[o].fillna(0.0).to_numpy()
    out["remaining_m2"] = left.area.to_numpy()
    return out.set_geometry(left.to_crs(4326).values)
