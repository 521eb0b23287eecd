import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import hazard_frame, strike_rows, write_csv
from remnant import io, records
from remnant.errors import ConflictError, InputError, InvalidRecordsError
from remnant.io import import_file, import_records
from remnant.store import create_store
from remnant.store.verify import verify


def test_csv_import_is_audited_and_idempotent(store, tmp_path):
    path = write_csv(tmp_path / "strikes.csv", strike_rows(5))
    report = import_file(store, path, "strikes", user="ana")
    assert (len(report.written.inserted), report.read) == (5, 5)
    assert store.counts()["strikes"] == 5
    assert list(store.history("S-0")["user"]) == ["ana"]
    again = import_file(store, path, "strikes")
    assert len(again.written.unchanged) == 5
    assert again.written.inserted == []
    assert store.counts()["strikes"] == 5
    assert len(store.history("S-0")) == 1


def test_reimport_without_ids_does_not_duplicate(store, tmp_path):
    path = write_csv(tmp_path / "s.csv", strike_rows(4).drop(columns="id"))
    import_file(store, path, "strikes")
    report = import_file(store, path, "strikes")
    assert len(report.written.unchanged) == 4
    assert store.counts()["strikes"] == 4


def test_changed_values_are_refused_unless_update(store, tmp_path):
    import_file(store, write_csv(tmp_path / "a.csv", strike_rows(3)), "strikes")
    changed = strike_rows(3, accuracy_m=["50", "75", "50"])
    path = write_csv(tmp_path / "b.csv", changed)
    with pytest.raises(
        ConflictError, match=r"b\.csv: 1 record\(s\) already stored with other values"
    ):
        import_file(store, path, "strikes")
    assert store.get("strikes", "S-1")["accuracy_m"] == 50
    report = import_file(store, path, "strikes", update=True, user="bo")
    assert (report.written.updated, len(report.written.unchanged)) == (["S-1"], 2)
    assert store.get("strikes", "S-1")["accuracy_m"] == 75
    assert list(store.history("S-1")["action"]) == ["insert", "update"]


def test_a_bad_file_is_refused_whole_with_every_problem(store, tmp_path):
    rows = strike_rows(6)
    rows.loc[1, "date"] = "2099-01-01"
    rows.loc[3, "carriers"] = "many"
    rows.loc[3, "lat"] = "north"
    rows.loc[4, "source_class"] = "tv"
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(InvalidRecordsError) as info:
        import_file(store, path, "strikes")
    err = info.value
    assert str(err) == "bad.csv: 3 bad row(s), 4 problem(s); nothing was written"
    found = {(p.row, p.field) for p in err.problems}
    assert found == {(3, "date"), (5, "carriers"), (5, "lat"), (6, "source_class")}
    assert "bad.csv, row 5, field 'lat': is not a number (value 'north')" in err.report()
    assert store.counts()["strikes"] == 0


def test_skip_invalid_writes_good_rows_and_a_rejects_file(store, tmp_path):
    rows = strike_rows(4)
    rows.loc[2, "date"] = "yesterday"
    path = write_csv(tmp_path / "mixed.csv", rows)
    report = import_file(store, path, "strikes", skip_invalid=True)
    assert len(report.written.inserted) == 3
    assert report.rejected == 1
    rejects = pd.read_csv(report.rejects_file, dtype=str, keep_default_na=False)
    assert list(rejects["row"]) == ["4"]
    assert rejects["date"].iloc[0] == "yesterday"
    assert "date: is not a date" in rejects["problems"].iloc[0]
    with pytest.raises(InputError, match=r"rejects\.csv exists; remove it or pass overwrite=True"):
        import_file(store, path, "strikes", skip_invalid=True)


