"""Every door, one verdict: a hostile corpus offered through the CLI import (a file, an
IMSMA export, a field form's submissions), the web API (POST, PUT, DELETE) and library
calls gets the same answer from the one gate, and nothing it refuses is written."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from remnant import cli, forms, records
from remnant.errors import ConflictError, InvalidRecordsError
from remnant.profiles import Profile
from remnant.web import handlers
from remnant.web.handlers import WebError

NAN, INF = float("nan"), float("inf")
T = np.linspace(0, 2 * np.pi, 200_000)
HERE = shapely.Point(35.5, 33.3)
SQUARE = shapely.box(35.0, 33.0, 35.01, 33.01)
STRIKE = {"munition": "m77_m26", "carriers": 2, "source_class": "eod_report", "date": "2023-06-01"}
CSV_OK, NOT_CSV = True, False  # whether a CSV file can hold the case's values as they are


def strike(geometry=HERE, **values):
    return "strikes", {**STRIKE, **values}, geometry


# (name, layer, values, geometry, fields the verdict must name, representable in CSV)
CORPUS = [
    ("nan point", *strike(shapely.Point(NAN, NAN)), {"geometry"}, CSV_OK),
    ("infinite point", *strike(shapely.Point(INF, 33)), {"geometry"}, CSV_OK),
    ("empty point", *strike(shapely.Point()), {"geometry"}, CSV_OK),
    ("no geometry", *strike(None), {"geometry"}, CSV_OK),
    ("polygon for a point", *strike(SQUARE), {"geometry"}, CSV_OK),
    ("latitude out of range", *strike(shapely.Point(35, 95)), {"geometry"}, CSV_OK),
    ("lon and lat swapped", *strike(shapely.Point(33.3, 135.5)), {"geometry"}, CSV_OK),
    ("integer 10^30", *strike(carriers=10**30), {"carriers"}, CSV_OK),
    ("integer 2^63", *strike(carriers=2**63), {"carriers"}, CSV_OK),
    ("integer 1e308", *strike(carriers=1e308), {"carriers"}, CSV_OK),
    ("integer beyond floats", *strike(carriers=10**400), {"carriers"}, NOT_CSV),
    ("infinite number", *strike(carriers="inf"), {"carriers"}, CSV_OK),
    ("NaN as text", *strike(carriers="NaN"), {"carriers"}, CSV_OK),
    ("fraction for a whole number", *strike(carriers=1.5), {"carriers"}, CSV_OK),
    ("words for a number", *strike(carriers="two"), {"carriers"}, CSV_OK),
    ("boolean for a number", *strike(carriers=True), {"carriers"}, NOT_CSV),
    ("hex number", *strike(carriers="0x10"), {"carriers"}, CSV_OK),
    ("list value", *strike(notes=[1, 2]), {"notes"}, NOT_CSV),
    ("object value", *strike(notes={"a": 1}), {"notes"}, NOT_CSV),
    ("NUL byte", *strike(notes="a\x00b"), {"notes"}, NOT_CSV),
    ("terminal escape", *strike(notes="\x1b[31mred"), {"notes"}, CSV_OK),
    ("50,000-character note", *strike(notes="x" * 50_000), {"notes"}, CSV_OK),
    ("300-character id", *strike(id="S" * 300), {"id"}, CSV_OK),
    ("id with a line break", *strike(id="S-1\nS-2"), {"id"}, CSV_OK),
    ("enumeration", *strike(source_class="rumour"), {"source_class"}, CSV_OK),
    ("azimuth over 360", *strike(azimuth_deg=400), {"azimuth_deg"}, CSV_OK),
    ("future date", *strike(date="2091-01-01"), {"date"}, CSV_OK),
    ("date before 1940", *strike(date="1939-12-31"), {"date"}, CSV_OK),
    ("not a date", *strike(date="2024-13-45"), {"date"}, CSV_OK),
    (
        "carrier range reversed",
        *strike(carriers=None, carriers_min=5, carriers_max=2),
        {"carriers_max"},
        CSV_OK,
    ),
    ("unknown field", *strike(colour="red"), {"colour"}, NOT_CSV),
    (
        "negative count",
        "accidents",
        {"date": "2023-01-01", "killed": -1},
        HERE,
        {"killed"},
        CSV_OK,
    ),
    (
        "broken reference",
        "victims",
        {"accident": "ACC-404", "outcome": "killed"},
        None,
        {"accident"},
        CSV_OK,
    ),
    (
        "outcome the type cannot have",
        "activities",
        {"type": "EOD_spot", "organisation": "T", "start": "2023-01-01", "outcome": "cleared"},
        SQUARE,
        {"outcome"},
        CSV_OK,
    ),
    (
        "clearance without depth",
        "activities",
        {
            "type": "clearance",
            "organisation": "T",
            "start": "2023-01-01",
            "hazard_area": "H-C",
            "outcome": "cleared",
        },
        SQUARE,
        {"depth_cm"},
        CSV_OK,
    ),
    (
        "NTS claiming land cleared",
        "activities",
        {
            "type": "NTS",
            "organisation": "T",
            "start": "2023-01-01",
            "hazard_area": "H-C",
            "outcome": "cleared",
        },
        SQUARE,
        {"outcome"},
        CSV_OK,
    ),
    (
        "work outside its area",
        "activities",
        {
            "type": "clearance",
            "organisation": "T",
            "start": "2023-01-01",
            "hazard_area": "H-C",
            "outcome": "cleared",
            "depth_cm": 20,
        },
        shapely.box(36, 33, 36.01, 33.01),
        {"geometry"},
        CSV_OK,
    ),
    (
        "bow-tie polygon",
        "hazard_areas",
        {"kind": "SHA", "status": "open"},
        shapely.Polygon([(35, 33), (35.01, 33.01), (35.01, 33), (35, 33.01)]),
        {"geometry"},
        CSV_OK,
    ),
    (
        "200,000 vertices",
        "hazard_areas",
        {"kind": "SHA", "status": "open"},
        shapely.Polygon(35 + 0.01 * np.c_[np.cos(T), np.sin(T)]),
        {"geometry"},
        CSV_OK,
    ),
    (
        "status outside the list",
        "hazard_areas",
        {"kind": "SHA", "status": "pending"},
        SQUARE,
        {"status"},
        CSV_OK,
    ),
    (
        "beneficiaries by sex and age beyond the total",
        "hazard_areas",
        {
            "kind": "SHA",
            "status": "open",
            "beneficiaries": 10,
            "beneficiaries_women": 8,
            "beneficiaries_girls": 5,
        },
        SQUARE,
        {"beneficiaries"},
        CSV_OK,
    ),
    (
        "casualty context outside the list",
        "accidents",
        {"date": "2023-01-01", "context": "afterwards"},
        HERE,
        {"context"},
        CSV_OK,
    ),
    (
        "casualties of a strike not recorded",
        "accidents",
        {"date": "2023-01-01", "strike": "S-404"},
        HERE,
        {"strike"},
        CSV_OK,
    ),
    (
        "victim category outside the list",
        "victims",
        {"accident": "ACC-1", "outcome": "killed", "category": "soldier"},
        None,
        {"category"},
        CSV_OK,
    ),
    (
        "assistance to no recorded victim",
        "victim_assistance",
        {"victim": "V-404", "date": "2023-02-01", "type": "rehabilitation"},
        None,
        {"victim"},
        CSV_OK,
    ),
    (
        "follow-up before the assistance",
        "victim_assistance",
        {"victim": "V-1", "date": "2023-02-01", "type": "psychological", "follow_up": "2023-01-01"},
        None,
        {"follow_up"},
        CSV_OK,
    ),
    (
        "negative participants",
        "risk_education",
        {"date": "2023-03-01", "organisation": "NGO", "girls_13_17": -3},
        HERE,
        {"girls_13_17"},
        CSV_OK,
    ),
    (
        "evidence of no known type",
        "evidence",
        {"type": "rumour", "date": "2023-03-01"},
        HERE,
        {"type"},
        CSV_OK,
    ),
    (
        "evidence naming no recorded area",
        "evidence",
        {"type": "strike_mark", "hazard_area": "H-404"},
        HERE,
        {"hazard_area"},
        CSV_OK,
    ),
    (
        "risk education without its organisation",
        "risk_education",
        {"date": "2023-03-01", "organisation": None, "women": 12},
        HERE,
        {"organisation"},
        CSV_OK,
    ),
]


@pytest.fixture
def programme(store):
    """A store with an accident, a confirmed area and an editor and admin on the web."""
    store.write(
        "accidents",
        gpd.GeoDataFrame(
            {"id": ["ACC-1"], "date": ["2023-01-01"], "killed": [1]}, geometry=[HERE], crs=4326
        ),
    )
    store.write(
        "hazard_areas",
        gpd.GeoDataFrame(
            {"id": ["H-C"], "kind": ["CHA"], "status": ["open"]}, geometry=[SQUARE], crs=4326
        ),
    )
    store.write(
        "victims", pd.DataFrame({"id": ["V-1"], "accident": ["ACC-1"], "outcome": ["killed"]})
    )
    store.write(
        "strikes",
        gpd.GeoDataFrame(
            {"id": ["S-OK"], **{k: [v] for k, v in STRIKE.items()}}, geometry=[HERE], crs=4326
        ),
    )
    admin = store.authenticate(store.add_user("admin", "admin"))
    return store, admin


def verdict(lines: str) -> set[tuple[str, str]]:
    """(field, message) pairs from problem lines 'FILE, row N, field 'F': MESSAGE (value …)'.

    A door that read the field under another name says so ('column 'C' (field 'F')'); one
    that reads labels for the field's values names them (', or a label read as one of them:
    …'): the verdict is the rest, the same through every door.
    """
    found = set()
    for line in lines.splitlines():
        m = re.search(r"field '([^']+)'\)?: (.*)$", line)
        if m:
            message = m[2].rsplit(" (value ", 1)[0]
            message = re.sub(
                r", or a label read as one of them: .*?(?=; did you mean|$)", "", message
            )
            found.add((m[1], message))
    return found


def state(store) -> tuple:
    return store.counts(), len(store.history_tail() or {}), _audit_rows(store)


def _audit_rows(store) -> int:
    import sqlalchemy as sa

    from remnant.store import schema

    with store.backend.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(schema.audit)).scalar_one()


def through_library(store, layer, values, geometry) -> set:
    frame = pd.DataFrame([values], dtype=object)
    if records.entity(layer).geometry is not None:
        frame = gpd.GeoDataFrame(
            frame, geometry=gpd.GeoSeries([geometry], crs=4326).values, crs=4326
        )
    with pytest.raises(InvalidRecordsError) as info:
        store.write(layer, frame)
    with pytest.raises(InvalidRecordsError) as proposed:  # an editor's proposal, too
        store.propose(layer, "insert", user="editor", offered=frame)
    assert verdict(proposed.value.report()) == verdict(info.value.report())
    return verdict(info.value.report())


def through_api(store, admin, layer, values, geometry) -> set:
    feature = {
        "type": "Feature",
        "properties": values,
        "geometry": None if geometry is None else shapely.geometry.mapping(geometry),
    }
    with pytest.raises(WebError) as info:
        handlers.create(store, admin, layer, feature)
    assert info.value.status == 422, info.value.message
    return verdict(info.value.message)


def through_cli(store, tmp_path, capsys, layer, values, geometry) -> set:
    row = dict(values)
    if records.entity(layer).geometry is not None:
        row["wkt"] = "" if geometry is None else shapely.to_wkt(geometry, rounding_precision=-1)
    path = tmp_path / "offered.csv"
    pd.DataFrame([row]).to_csv(path, index=False)
    capsys.readouterr()
    code = cli.main(["import", str(store.backend.path), str(path), "--layer", layer])
    err = capsys.readouterr().err
    assert code == 1, err
    return verdict(err)


def in_imsma_layout(layer, values) -> dict | None:
    """The case as a row of an IMSMA Core export (profile imsma-core), or None where the
    profile cannot say it (a layer or field it does not map, or a reference to a record
    whose id is not in IMSMA's form)."""
    profile = Profile.load("imsma-core")
    if layer not in [lp.layer for lp in profile.layers]:
        return None
    lp = profile.layer(layer)
    theirs = {ours: their for their, ours in lp.fields.items()}
    if any(k not in theirs and k not in lp.links for k in values):
        return None
    if any(values[ref] in ("H-C", "ACC-1") for ref in lp.links if ref in values):
        return None
    row = {theirs[k]: v for k, v in values.items() if k in theirs}
    row[profile.id_field] = f"{lp.name}_T-1"
    links = [f"{lp.links[ref]}{values[ref]}" for ref in lp.links if ref in values]
    if links:
        row[profile.links_field] = ", ".join(links)
    return row


def through_profile(store, tmp_path, capsys, layer, row, geometry) -> set:
    folder = tmp_path / "imsma-export"
    folder.mkdir()
    lp = Profile.load("imsma-core").layer(layer)
    if records.entity(layer).geometry is not None:
        row = {**row, "wkt": "" if geometry is None else shapely.to_wkt(geometry)}
    pd.DataFrame([row]).to_csv(folder / f"{lp.name}.csv", index=False)
    capsys.readouterr()
    code = cli.main(["import", str(store.backend.path), str(folder), "--profile", "imsma-core"])
    err = capsys.readouterr().err
    assert code == 1, err
    return verdict(err)


def in_a_form(layer, geometry) -> bool:
    """Whether a form's geopoint or geoshape question can hold the case's geometry."""
    kind = records.entity(layer).geometry
    return geometry is None or kind is None or (kind == "POINT") == (geometry.geom_type == "Point")


def through_form(store, tmp_path, capsys, layer, values, geometry) -> set:
    """The case as one submission of remnant's form for the layer, exported by ODK Central."""
    form = forms.write_form(tmp_path / f"{layer}.xlsx", layer)
    instance = "uuid:00000000-0000-4000-8000-000000000001"
    row = {"SubmissionDate": "2024-04-10T08:15:00.000Z", **values}
    kind = records.entity(layer).geometry
    if kind == "POINT":
        blank = geometry is None or geometry.is_empty
        lat, lon = ("", "") if blank else (repr(geometry.y), repr(geometry.x))
        row |= {"location-Latitude": lat, "location-Longitude": lon, "location-Accuracy": ""}
    elif kind is not None:
        ring = [] if geometry is None else geometry.exterior.coords
        row["area"] = ";".join(f"{y!r} {x!r} 0 0" for x, y in ring)
    row |= {"meta-instanceID": instance, "KEY": instance}
    path = tmp_path / "submissions.csv"
    pd.DataFrame([row]).to_csv(path, index=False)
    capsys.readouterr()
    code = cli.main(["import", str(store.backend.path), str(path), "--form", str(form)])
    err = capsys.readouterr().err
    assert code == 1, err
    return verdict(err)


@pytest.mark.parametrize(
    ("name", "layer", "values", "geometry", "fields", "csv"), CORPUS, ids=[c[0] for c in CORPUS]
)
def test_every_door_gives_the_same_verdict(
    programme, tmp_path, capsys, name, layer, values, geometry, fields, csv
):
    store, admin = programme
    before = state(store)
    library = through_library(store, layer, values, geometry)
    assert {f for f, _ in library} == fields, library
    assert through_api(store, admin, layer, values, geometry) == library
    if csv:
        assert through_cli(store, tmp_path, capsys, layer, values, geometry) == library
        imsma = in_imsma_layout(layer, values)
        if imsma is not None:  # the IMSMA Core profile's door, too
            assert through_profile(store, tmp_path, capsys, layer, imsma, geometry) == library
        if in_a_form(layer, geometry):  # a field form's submission, as ODK Central exports it
            assert through_form(store, tmp_path, capsys, layer, values, geometry) == library
    assert state(store) == before  # nothing written, not even an audit entry


def test_the_imsma_door_is_tried_on_every_layer_it_maps():
    tried = {c[1] for c in CORPUS if c[5] and in_imsma_layout(c[1], c[2]) is not None}
    assert tried == {"hazard_areas", "activities", "accidents", "victims"}


def test_the_form_door_is_tried_on_every_layer_of_the_corpus():
    tried = {c[1] for c in CORPUS if c[5] and in_a_form(c[1], c[3])}
    assert tried == {c[1] for c in CORPUS}


UPDATES = [
    ("carriers", 10**30, "carriers"),
    ("carriers", "1e400", "carriers"),
    ("notes", [1, 2], "notes"),
    ("notes", {"a": 1}, "notes"),
    ("notes", "a\x00b", "notes"),
    ("id_typo", "x", "id_typo"),
    ("source_class", None, "source_class"),
    ("geometry", shapely.Point(NAN, NAN), "geometry"),
    ("geometry", SQUARE, "geometry"),
]


@pytest.mark.parametrize(("name", "value", "field"), UPDATES)
def test_updates_get_the_same_verdict_from_the_api_and_the_library(programme, name, value, field):
    store, admin = programme
    before = state(store)
    with pytest.raises(InvalidRecordsError) as info:
        store.update("strikes", "S-OK", {name: value})
    library = verdict(info.value.report())
    assert {f for f, _ in library} == {field}
    version = store.get("strikes", "S-OK")["version"]
    body = {"properties": {"version": version}}
    if name == "geometry":
        body["geometry"] = shapely.geometry.mapping(value)
    else:
        body["properties"][name] = value
    with pytest.raises(WebError) as web:
        handlers.update(store, admin, "strikes", "S-OK", body)
    assert web.value.status == 422
    assert verdict(web.value.message) == library
    assert state(store) == before


def test_references_are_checked_on_update_and_delete_through_every_door(programme):
    store, admin = programme
    with pytest.raises(InvalidRecordsError) as info:  # the web PUT path, once accepted
        store.update("victims", "V-1", {"accident": "ACC-404"})
    assert verdict(info.value.report()) == {("accident", "no such record in accidents")}
    with pytest.raises(WebError) as web:
        handlers.update(
            store, admin, "victims", "V-1", {"properties": {"accident": "ACC-404", "version": 1}}
        )
    assert verdict(web.value.message) == {("accident", "no such record in accidents")}
    with pytest.raises(ConflictError, match="referred to by 1 record"):
        store.delete("accidents", "ACC-1")
    with pytest.raises(WebError) as web:
        handlers.delete(store, admin, "accidents", "ACC-1", 1)
    assert web.value.status == 409
    assert "referred to by 1 record" in web.value.message
    assert store.ids("accidents") == {"ACC-1"}


def test_a_version_must_be_a_number_not_true(programme):
    store, admin = programme
    with pytest.raises(WebError) as web:
        handlers.update(
            store, admin, "strikes", "S-OK", {"properties": {"notes": "x", "version": True}}
        )
    assert web.value.status == 428


@pytest.mark.parametrize(
    ("layer", "query"),
    [
        ("victims", {"bbox": "0,0,1,1"}),
        ("nonconformities", {"bbox": "0,0,1,1"}),
        ("strikes", {"bbox": "nan,0,1,1"}),
        ("victims", {"datetime": "2020-01-01"}),
        ("strikes", {"status": "open"}),
        ("strikes", {"datetime": "2020-01-01/x"}),
    ],
)
def test_searches_the_store_cannot_answer_are_client_errors(programme, layer, query):
    store, _ = programme
    with pytest.raises(WebError) as web:
        handlers.search(store, layer, **query)
    assert web.value.status == 400


def test_the_api_pages_in_the_store(programme):
    store, admin = programme
    features = [
        {
            "type": "Feature",
            "properties": {**STRIKE, "notes": str(i)},
            "geometry": shapely.geometry.mapping(shapely.Point(35 + i / 100, 33)),
        }
        for i in range(30)
    ]
    handlers.create(store, admin, "strikes", {"type": "FeatureCollection", "features": features})
    page, matched = handlers.search(store, "strikes", limit=10, offset=25)
    assert (len(page), matched) == (6, 31)
    page, matched = handlers.search(store, "strikes", bbox="35.095,32,35.145,34", limit=2)
    assert matched == 5
    assert [f["properties"]["notes"] for f in page] == ["10", "11"]
    page, matched = handlers.search(store, "strikes", datetime="2023-06-01/..", limit=1)
    assert matched == 31


def test_review_from_the_command_line(programme, capsys):
    store, _ = programme
    path = str(store.backend.path)
    store.propose(
        "strikes",
        "update",
        user="editor",
        record_id="S-OK",
        changes={"notes": "three carriers, says the EOD report"},
        expected_version=1,
    )
    with pytest.raises(ConflictError, match="already waiting for review"):
        store.propose("strikes", "delete", user="editor", record_id="S-OK", expected_version=1)
    capsys.readouterr()
    assert cli.main(["review", "list", path]) == 0
    assert "S-OK" in capsys.readouterr().out
    assert store.get("strikes", "S-OK")["notes"] is None  # quarantined
    assert cli.main(["review", "approve", path, "strikes", "S-OK", "-u", "ana"]) == 0
    assert store.get("strikes", "S-OK")["notes"] == "three carriers, says the EOD report"
    assert cli.main(["review", "reject", path, "strikes", "S-OK"]) == 1  # nothing pending
    assert "no pending review" in capsys.readouterr().err


def test_a_put_with_no_geometry_says_where_without_a_row(programme):
    store, admin = programme
    version = store.get("strikes", "S-OK")["version"]
    body = {"properties": {"version": version}, "geometry": {"type": "Banana"}}
    with pytest.raises(WebError) as web:
        handlers.update(store, admin, "strikes", "S-OK", body)
    assert (web.value.status, web.value.message) == (
        422,
        "request, field 'geometry': is not a GeoJSON geometry",
    )


def test_a_point_far_outside_the_area_it_names_is_written_with_a_warning_by_every_door(
    programme, tmp_path, capsys
):
    """Lon and lat swapped, or another area's id: the record is written, and every door
    says, in the same words, how far outside the area it lies; within 1 km, nothing."""
    store, admin = programme
    places = {"IN": (35.005, 33.005), "NEAR": (35.018, 33.005), "SWAP": (33.005, 35.005)}

    def offered(door: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "id": [f"{door}-{name}" for name in places],
                "type": "submunition",
                "hazard_area": "H-C",
                "lon": [x for x, _ in places.values()],
                "lat": [y for _, y in places.values()],
            }
        )

    def points(frame):
        return gpd.GeoDataFrame(
            frame.drop(columns=["lon", "lat"]),
            geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
            crs=4326,
        )

    said = {}
    summary = store.write("evidence", points(offered("LIB")))
    said["library"] = [str(w) for w in summary.warnings]
    path = tmp_path / "evidence.csv"
    offered("CLI").to_csv(path, index=False)
    capsys.readouterr()
    assert cli.main(["import", str(store.backend.path), str(path), "--layer", "evidence"]) == 0
    err = capsys.readouterr().err
    said["cli"] = [line for line in err.splitlines() if line.startswith("warning:")]
    features = points(offered("API")).to_geo_dict(drop_id=True)
    said["api"] = handlers.create(store, admin, "evidence", features)["warnings"]
    editor = store.authenticate(store.add_user("field-editor", "editor"))
    features = points(offered("EDITOR")).to_geo_dict(drop_id=True)
    said["editor's proposal"] = handlers.create(store, editor, "evidence", features)["warnings"]
    form = forms.write_form(tmp_path / "evidence.xlsx", "evidence")
    submissions = offered("FORM").drop(columns=["id", "lon", "lat"])
    submissions["location-Latitude"] = [y for _, y in places.values()]
    submissions["location-Longitude"] = [x for x, _ in places.values()]
    submissions["meta-instanceID"] = [
        f"uuid:0000000{i}-0000-4000-8000-000000000001" for i in (1, 2, 3)
    ]
    submissions["KEY"] = submissions["meta-instanceID"]
    submissions.to_csv(tmp_path / "submissions.csv", index=False)
    capsys.readouterr()
    form_import = ["import", str(store.backend.path), str(tmp_path / "submissions.csv")]
    assert cli.main([*form_import, "--form", str(form)]) == 0
    err = capsys.readouterr().err
    said["form"] = [line for line in err.splitlines() if line.startswith("warning:")]
    for door, warnings in said.items():  # each door numbers the rows its own way
        assert [re.sub(r"^.*, row \d+, ", "", w) for w in warnings] == [
            "field 'hazard_area': lies 288.0 km outside the area of the hazard_areas record it "
            "names (value 'H-C')"
        ], door
    assert len(store.read("evidence")) == 9  # written all the same, or waiting for review
    assert len(store.reviews("pending")) == 6
    # The admin who reviews the proposals is told the same, by the API and the command line.
    words = (
        "field 'hazard_area': lies 288.0 km outside the area of the hazard_areas record it "
        "names (value 'H-C')"
    )
    flagged = {
        r["record_id"]: r["warnings"] for r in handlers.reviews(store, admin) if r["warnings"]
    }
    assert len(flagged) == 2  # the editor's swapped point and the form's
    assert flagged["EDITOR-SWAP"] == [f"evidence/EDITOR-SWAP, {words}"]
    capsys.readouterr()
    assert cli.main(["review", "list", str(store.backend.path)]) == 0
    out = capsys.readouterr().out
    assert f"warning: evidence/EDITOR-SWAP, {words}" in out
    assert sum(line.startswith("warning: ") for line in out.splitlines()) == 2


