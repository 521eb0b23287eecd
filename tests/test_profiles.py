"""IMSMA Core's layout in and out: the sample data set in File Geodatabase, CSV and XLSX."""

import json
import subprocess

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely import Point

from remnant.cli import main
from remnant.demo import build_demo
from remnant.errors import InputError, InvalidRecordsError
from remnant.io import export_profile, import_profile
from remnant.profiles import Profile, shapefile_names
from remnant.store import create_store

FORMATS = ["gdb", "csv", "xlsx"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample IMSMA-layout data set: the synthetic demo programme (every record's
    source says SYNTHETIC) written in the imsma-core profile's layout, in each format."""
    folder = tmp_path_factory.mktemp("imsma")
    store = build_demo(folder / "demo", seed=3, maps=False)["store"]
    for fmt in FORMATS:
        export_profile(store, folder / fmt, "imsma-core", fmt=fmt)
    return folder


def source(folder, fmt):
    return folder / fmt if fmt == "csv" else folder / fmt / f"imsma-core.{fmt}"


def layer_frame(folder, fmt, name) -> pd.DataFrame:
    """A layer as written, values as text, geometry as shapely objects, by imsma_id."""
    if fmt == "csv":
        frame = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        if "wkt" in frame:
            frame["geometry"] = shapely.from_wkt(frame.pop("wkt").to_numpy())
    else:
        pyogrio.set_gdal_config_options({"OGR_XLSX_HEADERS": "FORCE"})  # row 1: the names
        try:
            frame = pyogrio.read_dataframe(source(folder.parent, fmt), layer=name)
        finally:
            pyogrio.set_gdal_config_options({"OGR_XLSX_HEADERS": None})
        if fmt == "xlsx" and "wkt" in frame:
            frame["geometry"] = shapely.from_wkt(frame.pop("wkt").to_numpy())
    frame = pd.DataFrame(frame).sort_values("imsma_id").reset_index(drop=True)
    geometry = frame.pop("geometry").to_numpy() if "geometry" in frame else None
    text = frame.astype(str).replace({"nan": "", "None": "", "NaT": "", "<NA>": ""})
    return text, geometry


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_sample_round_trips_field_for_field(sample, tmp_path, fmt):
    store = create_store(tmp_path / "programme.gpkg")
    reports = import_profile(store, source(sample, fmt), "imsma-core", user="im")
    assert [r.layer for r in reports] == [
        "hazard_areas",
        "activities",
        "items",
        "accidents",
        "victims",
    ]
    assert all(not r.warnings for r in reports)
    again = import_profile(store, source(sample, fmt), "imsma-core")
    assert sum(len(r.written.inserted) + len(r.written.updated) for r in again) == 0
    export_profile(store, tmp_path / fmt, "imsma-core", fmt=fmt)
    for lp in Profile.load("imsma-core").layers:
        before, shapes_before = layer_frame(sample / fmt, fmt, lp.name)
        after, shapes_after = layer_frame(tmp_path / fmt, fmt, lp.name)
        pd.testing.assert_frame_equal(before, after, obj=f"{fmt} {lp.name}")
        if shapes_before is not None:
            assert shapely.equals_exact(shapes_before, shapes_after, tolerance=1e-7).all()
    items = store.read("items")
    assert items["activity"].str.startswith("hazard_reduction_poly_").all()  # from the links
    assert (items["external_system"] == "imsma").all()


def test_gdal_reads_the_exported_geodatabase(sample, ogrinfo):
    out = subprocess.run(
        [ogrinfo, "-ro", "-so", "-al", str(source(sample, "gdb"))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in ("hazard_poly", "hazard_reduction_poly", "device", "accident", "victim"):
        assert f"Layer name: {name}" in out
    assert "imsma_id: String" in out
    assert "date_of_report: DateTime" in out


def test_csv_saved_by_a_spreadsheet_in_french_settings_reads_the_same(sample, tmp_path):
    # Semicolons between columns, decimal commas in numbers; WKT text keeps its points.
    folder = tmp_path / "fr"
    folder.mkdir()
    for path in (sample / "csv").glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in frame.columns.drop("wkt", errors="ignore"):
            frame[column] = frame[column].str.replace(r"^(-?\d+)\.(\d+)$", r"\1,\2", regex=True)
        frame.to_csv(folder / path.name, index=False, sep=";", encoding="utf-8-sig")
    assert "0,0;" in (folder / "device.csv").read_text("utf-8-sig")
    stores = {}
    for name, given in (("plain", sample / "csv"), ("fr", folder)):
        stores[name] = create_store(tmp_path / f"{name}.gpkg")
        import_profile(stores[name], given, "imsma-core")
    for layer in ("hazard_areas", "activities", "items", "accidents", "victims"):
        plain, fr = (stores[k].read(layer).sort_values("id", ignore_index=True) for k in stores)
        pd.testing.assert_frame_equal(plain, fr, obj=layer)


def test_layer_names_in_any_case_are_read_and_what_is_left_out_is_said(sample, tmp_path):
    # Windows and ArcGIS do not tell DEVICE.CSV from device.csv; a stray file is named.
    folder = tmp_path / "upper"
    folder.mkdir()
    for path in (sample / "csv").glob("*.csv"):
        (folder / path.name.upper()).write_bytes(path.read_bytes())
    (folder / "notes.csv").write_text("remark\nexported on Monday\n")
    stores = {}
    for name, given in (("plain", sample / "csv"), ("upper", folder)):
        stores[name] = create_store(tmp_path / f"{name}.gpkg")
        reports = import_profile(stores[name], given, "imsma-core")
    assert [r.layer for r in reports] == [lp.layer for lp in Profile.load("imsma-core").layers]
    said = [str(w) for r in reports for w in r.warnings]
    assert said == ["upper: not layers of the imsma-core profile, left out: notes.csv"]
    assert stores["plain"].counts() == stores["upper"].counts()
    gdb = tmp_path / "renamed.gdb"
    for name in pyogrio.list_layers(source(sample, "gdb"))[:, 0]:
        frame = pyogrio.read_dataframe(source(sample, "gdb"), layer=name)
        pyogrio.write_dataframe(frame, gdb, layer=name.title(), driver="OpenFileGDB")
    pyogrio.write_dataframe(frame, gdb, layer="Location", driver="OpenFileGDB")
    reports = import_profile(create_store(tmp_path / "gdb.gpkg"), gdb, "imsma-core")
    assert len(reports) == len(Profile.load("imsma-core").layers)
    said = [str(w) for r in reports for w in r.warnings]
    assert said == ["renamed.gdb: not layers of the imsma-core profile, left out: Location"]


@pytest.mark.filterwarnings("ignore:Normalized/laundered field name:RuntimeWarning")
def test_shapefile_names_are_the_names_gdal_gives(tmp_path):
    names = [f"abcdefghijX{i}" for i in range(12)] + ["ABCDEFGHIJk", "hazard_name", "status"]
    frame = gpd.GeoDataFrame({n: [1] for n in names}, geometry=[Point(0, 0)], crs=4326)
    pyogrio.write_dataframe(frame, tmp_path / "x.shp")
    gdal = pyogrio.read_info(tmp_path / "x.shp")["fields"].tolist()
    assert list(shapefile_names(names).values()) == gdal


@pytest.mark.filterwarnings("ignore:Normalized/laundered field name:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:Field .* created as String field:RuntimeWarning")
def test_a_folder_of_shapefiles_reads_as_the_geodatabase(sample, tmp_path):
    # As GDAL or ArcGIS write the layers out: names cut to 10 characters (last_edited_user
    # and last_edited_date become last_edite and last_edi_1), dates and times as GDAL's
    # text (2024/01/15 00:00:00+00), a table without shapes as a .dbf alone.
    folder = tmp_path / "shp"
    folder.mkdir()
    gdb = source(sample, "gdb")
    for name in pyogrio.list_layers(gdb)[:, 0]:
        frame = pyogrio.read_dataframe(gdb, layer=name)
        frame["last_edited_user"], frame["last_edited_date"] = "im", "2024-05-01"
        pyogrio.write_dataframe(frame, folder / f"{name}.shp", driver="ESRI Shapefile")
    assert not (folder / "victim.shp").exists()
    assert (folder / "victim.dbf").exists()
    columns = pyogrio.read_info(folder / "hazard_poly.shp")["fields"]
    assert {"hazard_nam", "date_of_re", "last_edite", "last_edi_1"} <= set(columns)
    stores = {}
    for name, given in (("gdb", gdb), ("shp", folder)):
        stores[name] = create_store(tmp_path / f"{name}.gpkg")
        reports = import_profile(stores[name], given, "imsma-core")
        assert len(reports) == 5
    for layer in ("hazard_areas", "activities", "items", "accidents", "victims"):
        gdb_records, shp_records = (
            stores[k].read(layer).sort_values("id", ignore_index=True) for k in stores
        )
        pd.testing.assert_frame_equal(gdb_records, shp_records, obj=layer)
    (folder / "device.csv").write_text("imsma_id\n")
    with pytest.raises(InputError, match=r"holds both device\.csv, device\.shp: keep one"):
        import_profile(create_store(tmp_path / "both.gpkg"), folder, "imsma-core")


def test_labels_in_other_languages_and_capitals_and_wrong_ones(sample, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    areas = pd.read_csv(sample / "csv" / "hazard_poly.csv", dtype=str, keep_default_na=False)
    kinds = {
        "Suspected Hazardous Area": "ZONE SUSPECTÉE DANGEREUSE",
        "Confirmed Hazardous Area": "zona peligrosa confirmada",
    }
    areas["hazard_type"] = areas["hazard_type"].map(kinds)
    areas.to_csv(folder / "hazard_poly.csv", index=False)
    store = create_store(tmp_path / "p.gpkg")
    import_profile(store, folder, "imsma-core")
    stored = store.read("hazard_areas").set_index("id")["kind"]
    expected = areas.set_index("imsma_id")["hazard_type"].map(
        {"ZONE SUSPECTÉE DANGEREUSE": "SHA", "zona peligrosa confirmada": "CHA"}
    )
    assert (stored.loc[expected.index] == expected).all()
    # Stored canonical, the label as the file gave it kept in the audit.
    first = areas.iloc[0]
    after = json.loads(store.history(first["imsma_id"])["after"].iloc[0])
    assert after["kind"] == expected[first["imsma_id"]]
    assert after["read_as"]["kind"] == first["hazard_type"]
    areas.loc[[2, 5], "hazard_type"] = ["Suspicious", "Confirmed Hazardus Area"]
    areas.to_csv(folder / "hazard_poly.csv", index=False)
    fresh = create_store(tmp_path / "q.gpkg")
    with pytest.raises(InvalidRecordsError) as info:
        import_profile(fresh, folder, "imsma-core")
    lines = info.value.report().splitlines()
    assert len(lines) == 2
    # Each names the file's column, the values, the profile's labels for them, the value.
    assert lines[0] == (
        "hazard_poly.csv, row 4, column 'hazard_type' (field 'kind'): must be one of: SHA, "
        "CHA, or a label read as one of them: Suspected Hazardous Area, SHA, Zone suspectée "
        "dangereuse, Zona sospechosa peligrosa, Confirmed Hazardous Area, CHA, Zone "
        "dangereuse confirmée, Zona peligrosa confirmada (value 'Suspicious')"
    )
    # A slip of the keyboard is shown the label it nearly is.
    assert lines[1].startswith("hazard_poly.csv, row 7, column 'hazard_type' (field 'kind')")
    assert lines[1].endswith(
        "did you mean 'Confirmed Hazardous Area'? (value 'Confirmed Hazardus Area')"
    )
    assert fresh.counts()["hazard_areas"] == 0


def test_a_status_the_activities_do_not_allow_is_a_warning(sample, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    areas = pd.read_csv(sample / "csv" / "hazard_poly.csv", dtype=str, keep_default_na=False)
    areas["status"] = "Closed"  # no activities come with them: land is left in each
    areas.head(3).to_csv(folder / "hazard_poly.csv", index=False)
    store = create_store(tmp_path / "p.gpkg")
    (report,) = import_profile(store, folder, "imsma-core")
    assert len(report.warnings) == 3
    assert "the file's 'closed' was not applied" in str(report.warnings[0])
    assert set(store.read("hazard_areas")["status"]) == {"open"}


def test_the_command_line_takes_a_profile(sample, tmp_path, capsys):
    store, gdb = str(tmp_path / "p.gpkg"), str(source(sample, "gdb"))
    assert main(["init", store]) == 0
    assert main(["import", store, gdb, "--profile", "imsma-core"]) == 0
    assert "items: imsma-core.gdb:" in capsys.readouterr().out
    out = tmp_path / "out"
    assert main(["export", store, str(out), "--profile", "imsma-core", "--format", "csv"]) == 0
    names = ("hazard_poly", "hazard_reduction_poly", "device", "accident", "victim")
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.csv" for n in names)
    assert main(["import", store, gdb]) != 0
    assert "give --layer, or --profile" in capsys.readouterr().err