def test_projected_csv_with_crs_is_reprojected(store, tmp_path):
    utm = pyproj.Transformer.from_crs(4326, 32636, always_xy=True)
    x, y = utm.transform(35.5, 33.3)
    rows = strike_rows(1).drop(columns=["lon", "lat"]).assign(x=[f"{x:.3f}"], y=[f"{y:.3f}"])
    path = write_csv(tmp_path / "utm.csv", rows)
    with pytest.raises(InvalidRecordsError, match="1 bad row"):
        import_file(store, path, "strikes")
    import_file(store, path, "strikes", crs="EPSG:32636")
    point = store.read("strikes").geometry.iloc[0]
    assert point.x == pytest.approx(35.5, abs=1e-7)
    assert point.y == pytest.approx(33.3, abs=1e-7)


def test_wkt_column_and_unknown_crs(store, tmp_path):
    rows = pd.DataFrame(
        {
            "id": ["H1"],
            "kind": ["SHA"],
            "status": ["open"],
            "wkt": [shapely.box(35, 33, 35.01, 33.01).wkt],
        }
    )
    path = write_csv(tmp_path / "areas.csv", rows)
    with pytest.raises(InputError, match="field 'crs': unknown CRS 'EPSG:99999'"):
        import_file(store, path, "hazard_areas", crs="EPSG:99999")
    import_file(store, path, "hazard_areas")
    assert store.read("hazard_areas").geometry.iloc[0].geom_type == "MultiPolygon"


def test_unreadable_wkt_is_a_row_problem(store, tmp_path):
    rows = pd.DataFrame(
        {
            "kind": ["SHA", "SHA"],
            "status": ["open", "open"],
            "wkt": [shapely.box(35, 33, 35.01, 33.01).wkt, "POLYGON ((0 0, 1"],
        }
    )
    path = write_csv(tmp_path / "areas.csv", rows)
    with pytest.raises(InvalidRecordsError) as info:
        import_file(store, path, "hazard_areas")
    assert [(p.row, p.field, p.message) for p in info.value.problems] == [
        (3, "wkt", "is not readable WKT")
    ]


def test_column_mapping_and_extra_columns(store, tmp_path):
    rows = strike_rows(2).rename(columns={"munition": "Type", "source_class": "Source"})
    rows["colour"] = "red"
    path = write_csv(tmp_path / "other.csv", rows)
    with pytest.raises(InputError, match="required column\\(s\\) missing: source_class"):
        import_file(store, path, "strikes", ignore_extra=True)
    mapping = {"Type": "munition", "Source": "source_class"}
    with pytest.raises(InputError, match="column\\(s\\) not in the strikes layer: colour"):
        import_file(store, path, "strikes", mapping=mapping)
    import_file(store, path, "strikes", mapping=mapping, ignore_extra=True)
    assert set(store.read("strikes")["munition"]) == {"m77_m26"}
    with pytest.raises(InputError, match=r"mapping=\{…\} names column\(s\) not in the file: Kind"):
        import_file(store, path, "strikes", mapping={"Kind": "munition"})
    with pytest.raises(InputError, match="a column mapping is SOURCE=FIELD"):
        io.parse_mapping(["munition"])
    # A problem names the file's column, where it read it under another name.
    rows.loc[1, "Source"] = "rumour"
    rows.columns = [c.upper() if c == "carriers" else c for c in rows.columns]
    rows.loc[1, "CARRIERS"] = "-2"
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(InvalidRecordsError) as info:
        import_file(store, path, "strikes", mapping=mapping, ignore_extra=True)
    said = {p.field: str(p) for p in info.value.problems}
    assert said["source_class"].startswith("bad.csv, row 3, column 'Source' (field 'source_class')")
    assert said["carriers"].startswith("bad.csv, row 3, column 'CARRIERS' (field 'carriers')")
    # A point read from two columns names both.
    rows = strike_rows(2).rename(columns={"lon": "Longitude", "lat": "Latitude"})
    rows.loc[1, ["Longitude", "Latitude"]] = ["33.3", "95.5"]
    with pytest.raises(InvalidRecordsError) as info:
        import_file(store, write_csv(tmp_path / "swapped.csv", rows), "strikes")
    assert str(info.value.problems[0]) == (
        "swapped.csv, row 3, column 'Longitude, Latitude' (field 'geometry'): latitude out of "
        "range: lon and lat look swapped (value 'POINT (33.3 95.5)')"
    )


