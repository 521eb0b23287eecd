import json
import multiprocessing
import sqlite3
import subprocess

import geopandas as gpd
import pyogrio
import pytest
import shapely
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import hazard_frame, hold_write_lock, import_one_area, qgis_sees
from remnant.errors import (
    ConflictError,
    InvalidRecordsError,
    NotFoundError,
    StoreBusyError,
    StoreError,
)
from remnant.io import import_records
from remnant.store import create_store, migrate_store, migrations, open_store, schema
from remnant.store.geopackage import GeoPackageBackend


def test_create_refuses_to_overwrite(tmp_path):
    path = tmp_path / "a.gpkg"
    create_store(path)
    with pytest.raises(StoreError, match="exists; pass overwrite=True"):
        create_store(path)
    create_store(path, overwrite=True)


def test_open_refuses_missing_and_non_stores(tmp_path):
    with pytest.raises(
        StoreError, match=r"does not exist; create it first \(create_store, remnant init\)"
    ):
        open_store(tmp_path / "none.gpkg")
    other = tmp_path / "other.gpkg"
    sqlite3.connect(other).execute("create table x (a)").connection.close()
    with pytest.raises(StoreError, match="is not a remnant store"):
        open_store(other)


def populate(store):
    from remnant.demo import make_scenario

    scenario = make_scenario(seed=3, n_strikes=30)
    for layer, frame in scenario.layers().items():
        import_records(store, layer, frame, user="tester")
    return scenario


GEOMETRY_TYPES = {
    "strikes": "Point",
    "hazard_areas": "Multi Polygon",
    "activities": "Multi Polygon",
    "items": "Point",
    "accidents": "Point",
    "evidence": "Point",
    "victims": "None",
    "nonconformities": "None",
    "victim_assistance": "None",
    "risk_education": "Point",
    "audit": "None",
    "catalogue": "None",
    "hazard_area_risk": "None",
}


