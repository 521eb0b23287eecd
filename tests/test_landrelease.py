import datetime as dt

import geopandas as gpd
import pytest
import shapely

from remnant.errors import InputError
from remnant.grid import equal_area_crs
from remnant.io import import_records
from remnant.landrelease import items_by_type, productivity, release_statistics

CRS = equal_area_crs(35.5, 33.3)


def square(km2: float, x0: float):
    """A square of ``km2`` km² in the equal-area CRS, with vertices every 500 m."""
    side = (km2 * 1e6) ** 0.5
    return shapely.segmentize(shapely.box(x0, 0, x0 + side, side), 500.0)


def areas_under(rows, kind="CHA"):
    """One hazard area per activity, exactly its polygon (as the Monitor counts them)."""
    return gpd.GeoDataFrame(
        {"id": [f"H-{r[0]}" for r in rows], "kind": kind, "status": "open"},
        geometry=[r[7] for r in rows],
        crs=CRS,
    )


def activities(rows):
    return gpd.GeoDataFrame(
        {
            "id": [r[0] for r in rows],
            "type": [r[1] for r in rows],
            "organisation": [r[2] for r in rows],
            "start": [r[3] for r in rows],
            "end": [r[3] + dt.timedelta(days=20) for r in rows],
            "method": [r[4] for r in rows],
            "depth_cm": [20.0] * len(rows),
            "outcome": [r[5] for r in rows],
            "team_days": [r[6] for r in rows],
            "hazard_area": [f"H-{r[0]}" for r in rows],
        },
        geometry=[r[7] for r in rows],
        crs=CRS,
    )


def test_landmine_monitor_2023_identity_from_records_built_to_match(store):
    """Landmine Monitor 2023: 497.34 km² released = 156.92 cancelled + 121.11 reduced
    + 219.31 cleared."""
    d = dt.date(2022, 3, 1)
    rows = [
        ("A1", "NTS", "Org", d, "visual", "cancelled", 100.0, square(156.92, 0)),
        ("A2", "TS", "Org", d, "mechanical", "reduced", 300.0, square(121.11, 20_000)),
        ("A3", "clearance", "Org", d, "manual", "cleared", 900.0, square(219.31, 40_000)),
    ]
    import_records(store, "hazard_areas", areas_under(rows[:1], kind="SHA"))
    import_records(store, "hazard_areas", areas_under(rows[1:]))
    import_records(store, "activities", activities(rows))
    table = release_statistics(store, year=2022)
    row = table.iloc[0]
    assert row["year"] == 2022
    assert row["cancelled_m2"] / 1e6 == pytest.approx(156.92, abs=0.005)
    assert row["reduced_m2"] / 1e6 == pytest.approx(121.11, abs=0.005)
    assert row["cleared_m2"] / 1e6 == pytest.approx(219.31, abs=0.005)
    assert row["released_m2"] / 1e6 == pytest.approx(497.34, abs=0.01)
    prod = productivity(store).set_index("method")
    assert prod.loc["manual", "m2_per_team_day"] == pytest.approx(219.31e6 / 900, rel=1e-4)
    assert release_statistics(store, year=2021).empty


def test_grouping_and_items(store):
    d = dt.date(2024, 5, 1)
    rows = [
        ("B1", "clearance", "Alpha", d, "manual", "cleared", 10.0, square(0.01, 0)),
        ("B2", "clearance", "Beta", d, "manual", "cleared", 10.0, square(0.02, 1000)),
        ("B3", "TS", "Beta", d, "mechanical", "confirmed", 5.0, square(0.03, 2000)),
    ]
    import_records(store, "hazard_areas", areas_under(rows))
    import_records(store, "activities", activities(rows))
    items = gpd.GeoDataFrame(
        {
            "id": ["I1", "I2", "I3"],
            "munition": ["m77_m26", "m77_m26", "bl755"],
            "activity": ["B1", "B2", "B2"],
            "state": "dud",
            "destroyed": [True, False, True],
        },
        geometry=[shapely.Point(50, 50), shapely.Point(1050, 50), shapely.Point(1060, 60)],
        crs=CRS,
    )
    import_records(store, "items", items)
    by_org = release_statistics(store, by="organisation").set_index("organisation")
    assert by_org.loc["Alpha", "cleared_m2"] == pytest.approx(10_000, rel=1e-3)
    assert by_org.loc["Beta", "cleared_m2"] == pytest.approx(20_000, rel=1e-3)
    assert by_org.loc["Beta", "released_m2"] == pytest.approx(
        20_000, rel=1e-3
    )  # confirmed: not released
    assert by_org.loc["Beta", "activities"] == 2
    found = items_by_type(store).set_index("munition")
    assert (found.loc["m77_m26", "found"], found.loc["m77_m26", "destroyed"]) == (2, 1)
    assert (found.loc["bl755", "found"], found.loc["bl755", "destroyed"]) == (1, 1)
    with pytest.raises(InputError, match="by='colour' must be one of year, organisation"):
        release_statistics(store, by="colour")