def test_encodings(store, tmp_path):
    rows = strike_rows(2, notes=["Décombres près de l'école", "ok"])
    path = tmp_path / "latin.csv"
    rows.to_csv(path, index=False, encoding="cp1252")
    with pytest.raises(
        InputError,
        match=r"line 2 is not valid UTF-8 \(byte 0xe9\); give the file's encoding with enc",
    ):
        import_file(store, path, "strikes")
    import_file(store, path, "strikes", encoding="cp1252")
    assert store.get("strikes", "S-0")["notes"] == "Décombres près de l'école"
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        import_file(store, path, "strikes", encoding="klingon")


def _read_back(path, **options):
    store = create_store(path.with_suffix(".gpkg"))
    import_file(store, path, "strikes", **options)
    frame = store.read("strikes")
    return frame.drop(columns=["fid"], errors="ignore").sort_values("id").reset_index(drop=True)


@pytest.mark.parametrize(
    ("separator", "encoding"), [(";", "utf-8-sig"), (";", "cp1252"), ("\t", "utf-16")]
)
def test_separators_and_decimal_commas_of_spreadsheet_exports(tmp_path, separator, encoding):
    # Excel in French, Spanish, Ukrainian or Vietnamese settings writes "CSV" with
    # semicolons and decimal commas; its "Unicode text" is UTF-16 with tabs. GDAL reads both.
    rows = strike_rows(3, accuracy_m=["12.5", "50", "7.25"], notes=["a, b", "c; d", "é"])
    expected = _read_back(write_csv(tmp_path / "plain.csv", rows))
    local = rows.assign(
        **{c: rows[c].str.replace(".", ",", regex=False) for c in ("accuracy_m", "lon", "lat")}
    )
    path = tmp_path / "local.csv"
    local.to_csv(path, index=False, sep=separator, encoding=encoding, lineterminator="\r\n")
    given = {"encoding": encoding} if encoding == "cp1252" else {}
    got = _read_back(path, **given)
    assert got["accuracy_m"].tolist() == [12.5, 50.0, 7.25]
    assert got["notes"].tolist() == ["a, b", "c; d", "é"]
    pd.testing.assert_frame_equal(got.drop(columns="geometry"), expected.drop(columns="geometry"))
    assert got.geometry.geom_equals_exact(expected.geometry, 1e-12).all()