def test_the_reviewer_sees_what_would_refuse_a_proposal_now(programme, capsys):
    """A victim proposed for an accident that is deleted while it waits: the reviewer is
    told before approving, and approving is refused with the same words."""
    store, admin = programme
    editor = store.authenticate(store.add_user("field-editor", "editor"))
    body = {"type": "FeatureCollection", "features": []}
    body["features"] = [
        {"type": "Feature", "id": "V-2", "geometry": None, "properties": {"accident": "ACC-1"}}
    ]
    body["features"][0]["properties"]["outcome"] = "injured"
    assert handlers.create(store, editor, "victims", body)["pending"] == ["V-2"]
    (row,) = handlers.reviews(store, admin)
    assert (row["problems"], row["warnings"]) == ([], [])
    store.delete("victims", "V-1", user="admin")
    store.delete("accidents", "ACC-1", user="admin")
    (row,) = handlers.reviews(store, admin)
    assert len(row["problems"]) == 1
    assert row["problems"][0].startswith("victims/V-2, field 'accident': ")
    assert "ACC-1" in row["problems"][0]
    capsys.readouterr()
    assert cli.main(["review", "list", str(store.backend.path)]) == 0
    assert f"refused if approved now: {row['problems'][0]}" in capsys.readouterr().out
    with pytest.raises(InvalidRecordsError) as refused:
        store.decide("victims", "V-2", True, by="admin")
    assert row["problems"][0].split(": ", 1)[1] in refused.value.report()
    path = str(store.backend.path)  # the same from the command line, approving all at once
    assert cli.main(["review", "approve", path, "victims", "--all"]) == 1
    err = capsys.readouterr().err
    assert row["problems"][0].split(": ", 1)[1] in err
    assert "1 of 1 proposal(s) not decided; the others were" in err
    assert store.reviews("pending")["record_id"].tolist() == ["V-2"]