def test_gdal_reads_every_layer_of_a_populated_store(store, ogrinfo):
    scenario = populate(store)
    path = str(store.backend.path)
    listing = subprocess.run(
        [ogrinfo, "-ro", "-q", path], capture_output=True, text=True, check=True
    )
    assert listing.stderr == ""
    for layer, geometry_type in GEOMETRY_TYPES.items():
        assert f": {layer} ({geometry_type})" in listing.stdout
    assert ": users " not in listing.stdout  # API key hashes and proposals: not layers
    assert ": reviews " not in listing.stdout
    fields = subprocess.run(
        [ogrinfo, "-ro", "-so", path, "hazard_areas"], capture_output=True, text=True, check=True
    ).stdout
    assert "status: String (0.0), domain name=hazard_areas_status" in fields
    domain = subprocess.run(
        [ogrinfo, "-ro", "-q", path, "-fielddomain", "hazard_areas_status"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Type: coded" in domain
    assert "worked_on: Worked on" in domain
    azimuth = subprocess.run(
        [ogrinfo, "-ro", "-q", path, "-fielddomain", "strikes_azimuth_deg"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Type: range" in azimuth
    assert "Maximum value: 360" in azimuth
    counts = store.counts()
    for layer, frame in scenario.layers().items():
        assert counts[layer] == len(frame) > 0
        out = subprocess.run(
            [ogrinfo, "-ro", "-so", path, layer], capture_output=True, text=True, check=True
        ).stdout
        assert f"Feature Count: {len(frame)}" in out
        if GEOMETRY_TYPES[layer] != "None":
            assert 'ID["EPSG",4326]' in out
        read = pyogrio.read_dataframe(path, layer=layer)
        assert len(read) == len(frame)
        assert sorted(read["id"]) == sorted(frame["id"])
        if GEOMETRY_TYPES[layer] != "None":
            assert read.crs.to_epsg() == 4326
            assert shapely.equals_exact(
                shapely.normalize(read.sort_values("id").geometry.values),
                shapely.normalize(store.read(layer).sort_values("id").geometry.values),
                1e-9,
            ).all()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    for layer in ("strikes", "hazard_areas", "items"):
        assert con.execute(f"SELECT rtreecheck('rtree_{layer}_geom')").fetchone() == ("ok",)
    # GDAL's spatial filter goes through our R-tree.
    minx, miny, maxx, maxy = scenario.strikes.total_bounds
    mid = (minx + maxx) / 2
    out = subprocess.run(
        [
            ogrinfo,
            "-ro",
            "-so",
            "-spat",
            str(minx),
            str(miny),
            str(mid),
            str(maxy),
            path,
            "strikes",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    expected = (scenario.strikes.geometry.x <= mid).sum()
    assert f"Feature Count: {expected}" in out


def test_bbox_read_uses_the_spatial_index(any_store):
    store = any_store
    import_records(store, "hazard_areas", hazard_frame(5))
    got = store.read("hazard_areas", bbox=(35.05, 32.9, 35.25, 33.1))
    assert list(got["id"]) == ["H-1", "H-2"]


def test_every_write_is_audited_and_history_shows_it(any_store):
    store = any_store
    import_records(store, "hazard_areas", hazard_frame(2), user="alice")
    rec = store.get("hazard_areas", "H-0")
    assert rec["version"] == 1
    store.update("hazard_areas", "H-0", {"status": "worked_on"}, user="bob", expected_version=1)
    store.delete("hazard_areas", "H-1", user="carol")
    history = store.history("H-0")
    assert list(history["action"]) == ["insert", "update"]
    assert list(history["user"]) == ["alice", "bob"]
    before, after = json.loads(history["before"].iloc[1]), json.loads(history["after"].iloc[1])
    assert (before["status"], after["status"]) == ("open", "worked_on")
    assert after["notes"] == "ذخائر عنقودية — بلدة"
    deleted = store.history("H-1")
    assert list(deleted["action"]) == ["insert", "delete"]
    assert json.loads(deleted["before"].iloc[1])["id"] == "H-1"
    assert store.get("hazard_areas", "H-0")["version"] == 2
    with pytest.raises(NotFoundError, match="no record 'H-1' in hazard_areas"):
        store.get("hazard_areas", "H-1")


def test_stale_update_is_a_conflict_not_a_lost_update(any_store):
    store = any_store
    import_records(store, "hazard_areas", hazard_frame(1))
    store.update("hazard_areas", "H-0", {"status": "worked_on"}, expected_version=1)
    with pytest.raises(ConflictError, match="was changed by someone else"):
        store.update("hazard_areas", "H-0", {"status": "closed"}, expected_version=1)
    assert store.get("hazard_areas", "H-0")["status"] == "worked_on"


def test_update_is_validated_and_ids_never_change(any_store):
    store = any_store
    import_records(store, "hazard_areas", hazard_frame(1))
    with pytest.raises(InvalidRecordsError) as info:
        store.update("hazard_areas", "H-0", {"status": "done"})
    assert "must be one of: open, worked_on, closed, handed_over" in info.value.report()
    with pytest.raises(ConflictError, match="ids never change"):
        store.update("hazard_areas", "H-0", {"id": "H-9"})
    with pytest.raises(InvalidRecordsError, match="1 problem"):
        store.update("hazard_areas", "H-0", {"colour": "red"})


def test_audit_is_append_only(store):
    import_records(store, "hazard_areas", hazard_frame(1))
    con = sqlite3.connect(store.backend.path)
    with pytest.raises(sqlite3.IntegrityError, match="audit is append-only"):
        con.execute("UPDATE audit SET user = 'mallory'")
    with pytest.raises(sqlite3.IntegrityError, match="audit is append-only"):
        con.execute("DELETE FROM audit")


def test_referenced_record_cannot_be_deleted(any_store):
    store = any_store
    scenario = populate(store)
    accident = scenario.victims["accident"].iloc[0]
    with pytest.raises(ConflictError, match=r"referred to by \d+ record\(s\) in victims\.accident"):
        store.delete("accidents", accident)


def test_the_review_list_judges_each_proposal_as_the_store_is_now(any_store):
    """On either backend: a find proposed far outside its area is listed with the gate's
    warning, and with the problem that would refuse it once the area is gone."""
    store = any_store
    import_records(store, "hazard_areas", hazard_frame(1))
    area = store.get("hazard_areas", "H-0")
    x, y = area["geometry"].representative_point().coords[0]
    far = gpd.GeoDataFrame(
        {"id": ["E-1"], "type": ["submunition"], "hazard_area": ["H-0"]},
        geometry=[shapely.Point(y, x)],  # lon and lat swapped
        crs=4326,
    )
    store.propose_inserts([("evidence", far)], user="editor")
    assert "problems" not in store.reviews("pending")  # only when asked: it costs a gate
    (listed,) = store.reviews("pending", judged=True).itertuples()
    assert listed.problems == []
    assert [str(w).split(": ")[0] for w in listed.warnings] == ["evidence/E-1, field 'hazard_area'"]
    store.delete("hazard_areas", "H-0")
    (listed,) = store.reviews("pending", judged=True).itertuples()
    assert [str(p) for p in listed.problems] == [
        "evidence/E-1, field 'hazard_area': no such record in hazard_areas (value 'H-0')"
    ]


def test_a_busy_store_gives_a_clear_error_after_the_timeout(store):
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=hold_write_lock, args=(str(store.backend.path), ready, release))
    holder.start()
    try:
        assert ready.wait(20)
        store.backend = GeoPackageBackend(store.backend.path, busy_timeout=0.3)
        with pytest.raises(StoreBusyError, match="store is busy: another process held"):
            import_records(store, "hazard_areas", hazard_frame(1))
    finally:
        release.set()
        holder.join(20)
    assert store.counts()["hazard_areas"] == 0
    import_records(store, "hazard_areas", hazard_frame(1))
    assert store.counts()["hazard_areas"] == 1


def test_writers_in_several_processes_take_turns(store):
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=import_one_area, args=(str(store.backend.path), k)) for k in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    assert sorted(store.ids("hazard_areas")) == [f"P{k}" for k in range(4)]
    assert sqlite3.connect(store.backend.path).execute("PRAGMA integrity_check").fetchone() == (
        "ok",
    )


def columns(store, table: str) -> list[str]:
    with store.backend.engine.connect() as conn:
        return [c["name"] for c in sa.inspect(conn).get_columns(table)]


def test_schema_version_checks_and_forward_migrations(any_store, monkeypatch):
    store = any_store
    path = store.backend.location
    now, after = schema.SCHEMA_VERSION, schema.SCHEMA_VERSION + 1
    step = migrations.Migration(
        after,
        "add a review flag",
        lambda conn, backend: conn.exec_driver_sql("ALTER TABLE items ADD COLUMN reviewed BOOLEAN"),
    )
    monkeypatch.setattr(schema, "SCHEMA_VERSION", after)
    with pytest.raises(
        StoreError,
        match=f"has schema version {now}; this remnant needs {after}: migrate it",
    ):
        open_store(path)
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, step])
    assert migrate_store(path, user="admin") == [after]
    assert open_store(path).schema_version() == after
    assert migrate_store(path) == []
    assert "reviewed" in columns(store, "items")
    assert list(store.history("schema_version")["after"]) == [str(after)]
    monkeypatch.setattr(schema, "SCHEMA_VERSION", now)
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[: now - 1])
    with pytest.raises(StoreError, match="newer than this remnant understands"):
        open_store(path)


NEW_IN_10 = {
    "accidents": ("context", "strike"),
    "hazard_areas": tuple(f"beneficiaries_{b}" for b in ("women", "men", "girls", "boys")),
}


def as_version_9(store) -> None:
    """Take a store of this version back to schema 9: no victim assistance or risk
    education, no accident context or strike, no beneficiaries by sex and age, and a
    victim's civilian yes/no in place of its category; and none of schema 11's admin
    units and places, nor schema 12's evidence, nor schema 13's attachments."""
    gpkg = store.backend.name == "geopackage"
    with store.backend.engine.begin() as conn:
        for table in schema.RECORD_TABLES:
            store.backend.unwatch_edits(conn, table)
        dropped = ("victim_assistance", "risk_education", "admin_units", "places", "evidence")
        for table in (*dropped, "attachments"):
            conn.exec_driver_sql(f"DROP TABLE {table}")
            if gpkg:
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS rtree_{table}_geom")
                for meta in ("data_columns", "extensions", "geometry_columns", "contents"):
                    conn.exec_driver_sql(f"DELETE FROM gpkg_{meta} WHERE table_name = '{table}'")
        for table, added in [*NEW_IN_10.items(), ("victims", ("category",))]:
            for column in added:
                store.backend.drop_column(conn, table, column)
        for table in schema.RECORD_TABLES.values():  # schema 11's admin units
            for column in ("admin1", "admin2", "admin3"):
                if column in table.c and table.name not in ("risk_education", "evidence"):
                    store.backend.drop_column(conn, table.name, column)
        conn.exec_driver_sql("ALTER TABLE victims ADD COLUMN civilian BOOLEAN")
        for table in schema.RECORD_TABLES.values():
            if table.name not in ("victim_assistance", "risk_education", "evidence"):
                # the triggers of schema 9 name the columns it had
                old = sa.Table(table.name, sa.MetaData(), autoload_with=conn)
                store.backend.watch_edits(conn, old)
        conn.exec_driver_sql("UPDATE remnant_meta SET value = '9' WHERE key = 'schema_version'")


def test_a_version_9_store_gains_the_monitors_categories(any_store):
    """Civilian yes/no becomes the Monitor's category (no: a deminer where the person
    was demining, security forces otherwise; blank stays blank), audited; the new layers
    and fields arrive empty; outside edits are audited again."""
    from remnant.store.verify import verify

    store = any_store
    accident = {"id": ["A1"], "date": ["2023-05-01"]}
    import_records(
        store, "accidents", gpd.GeoDataFrame(accident, geometry=[shapely.Point(36, 35)], crs=4326)
    )
    as_version_9(store)
    with store.backend.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO victims (id, accident, outcome, civilian, activity_at_time) VALUES "
            "('V1', 'A1', 'killed', TRUE, 'farming'), ('V2', 'A1', 'injured', FALSE, 'demining'),"
            "('V3', 'A1', 'injured', FALSE, NULL), ('V4', 'A1', 'injured', NULL, NULL)"
        )
    with pytest.raises(StoreError, match="has schema version 9; this remnant needs 13"):
        open_store(store.backend.location)
    assert migrate_store(store.backend.location, user="admin") == [10, 11, 12, 13]
    store = open_store(store.backend.location)
    victims = store.read("victims").set_index("id")
    assert victims["category"].fillna("blank").to_dict() == {
        "V1": "civilian", "V2": "deminer", "V3": "security_forces", "V4": "blank"}  # fmt: skip
    assert "civilian" not in columns(store, "victims")
    assert set(NEW_IN_10["accidents"]) <= set(columns(store, "accidents"))
    assert store.read("victim_assistance").empty
    assert store.read("risk_education").empty
    moved = store.history("V2").set_index("user")
    assert json.loads(moved.at["migration 10", "before"])["civilian"] is False
    assert json.loads(moved.at["migration 10", "after"])["category"] == "deminer"
    assert "civilian" not in json.loads(moved.at["migration 10", "after"])
    assert store.history("V4")["user"].tolist() == ["external"]  # its insert; nothing to move
    assert [f.message for f in verify(store) if f.severity == "error"] == []
    with store.backend.engine.begin() as conn:  # an edit made outside remnant
        conn.exec_driver_sql("UPDATE accidents SET context = 'remnants' WHERE id = 'A1'")
    assert store.history("A1")["user"].tolist()[-1] == "external"


