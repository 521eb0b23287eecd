"""Prioritisation and team scheduling: feasibility, closeness to the optimum, exposure terms."""

import datetime as dt

import geopandas as gpd
import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from hypothesis import given, settings
from rasterio.transform import from_origin

from remnant.catalogue import default_survey
from remnant.cli import main
from remnant.grid import Grid, equal_area_crs
from remnant.io import import_records
from remnant.priority import make_plan, population_on_grid, rank
from remnant.schedule import (
    KAWAGUCHI_KYAN,
    list_schedule,
    optimal_weighted_completion,
    weighted_completion,
)

CRS = equal_area_crs(35.5, 33.3)


def priorities(days, rates, area=None, distance=None):
    n = len(days)
    return pd.DataFrame(
        {
            "rank": np.arange(1, n + 1),
            "hazard_area": [f"H{i}" for i in range(n)],
            "team_days": days,
            "harm_averted_rate": rates,
            "farmland_ha": np.ones(n),
            "remaining_m2": area if area is not None else np.asarray(days) * 1000,
            "distance_to_base_km": distance if distance is not None else np.arange(n),
        }
    )


@settings(max_examples=150, deadline=None)
@given(
    days=st.lists(st.floats(0.5, 120), min_size=1, max_size=30),
    teams=st.integers(1, 5),
    horizon=st.floats(5, 400),
    part=st.floats(3, 60),
)
def test_every_schedule_is_feasible(days, teams, horizon, part):
    rates = np.linspace(len(days), 1, len(days))
    plan = make_plan(priorities(days, rates), [], teams=teams, horizon=horizon, max_part_days=part)
    s = plan.schedule
    assert set(s["team"]) <= set(range(1, teams + 1))
    assert (s["end_day"] <= horizon + 1e-9).all()
    assert np.allclose(s["end_day"] - s["start_day"], s["team_days"])
    for _, team in s.groupby("team"):  # no team in two places at once
        team = team.sort_values("start_day")
        assert (team["start_day"].to_numpy()[1:] >= team["end_day"].to_numpy()[:-1] - 1e-9).all()
    for area, parts in s.groupby("hazard_area"):  # parts 1…k of an area, never more than it
        i = int(area[1:])
        assert sorted(parts["part"]) == list(range(1, len(parts) + 1))
        assert parts["team_days"].sum() <= days[i] + 1e-6
        assert (parts["parts"] == np.ceil(days[i] / part - 1e-9).clip(1)).all()
    # Nothing left undone that could still have fitted on the team free first.
    free = s.groupby("team")["end_day"].max().reindex(range(1, teams + 1), fill_value=0.0)
    done = s.groupby("hazard_area")["team_days"].sum()
    for i, d in enumerate(days):
        left = d - done.get(f"H{i}", 0.0)
        if left > 1e-6:
            n_parts = max(1, int(np.ceil(d / part - 1e-9)))
            assert free.min() + d / n_parts > horizon - 1e-6


def test_smiths_rule_within_the_kawaguchi_kyan_bound_of_the_exact_optimum():
    """On small instances (≤ 10 areas, ≤ 3 teams) list scheduling in Smith's order is
    within (1 + √2)/2 of the optimum Σ w C (exact by trying every assignment), and equal
    to it for one team."""
    rng = np.random.default_rng(3)
    worst = 1.0
    for _ in range(120):
        n, teams = int(rng.integers(2, 11)), int(rng.integers(1, 4))
        days, weights = rng.uniform(1, 50, n), rng.lognormal(0, 1, n)
        order = np.argsort(-weights / days, kind="stable")
        heuristic = weighted_completion(list_schedule(order, days, teams), weights)
        best = optimal_weighted_completion(weights, days, teams)
        assert heuristic >= best - 1e-6
        assert heuristic <= KAWAGUCHI_KYAN * best + 1e-6
        if teams == 1:
            assert heuristic == pytest.approx(best, rel=1e-12)
        worst = max(worst, heuristic / best)
    assert worst < 1.15  # in practice much closer than the worst case