def test_a_decimal_comma_is_read_only_where_commas_do_not_separate_columns(store, tmp_path):
    semicolons = tmp_path / "s.csv"
    strike_rows(2, accuracy_m=["1.234,5", "7,5"]).to_csv(semicolons, index=False, sep=";")
    with pytest.raises(InvalidRecordsError) as caught:
        import_file(store, semicolons, "strikes")
    assert [(p.row, p.field, p.value) for p in caught.value.problems] == [
        (2, "accuracy_m", "1.234,5")
    ]
    commas = write_csv(tmp_path / "c.csv", strike_rows(1, accuracy_m=["7,5"]))  # quoted
    with pytest.raises(InvalidRecordsError) as caught:
        import_file(store, commas, "strikes")
    assert [(p.field, p.value) for p in caught.value.problems] == [("accuracy_m", "7,5")]
    assert store.counts()["strikes"] == 0


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_rows_a_spreadsheet_left_blank_hold_no_record(store, tmp_path, suffix):
    rows = strike_rows(3)
    blank = pd.DataFrame([[""] * len(rows.columns)], columns=rows.columns)
    rows.loc[2, "carriers"] = "two"
    given = pd.concat([rows.iloc[:1], blank, rows.iloc[1:], blank, blank], ignore_index=True)
    path = tmp_path / f"cleared{suffix}"
    if suffix == ".csv":
        given.to_csv(path, index=False)  # the blank rows as ",,,,,,,"
        assert ",,,,,,," in path.read_text()
    else:
        given.to_excel(path, index=False)
    with pytest.raises(InvalidRecordsError) as caught:
        import_file(store, path, "strikes")
    # only the bad row's problem, at its row in the file (row 1: the names)
    assert [(p.row, p.field) for p in caught.value.problems] == [(5, "carriers")]
    path.unlink()
    rows.loc[2, "carriers"] = "2"
    given = pd.concat([rows.iloc[:1], blank, rows.iloc[1:], blank], ignore_index=True)
    given.to_csv(path, index=False) if suffix == ".csv" else given.to_excel(path, index=False)
    assert import_file(store, path, "strikes").read == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("id,date,munition,carriers,source_class,lon,lat\n", "has no records"),
        ("id,id,lon,lat\n1,2,3,4\n", "column\\(s\\) named twice: id"),
        (
            "id,munition,carriers,source_class\nA,m77_m26,1,surveyed\n",
            "no geometry: give lon and lat",
        ),
    ],
)
def test_file_level_problems(store, tmp_path, content, message):
    path = tmp_path / "f.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        import_file(store, path, "strikes")


def test_unknown_file_type_and_missing_file(store, tmp_path):
    with pytest.raises(InputError, match=r"unknown file type '\.ods'"):
        import_file(store, tmp_path / "a.ods", "strikes")
    with pytest.raises(InputError, match="no such file"):
        import_file(store, tmp_path / "a.csv", "strikes")


def test_file_without_crs_needs_one(store, tmp_path):
    frame = hazard_frame(1).set_crs(None, allow_override=True)
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        frame.to_file(tmp_path / "nocrs.shp")
    with pytest.raises(
        InputError, match=r"field 'crs': the file has no CRS; give it with crs='EPSG:4326'"
    ):
        import_file(store, tmp_path / "nocrs.shp", "hazard_areas")
    import_file(store, tmp_path / "nocrs.shp", "hazard_areas", crs="EPSG:4326")
    assert store.counts()["hazard_areas"] == 1


def test_references_must_exist(store, tmp_path):
    rows = pd.DataFrame({"id": ["V1"], "accident": ["ACC-404"], "outcome": ["injured"]})
    with pytest.raises(InvalidRecordsError) as info:
        import_file(store, write_csv(tmp_path / "v.csv", rows), "victims")
    assert "field 'accident': no such record in accidents (value 'ACC-404')" in info.value.report()


def populated(tmp_path):
    from remnant.demo import make_scenario

    store = create_store(tmp_path / "src.gpkg")
    scenario = make_scenario(seed=5, n_strikes=25)
    for layer, frame in scenario.layers().items():
        import_records(store, layer, frame)
    return store, scenario


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".geojson", ".gpkg", ".kml", ".shp"])
def test_every_format_round_trips_through_export_and_import(tmp_path, suffix):
    """Every layer survives export and import. The activities are replayed on the areas as
    first recorded, so the workflow must move them exactly as it moved the source's."""
    source, scenario = populated(tmp_path)
    target = create_store(tmp_path / "dst.gpkg")
    import_records(target, "hazard_areas", scenario.hazard_areas)
    areas_only = create_store(tmp_path / "areas.gpkg")
    for layer in records.ENTITIES:
        if records.entity(layer).geometry is None and suffix in (".kml", ".shp"):
            with pytest.raises(InputError, match=f"{layer} have no geometry"):
                io.export_layer(source, layer, tmp_path / f"{layer}{suffix}")
            path = tmp_path / f"{layer}{'.dbf' if suffix == '.shp' else '.csv'}"  # table alone
        else:
            path = tmp_path / f"{layer}{suffix}"
        n = io.export_layer(source, layer, path)
        assert n == source.counts()[layer]
        into = areas_only if layer == "hazard_areas" else target
        report = import_file(into, path, layer)
        assert len(report.written.inserted) == n
        again = import_file(into, path, layer)
        assert len(again.written.unchanged) == n, again
    assert (source.read("hazard_areas")["status"] != "open").sum() > 3  # the workflow ran
    for layer, store in [("hazard_areas", areas_only), *((k, target) for k in source.counts())]:
        a, b = source.read(layer), store.read(layer)
        pd.testing.assert_frame_equal(
            pd.DataFrame(a.drop(columns="geometry", errors="ignore")),
            pd.DataFrame(b.drop(columns="geometry", errors="ignore")),
        )
        if "geometry" in a:
            assert shapely.equals_exact(
                shapely.normalize(a.geometry.values), shapely.normalize(b.geometry.values), 1e-9
            ).all()