def test_a_version_1_store_migrates_to_the_current_layers(store, ogrinfo):
    path = store.backend.path
    as_version_9(store)
    con = sqlite3.connect(path)
    con.executescript(
        "DROP TABLE hazard_area_risk; DROP TABLE nonconformities; DROP TABLE users;"
        "DROP TABLE reviews; DROP TABLE survey; DELETE FROM gpkg_contents WHERE table_name "
        "IN ('hazard_area_risk', 'nonconformities', 'users', 'reviews', 'survey');"
        "DROP TABLE gpkg_data_columns; DROP TABLE gpkg_data_column_constraints;"
        "DELETE FROM gpkg_extensions WHERE extension_name = 'gpkg_schema';"
        "UPDATE remnant_meta SET value = '1' WHERE key = 'schema_version';"
    )
    con.close()
    with pytest.raises(StoreError, match="has schema version 1; this remnant needs 13"):
        open_store(path)
    assert migrate_store(path, user="admin") == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert open_store(path).read_derived("hazard_area_risk").empty
    assert open_store(path).read("nonconformities").empty
    out = subprocess.run([ogrinfo, "-ro", "-q", str(path)], capture_output=True, text=True).stdout
    assert "hazard_area_risk (None)" in out
    assert "nonconformities (None)" in out
    assert "risk_education (Point)" in out
    assert "users" not in out  # made by migration 4, hidden by migration 8
    assert "reviews" not in out
    fields = subprocess.run(
        [ogrinfo, "-ro", "-so", str(path), "items"], capture_output=True, text=True
    ).stdout
    assert "domain name=items_category" in fields
    assert open_store(path).survey().detection["clearance"] == 0.99