def test_population_is_preserved_when_resampled_to_the_hazard_grid(tmp_path):
    """A 1 km UTM population raster onto 50 m and 500 m equal-area grids: same people."""
    rng = np.random.default_rng(0)
    people = rng.gamma(2.0, 50.0, (20, 30)).astype(np.float32)
    path = tmp_path / "pop.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=30,
        height=20,
        count=1,
        dtype="float32",
        crs="EPSG:32636",
        transform=from_origin(700_000, 3_700_000, 1000, 1000),
    ) as dst:
        dst.write(people, 1)
    box = gpd.GeoSeries([shapely.box(700_000, 3_680_000, 730_000, 3_700_000)], crs=32636)
    crs = equal_area_crs(*box.to_crs(4326).iloc[0].centroid.coords[0])
    minx, miny, maxx, maxy = box.to_crs(crs).total_bounds
    for cell in (50.0, 500.0):
        grid = Grid.covering([minx - 2e3, miny - 2e3, maxx + 2e3, maxy + 2e3], cell, crs)
        resampled = population_on_grid(path, grid)
        assert resampled.sum() == pytest.approx(people.sum(), rel=5e-3), cell


def write_hazard_tif(path, value_per_cell=0.01, cell=10.0):
    """A hazard grid of constant value over the test areas (equal-area CRS)."""
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=800,
        height=300,
        count=1,
        dtype="float32",
        crs=CRS.to_wkt(),
        transform=from_origin(-500, 1500, cell, cell),
    ) as dst:
        dst.write(np.full((300, 800), value_per_cell, np.float32), 1)
    return path


@pytest.fixture
def areas_store(store):
    areas = gpd.GeoDataFrame(
        {
            "id": ["FARM", "FOREST", "FAR"],
            "kind": "CHA",
            "status": "open",
            "land_use": ["farmland", "forest", "farmland"],
        },
        geometry=[
            shapely.box(0, 0, 500, 400),
            shapely.box(1000, 0, 1500, 400),
            shapely.box(6000, 0, 6500, 400),
        ],
        crs=CRS,
    )
    import_records(store, "hazard_areas", areas)
    return store


def test_ranking_terms_and_the_hazard_alone_note(areas_store, tmp_path):
    hazard = write_hazard_tif(tmp_path / "hazard.tif")
    weights = {"farmland": 0.7, "forest": 0.2}
    table, inputs = rank(
        areas_store, hazard=hazard, productivity={"clearance": 2000.0}, landuse_weights=weights
    )
    table = table.set_index("hazard_area")
    # 20 ha at 0.01 items per 100 m² cell: 20 items in each area.
    assert table["expected_items"].tolist() == pytest.approx([20.0] * 3, rel=1e-5)
    assert table.loc["FARM", "landuse_weight"] == 0.7
    assert table.loc["FOREST", "landuse_weight"] == 0.2
    # Forest is slower ground: more team-days than open farmland of the same size.
    assert table.loc["FOREST", "team_days"] > table.loc["FARM", "team_days"]
    assert table.loc["FARM", "team_days"] == pytest.approx(200_000 / 2000, rel=1e-5)
    # Harm averted per team-day: d × weight × items per hectare / team-days.
    d = default_survey().detection["clearance"]
    assert table.loc["FARM", "priority"] == pytest.approx(d * 0.7 * 20 / 20 / 100, rel=1e-5)
    assert table.index[0] in ("FARM", "FAR")
    assert "land use (the areas' own land_use)" in inputs

    bare = areas_store
    for area in ("FARM", "FOREST", "FAR"):
        bare.update("hazard_areas", area, {"land_use": None})
    _, inputs = rank(bare, hazard=hazard)
    assert inputs[-1] == "no exposure input: ranking by hazard alone"