def test_each_proposal_is_judged_as_approving_it_alone_would(programme):
    """Two editors map the same area: neither is refused for the other's copy, which
    waits beside it (approving the second after the first is refused then, as a write)."""
    store, admin = programme
    editor = store.authenticate(store.add_user("field-editor", "editor"))
    square = shapely.geometry.mapping(SQUARE.buffer(0.01))
    for area_id in ("H-ONE", "H-TWO"):
        feature = {"type": "Feature", "id": area_id, "geometry": square}
        feature["properties"] = {"kind": "SHA", "status": "open"}
        body = {"type": "FeatureCollection", "features": [feature]}
        assert handlers.create(store, editor, "hazard_areas", body)["pending"] == [area_id]
    listed = handlers.reviews(store, admin)
    assert [(r["record_id"], r["problems"]) for r in listed] == [("H-ONE", []), ("H-TWO", [])]


def test_the_reviewer_sees_a_change_overtaken_since_it_was_proposed(programme, capsys):
    """An update of a record changed since the editor read it, and a delete of a record
    referred to since, are listed with what would refuse them, as approval then says."""
    store, admin = programme
    notes = {"notes": "three carriers, says the EOD report"}
    store.propose(
        "strikes", "update", user="editor", record_id="S-OK", changes=notes, expected_version=1
    )
    store.propose("hazard_areas", "delete", user="editor", record_id="H-C", expected_version=1)
    assert all(r["problems"] == [] for r in handlers.reviews(store, admin))
    store.update("strikes", "S-OK", {"notes": "checked"}, user="admin", expected_version=1)
    find = {"id": ["E-1"], "type": ["submunition"], "hazard_area": ["H-C"]}
    store.write("evidence", gpd.GeoDataFrame(find, geometry=[HERE], crs=4326))
    said = {r["record_id"]: r["problems"] for r in handlers.reviews(store, admin)}
    assert said["S-OK"] == [
        "strikes/S-OK: S-OK was changed by someone else (version 2, you had 1); reload it and "
        "apply your change again"
    ]
    (refusal,) = said["H-C"]
    assert refusal.startswith("hazard_areas/H-C: ")
    capsys.readouterr()
    assert cli.main(["review", "list", str(store.backend.path)]) == 0
    out = capsys.readouterr().out
    assert f"refused if approved now: {said['S-OK'][0]}" in out
    assert f"refused if approved now: {refusal}" in out
    for layer, record_id in (("strikes", "S-OK"), ("hazard_areas", "H-C")):
        with pytest.raises(ConflictError) as refused:
            store.decide(layer, record_id, True, by="admin")
        assert str(refused.value) == said[record_id][0].split(": ", 1)[1]


