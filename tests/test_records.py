import datetime as dt

import numpy as np
import pandas as pd
import pytest
import shapely

from remnant.records import ENTITIES, validate


def strikes(**columns):
    base = {"munition": ["m77_m26"], "carriers": ["2"], "source_class": ["surveyed"]}
    base.update(columns)
    return pd.DataFrame(base)


POINT = [shapely.Point(35.5, 33.3)]


def messages(result):
    return [(p.row, p.field, p.message) for p in result.problems]


def test_valid_strike_is_typed_and_gets_a_content_id():
    r = validate("strikes", strikes(date=["2023-05-01"], accuracy_m=["12.5"]), POINT)
    assert r.problems == []
    rec = r.records.iloc[0]
    assert rec["date"] == dt.date(2023, 5, 1)
    assert rec["carriers"] == 2
    assert rec["carriers_min"] == 2
    assert rec["carriers_max"] == 2
    assert rec["accuracy_m"] == 12.5
    assert rec["id"].startswith("STR-")
    again = validate("strikes", strikes(date=["2023-05-01"], accuracy_m=["12.5"]), POINT)
    assert again.records.iloc[0]["id"] == rec["id"]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("date", "2091-01-01", "date is in the future"),
        ("date", "1939-12-31", "date is before 1940-01-01"),
        ("date", "01/05/2023", "is not a date (write it as YYYY-MM-DD)"),
        ("date", "2023-05-01junk", "is not a date (write it as YYYY-MM-DD)"),
        ("carriers", "two", "is not a number"),
        ("carriers", "2.5", "must be a whole number"),
        ("carriers", "0", "must not be less than 1"),
        ("azimuth_deg", "400", "must not be more than 360"),
        ("source_class", "rumour", "must be one of: surveyed, eod_report"),
        ("confidence", "certain", "must be one of: low, medium, high"),
        ("confidence", "Mediun", "must be one of: low, medium, high; did you mean 'medium'?"),
    ],
)
def test_bad_values_are_named(column, value, message):
    r = validate("strikes", strikes(**{column: [value]}), POINT, file="s.csv", rows=[7])
    assert len(r.records) == 0
    p = r.problems[0]
    assert (p.file, p.row, p.field, p.value) == ("s.csv", 7, column, value)
    assert p.message.startswith(message)
    assert str(p).startswith(f"s.csv, row 7, field '{column}': {message}")


def test_required_field_missing():
    r = validate("strikes", strikes(source_class=["  "]), POINT)
    assert messages(r) == [(1, "source_class", "is required")]


def test_carriers_needs_count_or_range_and_range_in_order():
    r = validate("strikes", strikes(carriers=[""], carriers_min=["3"], carriers_max=["2"]), POINT)
    assert (1, "carriers_max", "is less than carriers_min") in messages(r)
    r = validate("strikes", strikes(carriers=[""]), POINT)
    assert messages(r) == [(1, "carriers", "give carriers, or both carriers_min and carriers_max")]
    r = validate("strikes", strikes(carriers=[""], carriers_min=["2"], carriers_max=["6"]), POINT)
    rec = r.records.iloc[0]
    assert pd.isna(rec["carriers"])
    assert (rec["carriers_min"], rec["carriers_max"]) == (2, 6)


def test_unknown_munition_is_kept_as_unknown_with_warning():
    r = validate("strikes", strikes(munition=["XM-99"]), POINT, munitions={"m77_m26"})
    assert r.problems == []
    assert r.records.iloc[0]["munition"] == "unknown"
    assert "munition reported as 'XM-99'" in r.records.iloc[0]["notes"]
    assert r.warnings[0].field == "munition"
    assert r.warnings[0].value == "XM-99"


@pytest.mark.parametrize(
    ("point", "message"),
    [
        (shapely.Point(33.3, 95.5), "latitude out of range: lon and lat look swapped"),
        (shapely.Point(500000, 3700000), "coordinates out of range for EPSG:4326"),
        (None, "has no geometry"),
        (shapely.box(0, 0, 1, 1), "must be a point"),
    ],
)
def test_point_geometry_rules(point, message):
    r = validate("strikes", strikes(), [point])
    assert r.problems[0].field == "geometry"
    assert r.problems[0].message.startswith(message)


HAZARD = pd.DataFrame({"kind": ["CHA"], "status": ["open"]})


@pytest.mark.parametrize(
    ("polygon", "message"),
    [
        (shapely.Polygon([(35, 33), (35.01, 33.01), (35, 33.01), (35.01, 33)]), "invalid polygon"),
        (
            shapely.Polygon([(35, 33), (35.01, 33.01), (35.01, 33.01), (35, 33)]),
            "a ring has fewer than 3 vertices",
        ),
        (shapely.box(35, 33, 35.1, 33.01), "consecutive vertices more than 5 km apart"),
        (shapely.Point(35, 33), "must be a multipolygon"),
    ],
)
def test_polygon_geocheck_rules(polygon, message):
    r = validate("hazard_areas", HAZARD, [polygon])
    assert [p.message for p in r.problems] == [message] or r.problems[0].message.startswith(message)