def test_export_never_overwrites_silently(store, tmp_path):
    import_records(store, "hazard_areas", hazard_frame(2))
    out = tmp_path / "areas.geojson"
    io.export_layer(store, "hazard_areas", out)
    with pytest.raises(InputError, match="exists; pass overwrite=True to replace it"):
        io.export_layer(store, "hazard_areas", out)
    assert io.export_layer(store, "hazard_areas", out, overwrite=True) == 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".remnant")] == []


def test_kml_name_and_description_are_kept(store, tmp_path):
    frame = gpd.GeoDataFrame(
        {
            "Name": ["Field 7"],
            "Description": ["bomblets seen by the well"],
            "kind": ["SHA"],
            "status": ["open"],
        },
        geometry=[shapely.box(35, 33, 35.01, 33.01)],
        crs=4326,
    )
    frame.to_file(tmp_path / "field.kml", driver="KML")
    import_file(store, tmp_path / "field.kml", "hazard_areas")
    area = store.read("hazard_areas").iloc[0]
    assert area["name"] == "Field 7"
    assert area["notes"] == "description: bomblets seen by the well"


bad_values = st.sampled_from(
    [
        ("date", "2999-01-01"),
        ("date", "1900-05-05"),
        ("date", "not a date"),
        ("carriers", "-3"),
        ("carriers", "1.5"),
        ("source_class", "gossip"),
        ("accuracy_m", "far"),
        ("azimuth_deg", "720"),
        ("lon", "east"),
        ("lat", "123.4"),
    ]
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_bad_rows_are_rejected_with_their_row_numbers(tmp_path_factory, data):
    n = data.draw(st.integers(3, 30), label="rows")
    rows_and_values = st.tuples(st.integers(0, n - 1), bad_values)
    bad = data.draw(st.lists(rows_and_values, min_size=1, max_size=6), label="bad")
    folder = tmp_path_factory.mktemp("prop")
    store = create_store(folder / "s.gpkg")
    import_file(
        store, write_csv(folder / "seed.csv", strike_rows(2).assign(id=["K1", "K2"])), "strikes"
    )
    before = store.read("strikes")
    rows = strike_rows(n)
    expected = set()
    for index, (column, value) in bad:
        rows.loc[index, column] = value
        expected.add(index + 2)  # the header is row 1
    path = write_csv(folder / "bad.csv", rows)
    with pytest.raises(InvalidRecordsError) as info:
        import_file(store, path, "strikes")
    assert {p.row for p in info.value.problems} == expected
    assert all(p.file == "bad.csv" for p in info.value.problems)
    pd.testing.assert_frame_equal(store.read("strikes"), before)
    assert len(store.history("S-0")) == 0
    assert np.all(store.read("strikes")["id"] == ["K1", "K2"])


def test_a_file_over_the_size_limit_is_refused_before_reading(store, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "big.csv", strike_rows(50))
    monkeypatch.setattr(io, "MAX_FILE_BYTES", 1024)
    with pytest.raises(
        InputError, match=r"big\.csv: file is 0\.0 GiB, over the 0 GiB import limit; split it"
    ):
        import_file(store, path, "strikes")
    assert store.counts()["strikes"] == 0


HOSTILE = [
    "<script>alert('x')</script>",
    "Robert'); DROP TABLE strikes;--",
    "💣 bomblets near the 🏫",
    "קליע לא מתפוצץ ליד הבאר",
    "قنبلة عنقودية قرب البئر",
    '=HYPERLINK("http://example.invalid","click")',
    'line one\nline two, with "quotes"',
]


@pytest.mark.parametrize("suffix", [".csv", ".geojson", ".gpkg"])
def test_hostile_strings_are_stored_and_exported_verbatim(tmp_path, suffix):
    store = create_store(tmp_path / "s.gpkg")
    rows = strike_rows(len(HOSTILE), notes=HOSTILE)
    import_file(store, write_csv(tmp_path / "in.csv", rows), "strikes")
    assert list(store.read("strikes")["notes"]) == HOSTILE
    assert store.counts()["strikes"] == len(HOSTILE)
    out = tmp_path / f"out{suffix}"
    io.export_layer(store, "strikes", out)
    other = create_store(tmp_path / "t.gpkg")
    import_file(other, out, "strikes")
    assert list(other.read("strikes")["notes"]) == HOSTILE


# -- dates and labels as real files write them ----------------------------------------------


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        (["25/03/2024", "01/04/2024"], ["2024-03-25", "2024-04-01"]),  # day-first
        (["03/25/2024", "04/01/2024"], ["2024-03-25", "2024-04-01"]),  # month-first
        (["25.03.2024", "2024-04-01"], ["2024-03-25", "2024-04-01"]),  # with ISO beside it
    ],
)
def test_the_date_order_is_read_from_the_file_as_a_whole(store, tmp_path, written, stored):
    path = write_csv(tmp_path / "s.csv", strike_rows(2, date=written))
    import_file(store, path, "strikes")
    assert [d.isoformat() for d in store.read("strikes")["date"]] == stored