def test_proposals_are_decided_many_at_once_from_the_command_line(programme, capsys):
    """A week of field submissions: approve those the gate has nothing to say about, look
    at the others; one that cannot be decided leaves the rest decided."""
    store, _ = programme
    path = str(store.backend.path)
    finds = gpd.GeoDataFrame(
        {"id": ["E-1", "E-2", "E-FAR"], "type": "submunition", "hazard_area": "H-C"},
        geometry=[shapely.Point(35.002, 33.002), shapely.Point(35.008, 33.008), HERE.buffer(0)],
        crs=4326,
    )
    finds.loc[2, "geometry"] = shapely.Point(33.005, 35.005)  # lon and lat swapped
    store.propose_inserts([("evidence", finds)], user="editor")
    capsys.readouterr()
    assert cli.main(["review", "approve", path, "evidence"]) == 1
    assert "name the proposals' IDs, or give --all" in capsys.readouterr().err
    assert cli.main(["review", "approve", path, "evidence", "--all", "--without-warnings"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "approved evidence/E-1",
        "approved evidence/E-2",
    ]
    assert store.ids("evidence") == {"E-1", "E-2"}
    assert store.reviews("pending")["record_id"].tolist() == ["E-FAR"]
    assert cli.main(["review", "reject", path, "evidence", "E-1", "E-FAR"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == ["rejected evidence/E-FAR"]
    assert "error: no pending review of evidence/E-1" in err
    assert "1 of 2 proposal(s) not decided; the others were" in err
    assert store.reviews("pending").empty
    assert store.ids("evidence") == {"E-1", "E-2"}