def test_population_land_use_and_accidents_raise_exposure(areas_store, tmp_path):
    hazard = write_hazard_tif(tmp_path / "hazard.tif")
    pop = tmp_path / "pop.tif"
    grid = np.zeros((300, 800), np.float32)
    grid[150:170, 60:80] = 5.0  # 2,000 people near FARM only (within 2 km)
    with rasterio.open(
        pop,
        "w",
        driver="GTiff",
        width=800,
        height=300,
        count=1,
        dtype="float32",
        crs=CRS.to_wkt(),
        transform=from_origin(-500, 1500, 10, 10),
    ) as dst:
        dst.write(grid, 1)
    landuse = tmp_path / "lu.gpkg"
    gpd.GeoDataFrame(
        {"class": ["school", "farmland"]},
        geometry=[shapely.box(0, 0, 250, 400), shapely.box(6000, 0, 6500, 400)],
        crs=CRS,
    ).to_file(landuse)
    import_records(
        areas_store,
        "accidents",
        gpd.GeoDataFrame(
            {"id": ["A1"], "date": [dt.date.today() - dt.timedelta(days=100)], "killed": [1]},
            geometry=[shapely.Point(6600, 200)],
            crs=CRS,
        ),
    )
    table, inputs = rank(
        areas_store,
        hazard=hazard,
        population=pop,
        landuse=landuse,
        landuse_weights={"school": 1.0, "farmland": 0.6},
    )
    table = table.set_index("hazard_area")
    assert table.loc["FARM", "population_within_reach"] == pytest.approx(2000, rel=1e-3)
    assert table.loc["FAR", "population_within_reach"] == pytest.approx(0, abs=1e-6)
    # FARM: half school (1.0), half unmapped farmland by its own land use (0.6).
    assert table.loc["FARM", "landuse_weight"] == pytest.approx(0.8, rel=1e-6)
    assert table.loc["FAR", "farmland_ha"] == pytest.approx(20.0, rel=1e-5)
    assert table.loc["FAR", "accidents_near"] == 1
    assert table.index[0] == "FARM"
    assert len(inputs) == 4


def test_a_land_use_layer_without_classes_is_refused_by_name(areas_store, tmp_path):
    from remnant.errors import InputError

    hazard = write_hazard_tif(tmp_path / "hazard.tif")
    landuse = tmp_path / "lu.gpkg"
    gpd.GeoDataFrame({"kind": ["farm"]}, geometry=[shapely.box(0, 0, 9, 9)], crs=CRS).to_file(
        landuse
    )
    with pytest.raises(InputError, match=r"lu\.gpkg: the land-use layer needs a 'class' column"):
        rank(areas_store, hazard=hazard, landuse=landuse)
    gpd.GeoDataFrame({"class": ["quarry"]}, geometry=[shapely.box(0, 0, 9, 9)], crs=CRS).to_file(
        landuse, mode="w"
    )
    with pytest.raises(InputError, match="land-use classes without a weight: quarry"):
        rank(areas_store, hazard=hazard, landuse=landuse)


def test_plan_command_writes_its_outputs_and_the_plan_by_province(areas_store, tmp_path, capsys):
    west = gpd.GeoDataFrame(  # FARM and FOREST lie in W1, FAR in no unit
        {"code": ["W1"], "name": ["West"], "parent": [None]},
        geometry=[shapely.box(-100, -100, 2000, 500)],
        crs=CRS,
    ).to_crs(4326)
    areas_store.set_admin_units(1, west, source="test", user="t")
    areas_store.refresh_admin_units(user="t")
    hazard = write_hazard_tif(tmp_path / "hazard.tif")
    out = tmp_path / "plan"
    path = str(areas_store.backend.path)
    args = ["plan", path, "--teams", "2", "--days", "120", "--hazard", str(hazard)]
    args += ["--productivity", "clearance=3000", "--out", str(out)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "the plan averts" in text
    ranked = pd.read_csv(out / "priorities.csv")
    assert ranked["rank"].tolist() == [1, 2, 3]
    assert {"expected_items", "exposure", "harm_rate", "team_days", "priority"} <= set(ranked)
    schedule = pd.read_csv(out / "schedule.csv")
    assert set(schedule.columns) >= {"team", "hazard_area", "start_day", "end_day"}
    assert (out / "plan.png").read_bytes()[:4] == b"\x89PNG"
    units = pd.read_csv(out / "by_unit.csv", keep_default_na=False).set_index("unit")
    assert units.loc["W1", "name"] == "West"
    assert units["areas"].to_dict() == {"W1": 2, "none": 1}
    assert units.loc["W1", "remaining_ha"] == pytest.approx(40.0)  # two 500 m × 400 m boxes
    in_west = ranked[ranked["admin1"] == "W1"]
    assert units.loc["W1", "team_days"] == pytest.approx(in_west["team_days"].sum())
    assert units.loc["W1", "best_rank"] == in_west["rank"].min()
    placed = schedule[schedule["hazard_area"].isin(in_west["hazard_area"])]
    assert units.loc["W1", "scheduled_team_days"] == pytest.approx(placed["team_days"].sum())
    assert main(args) == 1  # never overwritten silently
    assert main([*args[:-2], "--productivity", "clearance=-3", "--out", str(out)]) == 2