def test_polygon_is_stored_as_multipolygon():
    r = validate("hazard_areas", HAZARD, [shapely.box(35, 33, 35.01, 33.01)])
    assert r.problems == []
    assert r.records.geometry.iloc[0].geom_type == "MultiPolygon"


def test_duplicate_ids_and_geometries_are_reported_with_the_first_row():
    frame = pd.DataFrame({"id": ["A", "A", "B"], "kind": ["CHA"] * 3, "status": ["open"] * 3})
    box = shapely.box(35, 33, 35.01, 33.01)
    r = validate(
        "hazard_areas", frame, [box, shapely.box(36, 33, 36.01, 33.01), box], rows=[2, 3, 4]
    )
    assert (3, "id", "repeats the id of row 2") in messages(r)
    assert (4, "geometry", "duplicates the geometry of row 2") in messages(r)
    assert list(r.records["id"]) == ["A"]


def test_activity_rules_enforce_outcomes_depth_and_dates():
    frame = pd.DataFrame(
        {
            "type": ["NTS", "clearance", "TS"],
            "organisation": ["X"] * 3,
            "start": ["2024-01-10"] * 3,
            "end": ["2024-01-20", "2024-01-12", "2024-01-01"],
            "outcome": ["cleared", "cleared", "reduced"],
            "depth_cm": ["", "", "20"],
        }
    )
    boxes = [shapely.box(35 + i, 33, 35.01 + i, 33.01) for i in range(3)]
    r = validate("activities", frame, boxes)
    got = messages(r)
    assert (1, "outcome", "a NTS activity can only be cancelled / confirmed / none") in got
    assert (2, "depth_cm", "is needed where type is clearance") in got
    assert (3, "end", "is before start") in got


def test_booleans_and_hostile_strings_are_kept_verbatim():
    hostile = "<script>alert(1)</script>'; DROP TABLE items; -- 💣 שלום مرحبا"
    frame = pd.DataFrame({"destroyed": ["yes", "0", "maybe"], "notes": [hostile] * 3})
    r = validate("items", frame, [shapely.Point(35, 33 + i / 100) for i in range(3)])
    assert messages(r) == [(3, "destroyed", "must be true or false (also yes/no, 1/0)")]
    assert list(r.records["destroyed"]) == [True, False]
    assert (r.records["notes"] == hostile).all()


def test_every_entity_has_id_first_and_a_source_field():
    for ent in ENTITIES.values():
        assert ent.field_names[0] == "id"
        assert "source" in ent.field_names
        assert "notes" in ent.field_names


def test_rows_default_to_one_based_positions():
    r = validate("strikes", strikes(carriers=["x"]), POINT)
    assert r.problems[0].row == 1
    assert np.array_equal(r.rows, np.array([], dtype=int))


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Media", "media"),
        ("EOD Report", "eod_report"),
        ("NTS-informant", "nts_informant"),
        ("  SURVEYED ", "surveyed"),
        ("Médía", "media"),
    ],
)
def test_enumerations_match_case_accents_and_spacing_aside(given, stored):
    r = validate("strikes", strikes(source_class=[given]), POINT)
    assert r.problems == []
    assert r.records.iloc[0]["source_class"] == stored
    assert [(w.field, w.value, w.message) for w in r.warnings] == [
        ("source_class", given, f"stored as {stored!r}")
    ]


def test_an_enumeration_that_matches_nothing_names_the_choices():
    r = validate("strikes", strikes(source_class=["rumour"]), POINT)
    assert messages(r) == [
        (
            1,
            "source_class",
            "must be one of: surveyed, eod_report, military_record, nts_informant, media, "
            "inferred, other",
        )
    ]


def test_numbers_given_as_numbers_get_the_verdict_they_get_as_text():
    """A column GDAL or a spreadsheet reads as numbers takes its own path: same verdict."""
    numbers = pd.DataFrame(
        {
            "munition": ["m77_m26"] * 4,
            "source_class": ["surveyed"] * 4,
            "carriers": [2.0, 1.5, -1.0, np.nan],
            "accuracy_m": np.array([10, -5, 20, 30], dtype=np.int32),
        }
    )
    text = numbers.assign(carriers=["2", "1.5", "-1", ""], accuracy_m=["10", "-5", "20", "30"])
    points = [shapely.Point(35.5, 33.2 + i / 100) for i in range(4)]
    got = validate("strikes", numbers, points, file="s.gpkg")
    want = validate("strikes", text, points, file="s.gpkg")
    assert [(p.row, p.field, p.message) for p in got.problems] == [
        (p.row, p.field, p.message) for p in want.problems
    ]
    assert {(p.row, p.field) for p in got.problems} >= {(2, "carriers"), (3, "carriers")}
    assert (2, "accuracy_m") in {(p.row, p.field) for p in got.problems}
    assert got.records["carriers"].tolist() == want.records["carriers"].tolist()
    items = pd.DataFrame({"destroyed": [1.0, 0.0, 2.0, np.nan]})
    verdict = validate("items", items, None, file="i.gpkg")
    bad = [(p.row, p.field) for p in verdict.problems if p.field == "destroyed"]
    assert bad == [(3, "destroyed")]