@pytest.mark.parametrize(
    ("written", "message", "month_first"),
    [
        (
            ["03/04/2024", "05/06/2024"],
            "every date such as '03/04/2024' reads day-first or",
            ["2024-03-04", "2024-05-06"],
        ),
        (  # read month-first, the day-first date is refused and skipped
            ["25/03/2024", "03/25/2024"],
            "mixes day-first and month-first dates",
            ["2024-03-25"],
        ),
    ],
)
def test_ambiguous_date_files_are_refused_until_the_format_is_given(
    store, tmp_path, capsys, written, message, month_first
):
    from remnant.cli import main

    path = write_csv(tmp_path / "s.csv", strike_rows(2, date=written))
    with pytest.raises(InputError, match=message):
        import_file(store, path, "strikes")
    assert store.counts()["strikes"] == 0
    args = ["import", str(store.backend.location), str(path), "--layer", "strikes"]
    assert main(args) == 1
    assert "give the format with --date-format" in capsys.readouterr().err
    assert main([*args, "--date-format", "%m/%d/%Y", "--skip-invalid"]) == 0
    assert [d.isoformat() for d in store.read("strikes")["date"]] == month_first


def test_labels_in_other_languages_and_capitals_map_to_values(tmp_path, capsys):
    from remnant.cli import main

    location = str(tmp_path / "p.gpkg")
    create_store(location)
    areas = hazard_frame(4)
    areas["status"] = ["Ouvert", "ABIERTO", "Fermé", "Worked on"]
    areas["kind"] = ["Suspected", "confirmed", "SHA", "CHA"]
    areas.to_file(tmp_path / "areas.gpkg")
    args = ["import", location, str(tmp_path / "areas.gpkg"), "--layer", "hazard_areas"]
    labels = [
        "--map-values",
        "status:Ouvert=open,Abierto=open,Fermé=open",
        "--map-values",
        "kind:Suspected=SHA,Confirmed=CHA",
    ]
    assert main([*args, *labels]) == 0, capsys.readouterr().err
    from remnant.store import open_store

    got = open_store(location).read("hazard_areas").sort_values("id")
    assert got["status"].tolist() == ["open", "open", "open", "worked_on"]
    assert got["kind"].tolist() == ["SHA", "CHA", "SHA", "CHA"]
    assert "stored as 'worked_on'" in capsys.readouterr().err
    areas["id"] = [f"X-{i}" for i in range(4)]
    areas["status"] = ["open", "Cerrado", "open", "open"]
    areas.to_file(tmp_path / "bad.gpkg")
    bad = ["import", location, str(tmp_path / "bad.gpkg"), "--layer", "hazard_areas"]
    assert main(bad) == 1
    err = capsys.readouterr().err
    assert "bad.gpkg, row 2, field 'status': must be one of: open, worked_on, closed" in err
    assert "(value 'Cerrado')" in err
    assert main([*bad, *labels]) == 1  # a label the mapping does not know: its labels named
    err = capsys.readouterr().err
    assert "handed_over, or a label read as one of them: Ouvert, Abierto, Fermé (value 'Cer" in err
    assert open_store(location).counts()["hazard_areas"] == 4