def test_a_failing_migration_changes_nothing(any_store, monkeypatch):
    store = any_store

    def broken(conn, backend):
        conn.exec_driver_sql("ALTER TABLE items ADD COLUMN half_done TEXT")
        raise RuntimeError("step failed")

    now = schema.SCHEMA_VERSION
    monkeypatch.setattr(schema, "SCHEMA_VERSION", now + 1)
    monkeypatch.setattr(
        migrations,
        "MIGRATIONS",
        [*migrations.MIGRATIONS, migrations.Migration(now + 1, "broken", broken)],
    )
    with pytest.raises(RuntimeError, match="step failed"):
        migrate_store(store.backend.location)
    assert "half_done" not in columns(store, "items")
    assert store.schema_version() == now


coordinate = st.floats(-179.9, 179.9, allow_nan=False)
latitude = st.floats(-89.9, 89.9, allow_nan=False)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(points=st.lists(st.tuples(coordinate, latitude), min_size=1, max_size=20, unique=True))
def test_point_geometries_round_trip_exactly(tmp_path_factory, points):
    store = create_store(tmp_path_factory.mktemp("rt") / "s.gpkg")
    frame = gpd.GeoDataFrame(
        {"id": [f"I{i}" for i in range(len(points))], "state": "dud"},
        geometry=[shapely.Point(p) for p in points],
        crs=4326,
    )
    import_records(store, "items", frame)
    back = store.read("items")
    assert shapely.equals_exact(back.geometry.values, frame.geometry.values, 0).all()
    assert store.counts()["items"] == len(points)


