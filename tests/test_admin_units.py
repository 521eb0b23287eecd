"""Admin units and places: boundaries in another CRS joined to records through every door,
the border rule, multipart units, records outside every unit, refresh, statistics by unit
against hand counts, and the gazetteer across scripts."""

from __future__ import annotations

import json
from io import StringIO

import geopandas as gpd
import pandas as pd
import pytest
import shapely
import sqlalchemy as sa

from remnant import cli
from remnant.adminunits import read_units
from remnant.errors import InputError
from remnant.io import import_records
from remnant.places import geonames, read_places
from remnant.report.content import by_unit
from remnant.store import migrate_store, open_store, schema
from remnant.web import handlers

UTM = "EPSG:32637"  # the boundaries come in UTM zone 37N, the records in WGS 84
X0, Y0 = 380_000.0, 5_290_000.0


def boundaries(tmp_path):
    """Oblast UA14 (west) and UA63 (east, in two parts, one an exclave beyond UA14); raion
    UA1402 covering the west's south half only."""
    west = shapely.box(X0, Y0, X0 + 30_000, Y0 + 40_000)
    east = shapely.box(X0 + 30_000, Y0, X0 + 60_000, Y0 + 40_000)
    exclave = shapely.box(X0 - 20_000, Y0, X0 - 10_000, Y0 + 10_000)
    path = tmp_path / "cod-ab.gpkg"
    gpd.GeoDataFrame(
        {"ADM1_PCODE": ["UA14", "UA63", "UA63"], "ADM1_EN": ["West", "East", "East"]},
        geometry=[west, east, exclave],
        crs=UTM,
    ).to_file(path, layer="adm1")
    gpd.GeoDataFrame(
        {"ADM2_PCODE": ["UA1402"], "ADM2_EN": ["South"], "ADM1_PCODE": ["UA14"]},
        geometry=[shapely.box(X0, Y0, X0 + 30_000, Y0 + 20_000)],
        crs=UTM,
    ).to_file(path, layer="adm2")
    return path


def at(x, y):
    """A point given in the boundaries' UTM metres, in WGS 84."""
    return gpd.GeoSeries([shapely.Point(x, y)], crs=UTM).to_crs(4326).iloc[0]


@pytest.fixture
def units(store, tmp_path):
    path = boundaries(tmp_path)
    for level in (1, 2):
        code, name = f"ADM{level}_PCODE", f"ADM{level}_EN"
        args = ["--layer", f"adm{level}", "--level", str(level), "--code", code, "--name", name]
        assert cli.main(["admin", "import", str(store.backend.path), str(path), *args]) == 0
    return store


def strikes(points):
    return gpd.GeoDataFrame(
        {"id": [f"S{i}" for i in range(len(points))], "munition": "m77_m26", "carriers": 2,
         "source_class": "surveyed"},
        geometry=points, crs=4326,
    )  # fmt: skip


def test_boundaries_in_another_crs_are_read_as_units(tmp_path):
    units = read_units(boundaries(tmp_path), code="ADM1_PCODE", name="ADM1_EN", layer="adm1")
    assert units["code"].tolist() == ["UA14", "UA63"]  # the exclave joined to its unit
    east = units.set_index("code").geometry["UA63"]
    assert east.geom_type == "MultiPolygon"
    assert len(east.geoms) == 2
    assert units.crs.to_epsg() == 4326
    assert 37.0 < east.centroid.x < 38.5  # degrees, not metres