def test_export_in_a_national_crs_re_imports_with_it(store, tmp_path, ogrinfo):
    import subprocess

    import_file(store, write_csv(tmp_path / "s.csv", strike_rows(3)), "strikes")
    import_records(store, "hazard_areas", hazard_frame(2))
    io.export_layer(store, "strikes", tmp_path / "utm.csv", crs="EPSG:32636")
    io.export_layer(store, "hazard_areas", tmp_path / "utm.gpkg", crs="EPSG:32636")
    table = pd.read_csv(tmp_path / "utm.csv")
    assert {"x", "y"} <= set(table.columns)
    assert "lon" not in table.columns
    assert table["x"].between(100_000, 900_000).all()  # metres of a UTM zone
    info = subprocess.run(
        [ogrinfo, "-so", str(tmp_path / "utm.gpkg"), "hazard_areas"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "UTM zone 36N" in info
    again = create_store(tmp_path / "again.gpkg")
    import_file(again, tmp_path / "utm.csv", "strikes", crs="EPSG:32636")
    import_file(again, tmp_path / "utm.gpkg", "hazard_areas")
    a, b = store.read("strikes"), again.read("strikes")
    assert np.allclose(a.geometry.x, b.geometry.x, atol=1e-7)
    assert np.allclose(a.geometry.y, b.geometry.y, atol=1e-7)
    assert again.counts()["hazard_areas"] == 2
    with pytest.raises(InputError, match="GeoJSON is always in WGS 84"):
        io.export_layer(store, "strikes", tmp_path / "utm.geojson", crs="EPSG:32636")


def test_a_second_import_of_an_export_matches_on_external_ids(store, tmp_path):
    rows = strike_rows(3).drop(columns="id")
    rows["external_id"] = ["{A1}", "{A2}", "{A3}"]  # IMSMA-style GUIDs
    rows["external_system"] = "imsma"
    first = import_file(store, write_csv(tmp_path / "export.csv", rows), "strikes")
    ids = first.written.inserted
    assert len(set(ids)) == 3
    again = import_file(store, write_csv(tmp_path / "export.csv", rows), "strikes")
    assert again.written.unchanged == ids
    rows.loc[1, "accuracy_m"] = "75"  # the next export, one record corrected in IMSMA
    changed = write_csv(tmp_path / "export.csv", rows)
    with pytest.raises(ConflictError, match=ids[1]):
        import_file(store, changed, "strikes")
    report = import_file(store, changed, "strikes", update=True)
    assert report.written.updated == [ids[1]]
    assert store.counts()["strikes"] == 3
    assert store.get("strikes", ids[1])["accuracy_m"] == 75
    assert store.history(ids[1])["action"].tolist() == ["insert", "update"]
    other = rows.assign(external_system="operator")  # the same numbers in another system
    assert (
        len(import_file(store, write_csv(tmp_path / "op.csv", other), "strikes").written.inserted)
        == 3
    )


@pytest.mark.parametrize("chunk_rows", [2, 3, None])
def test_a_file_read_in_chunks_gives_the_same_verdict_as_read_whole(tmp_path, chunk_rows):
    """Chunks bound memory, not behaviour: the same rows refused with the same numbers,
    nothing written on refusal, the same rejects, and one date order for the whole file."""
    rows = strike_rows(7)
    rows["date"] = ["03/04/2023"] * 6 + ["25/03/2023"]  # only the last chunk says day-first
    rows.loc[1, "carriers"] = "many"
    rows.loc[5, "source_class"] = "tv"
    store = create_store(tmp_path / "p.gpkg")
    path = write_csv(tmp_path / "strikes.csv", rows)
    with pytest.raises(InvalidRecordsError) as info:
        import_file(store, path, "strikes", chunk_rows=chunk_rows)
    assert {(p.row, p.field) for p in info.value.problems} == {(3, "carriers"), (7, "source_class")}
    assert store.counts()["strikes"] == 0  # the good chunks before the bad were undone
    assert [f for f in verify(store) if f.severity != "notice"] == []
    report = import_file(store, path, "strikes", chunk_rows=chunk_rows, skip_invalid=True)
    assert (report.read, len(report.written.inserted), report.rejected) == (7, 5, 2)
    rejects = pd.read_csv(report.rejects_file, dtype=str, keep_default_na=False)
    assert list(rejects["row"]) == ["3", "7"]
    stored = store.read("strikes").set_index("id")["date"].astype(str)
    assert set(stored) == {"2023-04-03", "2023-03-25"}  # day-first, known from the last chunk
    gpkg = tmp_path / "strikes.gpkg"
    io.export_layer(store, "strikes", gpkg)
    again = create_store(tmp_path / "again.gpkg")
    report = import_file(again, gpkg, "strikes", chunk_rows=chunk_rows)
    assert (report.read, len(report.written.inserted)) == (5, 5)  # the five good rows
    assert store.read("strikes")["id"].tolist() == again.read("strikes")["id"].tolist()


def test_an_id_repeated_in_a_later_chunk_with_other_values_is_refused(store, tmp_path):
    rows = strike_rows(4)
    rows.loc[3, "id"] = "S-0"
    rows.loc[3, "carriers"] = "5"
    path = write_csv(tmp_path / "twice.csv", rows)
    with pytest.raises(ConflictError, match=r"S-0.*nothing was written"):
        import_file(store, path, "strikes", chunk_rows=2)
    assert store.counts()["strikes"] == 0


@pytest.mark.parametrize(
    ("dates", "reads"),
    [
        (["2023-04-03"] * 7, 4),  # ISO: nothing to decide, read once
        (["25/03/2023"] + ["03/04/2023"] * 6, 4),  # settled by the first chunk
        (["03/04/2023"] * 6 + ["25/03/2023"], 8),  # settled only by the last: twice
    ],
)
def test_a_file_is_read_twice_only_when_its_dates_need_it(tmp_path, dates, reads):
    rows = strike_rows(7).assign(date=dates)
    path = write_csv(tmp_path / "strikes.csv", rows)
    chunks = []

    def counted(frame):
        chunks.append(len(frame))
        return frame

    store = create_store(tmp_path / "p.gpkg")
    import_file(store, path, "strikes", chunk_rows=2, prepare=counted)
    assert len(chunks) == reads
    assert set(store.read("strikes")["date"].astype(str)) <= {"2023-04-03", "2023-03-25"}
