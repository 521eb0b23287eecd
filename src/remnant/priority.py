"""Rank hazard areas by harm averted per team-day and plan the teams (docs/prioritisation.md).

For each open hazard area h (what remains of it after land release):

* Rₕ, expected items remaining: the hazard map summed over the remaining polygon;
* Eₕ, exposure: land-use weight × people within reach × (1 + boost × recent accidents
  within reach); each factor is 1 when its input is not given;
* harm rate ∝ Eₕ · Rₕ / Aₕ (items per hectare met by the people who use the land);
* cost Cₕ = Aₕ / (productivity × terrain factor) team-days, by the method the area needs
  (clearance for a CHA, technical survey for an SHA), with detection probability d;
* priority = d · harm rate / Cₕ, the harm averted per team-day.

The teams are then scheduled in that order (:mod:`remnant.schedule`), and the plan is
compared over time with three baselines: largest area first, nearest to a base first,
and random. Figures without a source in the world are in ``priority.toml``, marked as
judgement, and overridable.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from remnant.errors import InputError
from remnant.grid import Grid, equal_area_crs
from remnant.landrelease import activities_with_area, remaining
from remnant.schedule import averted_by_day, list_schedule, split
from remnant.store import Store
from remnant.translate import N_
from remnant.workflow import CLOSED, EMPTY_M2
from remnant.zonal import zonal_sums

__all__ = ["Plan", "by_unit", "defaults", "make_plan", "rank", "write_plan"]

METHOD = {"CHA": "clearance", "SHA": "TS"}
BASELINES = ("largest area first", "nearest to a base first", "random")


def defaults() -> dict:
    """The sourced defaults of ``priority.toml``."""
    return tomllib.loads(resources.files("remnant").joinpath("priority.toml").read_text("utf-8"))


@dataclass
class Plan:
    """The ranking, the team schedule, and harm averted over time against the baselines."""

    priorities: pd.DataFrame
    schedule: pd.DataFrame
    curves: pd.DataFrame
    inputs: list[str]
    teams: int
    horizon: float

    def averted(self, day: float) -> dict[str, float]:
        """Harm averted by ``day`` under the plan and each baseline."""
        row = self.curves.iloc[int(np.searchsorted(self.curves["day"], day))]
        return {name: float(row[name]) for name in ("plan", *BASELINES)}


# -- the terms of the ranking --------------------------------------------------------


def _hazard_grid(store: Store, hazard, cell: float, progress):
    """The hazard grid (values, Grid): from a GeoTIFF of ``remnant hazard`` or computed."""
    if hazard is not None:
        import rasterio

        # GDAL decompresses the blocks on every core.
        with rasterio.Env(GDAL_NUM_THREADS="ALL_CPUS"), rasterio.open(hazard) as src:
            grid = Grid.of_raster(src)
            return src.read(1, masked=True).filled(0.0), grid
    from remnant.mapping import map_store

    hazard_map, _ = map_store(store, cell, samples=0, progress=progress)
    return np.asarray(hazard_map.expected), hazard_map.grid


def population_on_grid(path, grid: Grid) -> np.ndarray:
    """A population raster (any CRS) resampled onto ``grid`` with the people kept.

    Resampling by sum (GDAL's area-weighted ``sum``) moves each source cell's people to
    the grid cells it overlaps, so the total over the grid equals the source's total over
    the same ground. :func:`rank` uses the hazard grid aggregated to about the raster's
    own cell size (whole multiples, aligned), as finer cells would add nothing.
    """
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.transform import from_origin
    from rasterio.warp import reproject

    with rasterio.open(path) as src:
        if src.crs is None:
            raise InputError(N_("has no CRS; give the raster one (gdal_edit.py -a_srs)"), file=path)
        destination = np.zeros((grid.height, grid.width), np.float64)
        reproject(
            source=rasterio.band(src, 1),
            destination=destination,
            src_nodata=src.nodata,
            dst_transform=from_origin(grid.left, grid.top, grid.cell, grid.cell),
            dst_crs=grid.crs,
            dst_nodata=0.0,
            resampling=Resampling.sum,
        )
    return np.nan_to_num(np.clip(destination, 0, None))


def _native_cell(path, grid: Grid) -> float:
    """A raster's cell size in metres of the grid's CRS (its mean over the raster)."""
    import rasterio
    from rasterio.warp import transform_bounds

    with rasterio.open(path) as src:
        if src.crs is None:
            raise InputError(N_("has no CRS; give the raster one (gdal_edit.py -a_srs)"), file=path)
        left, bottom, right, top = transform_bounds(src.crs, grid.crs, *src.bounds)
        return min((right - left) / src.width, (top - bottom) / src.height)


def _aggregate(grid: Grid, cell: float) -> Grid:
    """The grid with cells of k × its cell (k ≥ 1, whole), aligned with it.

    For a raster whose own cells are larger than the hazard grid's, nothing is gained by
    resampling it finer than about its own cell size.
    """
    k = max(1, int(cell // grid.cell))
    return Grid(
        grid.crs, grid.left, grid.top, grid.cell * k, -(-grid.width // k), -(-grid.height // k)
    )


def _landuse(areas: gpd.GeoDataFrame, landuse, weights: dict, file: str = ""):
    """Area-weighted land-use weight and farmland m² per area (in the areas' CRS).

    Land the layer does not cover counts with the area's own recorded land use; ``file``
    names the layer in errors.
    """
    own = areas["land_use"].fillna("unknown").map(lambda k: weights.get(k, weights["unknown"]))
    if landuse is None:
        farm = np.where(areas["land_use"] == "farmland", areas.geometry.area, 0.0)
        return own.to_numpy(float), farm
    lu = landuse.to_crs(areas.crs)
    if "class" not in lu:
        raise InputError(N_("the land-use layer needs a 'class' column"), file=file)
    unknown = sorted(set(lu["class"]) - set(weights))
    if unknown:
        raise InputError(
            N_("land-use classes without a weight: {unknown}; give them with {option}"),
            file=file,
            option="landuse_weights",
            value="{class: weight}",
            unknown=", ".join(map(str, unknown)),
        )
    lu_w = lu["class"].map(weights).to_numpy(float)
    tree = shapely.STRtree(lu.geometry.to_numpy())
    weight, farm = np.zeros(len(areas)), np.zeros(len(areas))
    for i, poly in enumerate(areas.geometry):
        hits = tree.query(poly, "intersects")
        pieces = shapely.intersection(lu.geometry.to_numpy()[hits], poly)
        sizes = shapely.area(pieces)
        total = poly.area
        covered = min(float(shapely.area(shapely.union_all(pieces))), total) if len(hits) else 0.0
        # Overlapping land-use polygons share the covered ground in proportion to size.
        scale = covered / sizes.sum() if sizes.sum() > 0 else 0.0
        weight[i] = ((lu_w[hits] * sizes).sum() * scale + own.iat[i] * (total - covered)) / total
        farm[i] = sizes[(lu["class"].to_numpy()[hits] == "farmland")].sum() * scale
    return weight, farm


def _productivity(store: Store, given: dict[str, float], settings: dict) -> tuple[dict, dict]:
    """m² per team-day per method: given, else measured in the store, else the default."""
    acts = activities_with_area(store)
    acts = acts[acts["team_days"].notna() & (acts["team_days"] > 0)]
    rates, sources = {}, {}
    for method in sorted(set(METHOD.values())):
        mine = acts[acts["type"] == method]
        if method in given:
            rates[method], sources[method] = given[method], "given"
        elif len(mine) >= settings["min_activities"]:
            rates[method] = float(mine["area_m2"].sum() / mine["team_days"].sum())
            sources[method] = f"measured: {len(mine)} {method} activities in the store"
        else:
            rates[method] = settings[method]["m2_per_team_day"]
            sources[method] = "default (priority.toml)"
    return rates, sources


def rank(
    store: Store,
    *,
    productivity: dict[str, float] | None = None,
    population=None,
    landuse=None,
    landuse_weights: dict[str, float] | None = None,
    hazard=None,
    cell: float = 50.0,
    base: tuple[float, float] | None = None,
    today: dt.date | None = None,
    progress=None,
) -> tuple[pd.DataFrame, list[str]]:
    """The open hazard areas ranked by harm averted per team-day, with every term.

    Returns the table (best first) and the list of inputs the exposure used.
    """
    settings = defaults()
    areas = remaining(store)
    areas = areas[~areas["status"].isin(CLOSED) & (areas["remaining_m2"] >= EMPTY_M2)]
    if areas.empty:
        raise InputError(
            N_("{backend} has no open hazard area with land left to release"), backend=store.backend
        )
    lon, lat = areas.total_bounds.reshape(2, 2).mean(axis=0)
    crs = equal_area_crs(lon, lat)
    projected = areas.to_crs(crs).reset_index(drop=True)
    area_m2 = projected.geometry.area.to_numpy()

    values, grid = _hazard_grid(store, hazard, cell, progress)
    in_grid = gpd.GeoSeries(projected.geometry, crs=crs).to_crs(grid.crs)
    expected = zonal_sums(values, grid, in_grid.to_numpy())

    inputs = ["hazard map" + (f" ({hazard})" if hazard else f" (computed at {cell:g} m)")]
    exposure = settings["exposure"]
    # 8 segments a quarter circle: within 0.7 % of a circle's area, with half the vertices.
    reach = gpd.GeoSeries(projected.geometry.buffer(exposure["reach_m"], quad_segs=8), crs=crs)
    people = np.ones(len(projected))
    if population is not None:
        coarse = _aggregate(grid, _native_cell(population, grid))
        people = zonal_sums(population_on_grid(population, coarse), coarse, reach.to_crs(grid.crs))
        inputs.append(f"population ({population}, within {exposure['reach_m']:,.0f} m)")
    weights = {k: v for k, v in settings["land_use_weight"].items() if k != "source"}
    weights.update(landuse_weights or {})
    lu_frame = None
    if landuse is not None:
        import pyogrio

        lu_frame = pyogrio.read_dataframe(landuse)
        inputs.append(f"land use ({landuse})")
    elif projected["land_use"].notna().any():
        inputs.append("land use (the areas' own land_use)")
    lu_weight, farmland = _landuse(projected, lu_frame, weights, str(landuse or ""))
    accidents = store.read("accidents")
    today = today or dt.date.today()
    since = dt.date(today.year - exposure["accident_years"], today.month, min(today.day, 28))
    accidents = accidents[[isinstance(d, dt.date) and d >= since for d in accidents["date"]]]
    near = np.zeros(len(projected), int)
    if len(accidents):
        points = accidents.to_crs(crs).geometry.to_numpy()
        hit_area, _ = shapely.STRtree(points).query(
            projected.geometry.to_numpy(), "dwithin", distance=exposure["reach_m"]
        )
        near = np.bincount(hit_area, minlength=len(projected))
        inputs.append(f"accidents since {since} within {exposure['reach_m']:,.0f} m")
    if len(inputs) == 1:
        inputs.append("no exposure input: ranking by hazard alone")

    rates, rate_sources = _productivity(store, productivity or {}, settings["productivity"])
    method = projected["kind"].map(METHOD).to_numpy()
    detection = store.survey().detection
    d = np.array([detection[m] for m in method])
    terrain = projected["land_use"].fillna("unknown").map(settings["terrain"]).to_numpy(float)
    pace = np.array([rates[m] for m in method]) * terrain
    team_days = area_m2 / pace
    boost = 1.0 + exposure["accident_boost"] * near
    e = lu_weight * people * boost
    harm = e * expected / (area_m2 / 1e4)
    if base is None:
        centre = shapely.Point(0.0, 0.0)  # the projection is centred on the areas
    else:
        centre = gpd.GeoSeries([shapely.Point(*base)], crs=4326).to_crs(crs).iloc[0]
    table = pd.DataFrame(
        {
            "hazard_area": projected["id"],
            "name": projected["name"],
            **{f"admin{n}": projected.get(f"admin{n}") for n in (1, 2, 3)},
            "kind": projected["kind"],
            "land_use": projected["land_use"],
            "method": method,
            "remaining_m2": area_m2,
            "expected_items": expected,
            "items_per_ha": expected / (area_m2 / 1e4),
            "population_within_reach": people if population is not None else np.nan,
            "landuse_weight": lu_weight,
            "accidents_near": near,
            "exposure": e,
            "harm_rate": harm,
            "detection": d,
            "harm_averted_rate": d * harm,
            "m2_per_team_day": pace,
            "productivity_source": [rate_sources[m] for m in method],
            "terrain_factor": terrain,
            "team_days": team_days,
            "priority": d * harm / team_days,
            "farmland_ha": farmland / 1e4,
            "distance_to_base_km": projected.geometry.representative_point().distance(centre) / 1e3,
        }
    )
    table = table.sort_values("priority", ascending=False, kind="stable", ignore_index=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table, inputs


def make_plan(
    priorities: pd.DataFrame,
    inputs: list[str],
    *,
    teams: int,
    horizon: float = 365.0,
    max_part_days: float = 30.0,
    seed: int = 0,
) -> Plan:
    """Schedule ``teams`` over ``horizon`` days in priority order; compare the baselines."""
    if teams < 1:
        raise InputError(N_("{option} must be at least 1"), option="teams", value=str(teams))
    if not horizon > 0:
        raise InputError(N_("{option} must be positive"), option="horizon", value=repr(horizon))
    parts = split(priorities["team_days"].to_numpy(), max_part_days)
    job = parts["job"].to_numpy()
    rate = priorities["harm_averted_rate"].to_numpy()[job] * parts["share"].to_numpy()
    farmland = priorities["farmland_ha"].to_numpy()[job] * parts["share"].to_numpy()
    orders = {
        "plan": np.lexsort((parts["part"], job)),  # priorities are sorted best first
        "largest area first": np.lexsort(
            (parts["part"], job, -priorities["remaining_m2"].to_numpy()[job])
        ),
        "nearest to a base first": np.lexsort(
            (parts["part"], job, priorities["distance_to_base_km"].to_numpy()[job])
        ),
        "random": np.random.default_rng(seed).permutation(len(parts)),
    }
    day = np.arange(0.0, horizon + 1.0)
    curves = {"day": day}
    schedules = {}
    for name, order in orders.items():
        schedules[name] = list_schedule(order, parts["days"].to_numpy(), teams, horizon)
        curves[name], curves[f"{name} farmland_ha"] = averted_by_day(
            schedules[name], rate, day, farmland
        )
    s = schedules["plan"]
    p = parts.iloc[s["item"]].reset_index(drop=True)
    counts = parts.groupby("job").size()
    schedule = pd.DataFrame(
        {
            "team": s["team"].to_numpy(),
            "hazard_area": priorities["hazard_area"].to_numpy()[p["job"]],
            "rank": priorities["rank"].to_numpy()[p["job"]],
            "part": p["part"].to_numpy(),
            "parts": counts.reindex(p["job"]).to_numpy(),
            "start_day": s["start"].to_numpy(),
            "end_day": s["end"].to_numpy(),
            "team_days": p["days"].to_numpy(),
            "harm_averted_rate": rate[s["item"]],
        }
    ).sort_values(["team", "start_day"], ignore_index=True)
    return Plan(priorities, schedule, pd.DataFrame(curves), inputs, teams, horizon)


def plot_plan(plan: Plan, path) -> Path:
    """Cumulative harm averted and farmland released over time: the plan and the baselines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    c = plan.curves
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    styles = {"plan": ("black", "-", 2.2), "largest area first": ("tab:orange", "--", 1.4)}
    styles |= {"nearest to a base first": ("tab:blue", "-.", 1.4), "random": ("0.5", ":", 1.4)}
    for name, (colour, line, width) in styles.items():
        label = "this plan (harm averted per team-day)" if name == "plan" else name
        top.plot(c["day"], c[name], line, color=colour, linewidth=width, label=label)
        bottom.plot(c["day"], c[f"{name} farmland_ha"], line, color=colour, linewidth=width)
    top.set_ylabel("cumulative harm averted\n(harm-rate × days, relative)")
    bottom.set_ylabel("farmland released (ha)")
    bottom.set_xlabel("day of the plan")
    top.legend(frameon=False, fontsize=8)
    top.set_title(f"{plan.teams} teams over {plan.horizon:,.0f} days")
    for ax in (top, bottom):
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(alpha=0.3)
    fig.text(0.01, 0.005, "Exposure from: " + "; ".join(plan.inputs), fontsize=6, color="0.4")
    path = Path(path)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def by_unit(priorities: pd.DataFrame, schedule: pd.DataFrame, level: int = 1) -> pd.DataFrame:
    """The plan per administrative unit of ``level``, best-ranked unit first.

    Open areas, hectares remaining, expected items, team-days they need, the best rank
    among them, the day teams first start there (blank: not within the horizon) and the
    team-days scheduled there within the horizon. Areas in no unit count under ``none``.

    >>> priorities = pd.DataFrame({"rank": [1, 2, 3], "hazard_area": ["A", "B", "C"],
    ...     "admin1": ["UA63", "UA14", "UA63"], "remaining_m2": [2e4, 5e4, 1e4],
    ...     "expected_items": [3.0, 1.0, 2.0], "team_days": [10.0, 30.0, 5.0]})
    >>> schedule = pd.DataFrame({"hazard_area": ["A", "C"], "start_day": [0.0, 10.0],
    ...     "team_days": [10.0, 5.0]})
    >>> table = by_unit(priorities, schedule)
    >>> table[["unit", "areas", "remaining_ha", "team_days", "best_rank"]].values.tolist()
    [['UA63', 2, 3.0, 15.0, 1], ['UA14', 1, 5.0, 30.0, 2]]
    >>> table[["first_day", "scheduled_team_days"]].values.tolist()  # B: beyond the horizon
    [[0.0, 15.0], [nan, 0.0]]
    """
    key = f"admin{level}"
    units = priorities[key].fillna("none") if key in priorities else "none"
    ranked = priorities.assign(unit=units)
    table = ranked.groupby("unit").agg(
        areas=("hazard_area", "size"),
        remaining_ha=("remaining_m2", "sum"),
        expected_items=("expected_items", "sum"),
        team_days=("team_days", "sum"),
        best_rank=("rank", "min"),
    )
    table["remaining_ha"] /= 1e4
    placed = schedule.merge(ranked[["hazard_area", "unit"]], on="hazard_area")
    table["first_day"] = placed.groupby("unit")["start_day"].min()
    table["scheduled_team_days"] = placed.groupby("unit")["team_days"].sum()
    table["scheduled_team_days"] = table["scheduled_team_days"].fillna(0.0)
    return table.sort_values("best_rank").reset_index()


def write_plan(
    store: Store, out, *, teams: int, horizon: float = 365.0, overwrite=False, **options
):
    """Rank, schedule and write the plan's tables and figure.

    ``priorities.csv``, ``schedule.csv``, ``by_unit.csv`` (:func:`by_unit` at level 1,
    with the units' names) and ``plan.png``.
    """
    from remnant.outputs import refuse_existing

    out = Path(out)
    names = ("priorities.csv", "schedule.csv", "by_unit.csv", "plan.png")
    refuse_existing(*(out / name for name in names), overwrite=overwrite)
    plan_options = {k: options.pop(k) for k in ("max_part_days", "seed") if k in options}
    priorities, inputs = rank(store, **options)
    plan = make_plan(priorities, inputs, teams=teams, horizon=horizon, **plan_options)
    out.mkdir(parents=True, exist_ok=True)
    plan.priorities.to_csv(out / "priorities.csv", index=False)
    plan.schedule.to_csv(out / "schedule.csv", index=False)
    units = store.admin_units()
    names = units[units["level"] == 1].set_index("code")["name"]
    table = by_unit(plan.priorities, plan.schedule)
    table.insert(1, "name", table["unit"].map(names).fillna(""))
    table.to_csv(out / "by_unit.csv", index=False)
    plot_plan(plan, out / "plan.png")
    return plan