@settings(max_examples=25, deadline=None)
@given(
    x=st.floats(-170, 170),
    y=st.floats(-80, 80),
    w=st.floats(1e-4, 0.04),
    h=st.floats(1e-4, 0.04),
    holes=st.booleans(),
)
def test_polygon_geometries_round_trip_exactly(tmp_path_factory, x, y, w, h, holes):
    outer = shapely.box(x, y, x + w, y + h)
    poly = (
        outer.difference(shapely.box(x + w / 4, y + h / 4, x + w / 2, y + h / 2))
        if holes
        else outer
    )
    store = create_store(tmp_path_factory.mktemp("rt") / "s.gpkg")
    frame = gpd.GeoDataFrame(
        {"id": ["A"], "kind": ["SHA"], "status": ["open"]}, geometry=[poly], crs=4326
    )
    import_records(store, "hazard_areas", frame)
    back = store.read("hazard_areas").geometry.iloc[0]
    assert back.geom_type == "MultiPolygon"
    assert shapely.equals_exact(back.geoms[0], poly, 0)
    assert list(store.read("hazard_areas", bbox=poly.bounds)["id"]) == ["A"]


def test_a_version_6_store_gains_external_ids_and_its_edit_triggers(any_store):
    from remnant.store.verify import verify

    store = any_store
    with store.backend.engine.begin() as conn:
        for table in schema.RECORD_TABLES:
            if store.backend.name == "geopackage":
                for action in ("insert", "update", "delete"):
                    conn.exec_driver_sql(f"DROP TRIGGER {table}_external_{action}")
            for column in ("external_id", "external_system"):
                conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
        conn.exec_driver_sql("UPDATE remnant_meta SET value = '6' WHERE key = 'schema_version'")
    assert migrate_store(store.backend.location, user="admin") == [7, 8, 9, 10, 11, 12, 13]
    assert {"external_id", "external_system"} <= set(columns(store, "victims"))
    import_records(store, "hazard_areas", hazard_frame(1).assign(external_id="IMSMA-7"))
    assert store.read("hazard_areas")["external_id"].tolist() == ["IMSMA-7"]
    assert [f.message for f in verify(store) if f.severity == "error"] == []