def test_bad_boundaries_are_refused_with_the_row_named(tmp_path):
    path = tmp_path / "bad.geojson"
    gpd.GeoDataFrame(
        {"code": ["A", None], "name": ["a", "b"]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs=4326,
    ).to_file(path)
    with pytest.raises(InputError, match="row 2 has no code"):
        read_units(path, code="code", name="name")
    with pytest.raises(InputError, match="no field 'PCODE'"):
        read_units(path, code="PCODE", name="name")


def test_every_record_gets_its_units_on_write(units):
    store = units
    points = [
        at(X0 + 10_000, Y0 + 5_000),  # west, south half: UA14 / UA1402
        at(X0 + 10_000, Y0 + 35_000),  # west, north half: UA14, no raion
        at(X0 - 15_000, Y0 + 5_000),  # the exclave: UA63
        at(X0 + 200_000, Y0),  # outside every unit
    ]
    summary = store.write("strikes", strikes(points), user="t")
    got = store.read("strikes").set_index("id").fillna("-")
    assert got["admin1"].tolist() == ["UA14", "UA14", "UA63", "-"]
    assert got["admin2"].tolist() == ["UA1402", "-", "-", "-"]
    outside = [(w.row, w.field, w.message) for w in summary.warnings]
    assert (4, "admin1", "outside every level-1 admin unit") in outside
    assert (2, "admin2", "outside every level-2 admin unit") in outside
    # the same records again: unchanged, nothing to update
    assert store.write("strikes", strikes(points), user="t").unchanged == [
        f"S{i}" for i in range(4)
    ]


def test_a_point_on_a_border_belongs_to_the_unit_whose_code_sorts_first(store):
    left, right = shapely.box(37.0, 47.0, 37.5, 48.0), shapely.box(37.5, 47.0, 38.0, 48.0)
    store.set_admin_units(
        1, gpd.GeoDataFrame({"code": ["B2", "A1"], "name": ["b", "a"], "parent": None},
                            geometry=[left, right], crs=4326), source="test", user="t")  # fmt: skip
    store.write("strikes", strikes([shapely.Point(37.5, 47.5), shapely.Point(37.5, 48.0)]))
    assert store.read("strikes")["admin1"].tolist() == ["A1", "A1"]


def test_a_polygon_belongs_to_the_unit_holding_most_of_it(units):
    store = units
    box = shapely.box(X0 + 25_000, Y0 + 1_000, X0 + 45_000, Y0 + 3_000)
    area = gpd.GeoSeries([shapely.segmentize(box, 1_000)], crs=UTM)
    frame = gpd.GeoDataFrame({"id": ["H"], "kind": ["SHA"], "status": ["open"]},
                             geometry=area.to_crs(4326).values, crs=4326)  # fmt: skip
    store.write("hazard_areas", frame)
    assert store.read("hazard_areas")[["admin1", "admin2"]].fillna("-").values.tolist() == [
        ["UA63", "-"]
    ]


def test_every_door_sets_the_same_units(units, tmp_path):
    store = units
    admin = store.authenticate(store.add_user("admin", "admin"))
    point = at(X0 + 10_000, Y0 + 5_000)
    feature = {"type": "Feature", "geometry": shapely.geometry.mapping(point), "properties": {
        "id": "API", "munition": "m77_m26", "carriers": 2, "source_class": "surveyed",
        "admin1": "FORGED"}}  # fmt: skip
    handlers.create(store, admin, "strikes", feature)
    csv = tmp_path / "s.csv"
    pd.DataFrame([{"id": "CSV", "munition": "m77_m26", "carriers": 2, "source_class": "surveyed",
                   "lon": point.x, "lat": point.y}]).to_csv(csv, index=False)  # fmt: skip
    assert cli.main(["import", str(store.backend.path), str(csv), "--layer", "strikes"]) == 0
    got = store.read("strikes").set_index("id")
    assert got.loc["API", ["admin1", "admin2"]].tolist() == ["UA14", "UA1402"]  # not FORGED
    assert got.loc["CSV", ["admin1", "admin2"]].tolist() == ["UA14", "UA1402"]


def test_new_boundaries_and_refresh_move_records_audited(units, tmp_path):
    store = units
    store.write("strikes", strikes([at(X0 + 10_000, Y0 + 5_000)]), user="t")
    moved = gpd.GeoDataFrame({"code": ["UA99"], "name": ["Merged"], "parent": None},
                             geometry=[shapely.box(36, 47, 39, 49)], crs=4326)  # fmt: skip
    store.set_admin_units(1, moved, source="merged.gpkg", user="t")
    assert store.read("strikes")["admin1"].tolist() == ["UA14"]  # until refreshed
    assert cli.main(["admin", "refresh", str(store.backend.path), "--user", "im"]) == 0
    assert store.read("strikes")["admin1"].tolist() == ["UA99"]
    last = store.history("S0").iloc[-1]
    assert (last["user"], last["action"]) == ("im", "update")
    assert json.loads(last["after"])["admin1"] == "UA99"


def test_a_record_moved_in_a_gis_is_found_with_stale_units(units, capsys):
    """A GIS edit is the one door the gate cannot stand at: remnant verify names the
    record whose units no longer hold it, and refresh mends it."""
    from remnant.store.verify import verify

    store = units
    store.write("strikes", strikes([at(X0 + 10_000, Y0 + 5_000)]), user="t")
    moved = store.backend.encode_geometries([at(X0 + 40_000, Y0 + 5_000)])[0]
    with store.backend.engine.begin() as conn:  # as QGIS would, triggers on
        conn.execute(sa.text("UPDATE strikes SET geom = :g WHERE id = 'S0'"), {"g": moved})
    errors = [f.message for f in verify(store) if f.severity == "error"]
    assert any("strikes carry admin1 codes" in e and "S0 (UA14 → UA63)" in e for e in errors)
    store.refresh_admin_units(user="im")
    assert not [f for f in verify(store) if f.severity == "error"]


def test_statistics_by_unit_match_hand_counts(units, tmp_path):
    store = units
    west_a = at(X0 + 10_000, Y0 + 5_000)
    west_b = at(X0 + 12_000, Y0 + 6_000)
    east = at(X0 + 40_000, Y0 + 5_000)
    far = at(X0 + 500_000, Y0)
    accidents = {"id": ["A1", "A2", "A3"], "date": ["2024-01-01"] * 3, "killed": [1, 0, 2],
                 "injured": [2, 1, 0]}  # fmt: skip
    sessions = {"id": ["R1", "R2"], "date": ["2024-02-01"] * 2, "organisation": "NGO",
                "women": [10, 4], "girls_0_12": [5, None]}  # fmt: skip
    import_records(
        store, "accidents", gpd.GeoDataFrame(accidents, geometry=[west_a, west_b, far], crs=4326)
    )
    import_records(
        store, "risk_education", gpd.GeoDataFrame(sessions, geometry=[east, west_a], crs=4326)
    )
    table = by_unit(store, 1).set_index("unit")
    assert table.loc["UA14", ["casualties", "re_participants"]].tolist() == [4, 4]
    assert table.loc["UA63", ["casualties", "re_participants"]].tolist() == [0, 15]
    assert table.loc["none", ["name", "casualties"]].tolist() == ["outside every unit", 2]
    html = tmp_path / "r.html"
    assert cli.main(["report", str(store.backend.path), "--out", str(html)]) == 0
    shown = pd.read_html(StringIO(html.read_text("utf-8")), attrs={"id": "by_unit"})[0]
    assert shown.set_index("unit").loc["UA63", "risk education participants"] == 15
    assert by_unit(store, 3).empty  # no units of that level: nothing to count by
    assert list(by_unit(store, 3).columns) == list(table.reset_index().columns)


def test_the_gazetteer_finds_a_town_by_its_name_in_two_scripts(units):
    store = units
    store.add_places(geonames("UA"), user="t")
    for query in ("Kupiansk", "Купянськ", "Kup'yans'k"):
        found = store.find_place(query)
        assert found["name"].iloc[0] == "Kupyansk", (query, found)
        assert found["score"].iloc[0] >= 85
    assert store.find_place("Kramatorsk")["name"].tolist() == ["Kramatorsk"]


def test_an_ambiguous_name_stays_ambiguous(units, tmp_path, capsys):
    store = units
    path = tmp_path / "villages.geojson"
    names = {"NAME": ["Ivanivka", "Ivanivka", "Petrivka"],
             "ALT": ["Іванівка; Ivanovka", "Іванівка", None]}  # fmt: skip
    spots = [(X0 + 10_000, Y0 + 5_000), (X0 + 40_000, Y0 + 5_000), (X0, Y0)]
    gpd.GeoDataFrame(names, geometry=shapely.points(spots), crs=UTM).to_file(path)
    places = read_places(path, name="NAME", names="ALT")
    assert places["names"].iloc[0] == "Іванівка\nIvanovka"
    store.add_places(places, user="t")
    found = store.find_place("Іванівка")
    assert sorted(found["admin1"]) == ["UA14", "UA63"]  # both, each with its unit
    assert cli.main(["places", "find", str(store.backend.path), "Ivanovka"]) == 0
    assert "UA14" in capsys.readouterr().out


def test_a_version_10_store_gains_admin_units_places_and_evidence(any_store):
    store = any_store
    gpkg = store.backend.name == "geopackage"
    with store.backend.engine.begin() as conn:
        for table in schema.RECORD_TABLES:
            store.backend.unwatch_edits(conn, table)
        for table in ("admin_units", "places", "evidence", "attachments"):
            conn.exec_driver_sql(f"DROP TABLE {table}")
            if gpkg:
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS rtree_{table}_geom")
                for meta in ("data_columns", "extensions", "geometry_columns", "contents"):
                    conn.exec_driver_sql(f"DELETE FROM gpkg_{meta} WHERE table_name = '{table}'")
        for name, ent in schema.RECORD_TABLES.items():
            for level in (1, 2, 3):
                if f"admin{level}" in ent.c and name != "evidence":
                    store.backend.drop_column(conn, name, f"admin{level}")
        for table in schema.RECORD_TABLES.values():
            if table.name != "evidence":
                old = sa.Table(table.name, sa.MetaData(), autoload_with=conn)
                store.backend.watch_edits(conn, old)
        conn.exec_driver_sql("UPDATE remnant_meta SET value = '10' WHERE key = 'schema_version'")
    assert migrate_store(store.backend.location, user="admin") == [11, 12, 13]
    store = open_store(store.backend.location)
    assert store.admin_units().empty
    assert store.places().empty
    assert store.read("evidence").empty
    store.write("strikes", strikes([shapely.Point(37.5, 47.5)]))
    assert store.read("strikes")["admin1"].isna().all()