def test_the_extent_comes_from_metadata_and_holds_every_record(any_store):
    store = any_store
    assert store.extent("hazard_areas") is None
    assert store.extent("victims") is None  # no geometry
    import_records(store, "hazard_areas", hazard_frame(3))
    box = store.extent("hazard_areas")
    assert box == pytest.approx(tuple(store.read("hazard_areas").total_bounds), abs=1e-9)
    store.delete("hazard_areas", "H-2")
    minx, miny, maxx, maxy = store.extent("hazard_areas")
    left = store.read("hazard_areas").total_bounds
    assert minx <= left[0]
    assert miny <= left[1]
    assert maxx >= left[2]
    assert maxy >= left[3]


def test_a_large_write_in_parts_is_indexed_once_at_its_end(store):
    """Parts of one write: a large one, a small one after it, then an update of a row of
    the first — the R-tree holds each row once, its triggers are back, outside edits
    are audited again."""
    from remnant.gate import Submission

    def part(ids, lon):
        frame = gpd.GeoDataFrame(
            {"id": ids, "munition": "m77_m26", "carriers": "2", "source_class": "eod_report"},
            geometry=[shapely.Point(lon + i * 1e-4, 33.0) for i in range(len(ids))],
            crs=4326,
        )
        return Submission.of("strikes", frame)

    big = [f"S-{i}" for i in range(1_500)]
    parts = [part(big, 35.0), part(["T-1", "T-2"], 36.0), part(["S-7"], 37.0)]
    summary = store.write("strikes", iter(parts), update=True)
    assert (len(summary.inserted), summary.updated) == (1_502, ["S-7"])
    con = sqlite3.connect(store.backend.path)
    assert con.execute("SELECT rtreecheck('rtree_strikes_geom')").fetchone() == ("ok",)
    assert con.execute("SELECT count(*) FROM rtree_strikes_geom").fetchone() == (1_502,)
    assert list(store.read("strikes", bbox=(36.9, 32.9, 37.1, 33.1))["id"]) == ["S-7"]
    assert list(store.read("strikes", bbox=(35.99, 32.9, 36.01, 33.1))["id"]) == ["T-1", "T-2"]
    present = store.backend.present_triggers(store.backend.engine.connect())
    assert {"rtree_strikes_geom_insert", "strikes_external_insert"} <= set(present)


def test_qgis_opens_the_store_styled_with_drop_downs(store, request):
    """Debian's PyQGIS opens a populated store as a GIS officer would: every layer valid,
    hazard areas, activities, items and strikes drawn by category (one per value of the
    enumeration), every enumeration a drop-down of its values from the field domains;
    the rendered map is kept in test-artifacts/qgis-map.png to look at."""
    from remnant.entities import ENTITIES

    populate(store)
    png = request.config.rootpath / "test-artifacts" / "qgis-map.png"
    seen = qgis_sees(store.backend.path, png)
    styled = {"hazard_areas": "kind", "activities": "outcome", "items": "category"}
    styled["strikes"] = "source_class"
    for layer, info in seen.items():
        if layer.startswith("_"):
            continue
        assert info["valid"], layer
        assert info["features"] > 0, layer
        ent = ENTITIES[layer]
        if layer in styled:
            assert info["renderer"] == "categorizedSymbol"
            assert info["attribute"] == styled[layer]
            assert sorted(info["categories"]) == sorted(ent.field(styled[layer]).choices)
        for f in ent.fields:
            if f.choices:
                widget = info["widgets"][f.name]
                assert widget["type"] == "ValueMap", (layer, f.name)
                assert sorted(widget["values"]) == sorted(f.choices)
    assert seen["_image_saved"]
    assert png.stat().st_size > 10_000
