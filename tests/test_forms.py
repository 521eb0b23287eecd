"""Field forms: XLSForms made from the rules (compiled by pyxform), and submissions as ODK
Central and KoboToolbox export them, queued for review through the gate."""

import io
import json
import zipfile

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyxform.xls2xform import convert

from remnant import records
from remnant.cli import main
from remnant.entities import ALLOWED_OUTCOMES, ENTITIES
from remnant.errors import ConflictError, InputError, InvalidRecordsError
from remnant.forms import GPS_SIGMA, build_form, import_submissions, write_form
from remnant.store import attachments

MUNITIONS = {"m77_m26": "M77 in M26 rocket", "dpicm_m483a1": "M42/M46 in M483A1 shell"}
UUIDS = [f"uuid:{i:08d}-aaaa-4bbb-8ccc-{i:012d}" for i in range(1, 4)]
STRIKES = [  # the values a team entered; the third one's kind of report is not in the list
    {"date": "2024-03-25", "munition": "m77_m26", "carriers": "2", "source_class": "surveyed"},
    {"date": "2024-04-02", "munition": "dpicm_m483a1", "carriers": "3", "source_class": "media"},
    {"date": "2024-04-09", "munition": "m77_m26", "carriers": "1", "source_class": "rumour"},
]
PLACES = [(48.01, 37.80, 212.0, 4.5), (48.02, 37.81, 190.5, 12.0), (48.03, 37.82, 0.0, 30.0)]


@pytest.mark.parametrize("layer", list(ENTITIES))
def test_pyxform_compiles_every_form(tmp_path, layer):
    path = write_form(tmp_path / f"{layer}.xlsx", layer, munitions=MUNITIONS)
    warnings: list = []
    xform = convert(xlsform=str(path), warnings=warnings).xform
    assert warnings == []
    assert f"remnant_{layer}" in xform
    survey = build_form(layer, munitions=MUNITIONS)["survey"].set_index("name")
    for f in ENTITIES[layer].fields:
        if f.name in ("external_id", "external_system") or f.derived:
            assert f.name not in survey.index  # set by remnant, never asked for
            continue
        assert (survey.at[f.name, "required"] == "yes") == f.required
        if f.choices:
            assert survey.at[f.name, "type"] == f"select_one {f.name}"
            assert all(f"<name>{c}</name>" in xform for c in f.choices), f.name
        if f.kind == "date":
            assert "today()" in survey.at[f.name, "constraint"]


def test_a_programme_adds_its_language_from_a_labels_file(tmp_path):
    labels = tmp_path / "labels-fr.toml"
    labels.write_text(
        "# DRAFT: machine translation, needs review by a native speaker\n"
        '[fr.fields.strikes]\nmunition = "Munition"\ndate = "Date de l\'attaque"\n'
        '[fr.choices.source_class]\nmedia = "Presse"\n'
        '[km.fields.strikes]\ndate = "កាលបរិច្ឆេទនៃការវាយប្រហារ"\n',
        "utf-8",
    )
    sheets = build_form("strikes", languages=("fr", "en"), labels=labels, munitions=MUNITIONS)
    survey = sheets["survey"].set_index("name")
    assert survey.at["date", "label::Français (fr)"] == "Date de l'attaque"
    assert survey.at["notes", "label::Français (fr)"] == "Remarques"  # the packaged draft
    khmer = build_form("strikes", languages=("km",), labels=labels)["survey"].set_index("name")
    assert khmer.at["source", "label::km (km)"] == "Source"  # no Khmer label: English
    choices = sheets["choices"].set_index("name")
    assert choices.at["media", "label::Français (fr)"] == "Presse"
    assert sheets["settings"].at[0, "default_language"] == "Français (fr)"
    path = tmp_path / "fr.xlsx"
    write_form(path, "strikes", languages=("fr", "en"), labels=labels)
    assert 'lang="Français (fr)"' in convert(xlsform=str(path)).xform
    with pytest.raises(InputError, match="no form labels in km"):  # Khmer: none packaged
        build_form("strikes", languages=("km",))


def odk_central_csv(path, rows, places, uuids):
    """The strikes as ODK Central's CSV export lays them out (the ODK Briefcase format):
    SubmissionDate, the values (a programme's group 'details' around two questions),
    the geopoint in four columns, meta-instanceID, KEY and Central's own columns."""
    records = []
    for values, (lat, lon, alt, acc), uuid in zip(rows, places, uuids, strict=True):
        records.append(
            {
                "SubmissionDate": "2024-04-10T08:15:00.000Z",
                "date": values["date"],
                "details-munition": values["munition"],
                "details-carriers": values["carriers"],
                "source_class": values["source_class"],
                "accuracy_m": "",
                "location-Latitude": lat,
                "location-Longitude": lon,
                "location-Altitude": alt,
                "location-Accuracy": acc,
                "meta-instanceID": uuid,
                "KEY": uuid,
                "SubmitterID": "7",
                "SubmitterName": "team 3",
                "AttachmentsPresent": "0",
                "AttachmentsExpected": "0",
                "Status": "",
                "ReviewState": "",
                "DeviceID": "collect:abc",
                "Edits": "0",
                "FormVersion": "20240301",
            }
        )
    pd.DataFrame(records).to_csv(path, index=False)
    return path


def kobo_export(path, rows, places, uuids):
    """The same as KoboToolbox exports it with 'XML values and headers': groups joined by
    '/', the geopoint as 'lat lon alt acc' with _location_latitude … _location_precision,
    _id, _uuid, _submission_time; CSV with ';' between values, or XLSX."""
    records = []
    for n, (values, (lat, lon, alt, acc), uuid) in enumerate(
        zip(rows, places, uuids, strict=True), start=1
    ):
        records.append(
            {
                "start": "2024-04-10T07:00:00.000+03:00",
                "details/date": values["date"],
                "details/munition": values["munition"],
                "details/carriers": values["carriers"],
                "source_class": values["source_class"],
                "location": f"{lat} {lon} {alt} {acc}",
                "_location_latitude": lat,
                "_location_longitude": lon,
                "_location_altitude": alt,
                "_location_precision": acc,
                "_id": 1000 + n,
                "_uuid": uuid.removeprefix("uuid:"),
                "_submission_time": "2024-04-10T08:15:00",
                "_validation_status": "",
                "_notes": "",
                "_status": "submitted_via_web",
                "_submitted_by": "team3",
                "__version__": "vabc",
                "_tags": "",
                "_index": n,
            }
        )
    frame = pd.DataFrame(records)
    if path.suffix == ".xlsx":
        frame.to_excel(path, sheet_name="remnant strikes", index=False)
    else:
        frame.to_csv(path, index=False, sep=";")
    return path


EXPORTS = {
    "odk-central.csv": odk_central_csv,
    "kobo.csv": kobo_export,
    "kobo.xlsx": kobo_export,
}


@pytest.mark.parametrize("export", list(EXPORTS))
def test_submissions_wait_for_review_with_their_ids_places_and_accuracy(store, tmp_path, export):
    form = write_form(tmp_path / "strikes.xlsx", "strikes", munitions=MUNITIONS)
    path = EXPORTS[export](tmp_path / export, STRIKES, PLACES, UUIDS)
    with pytest.raises(InvalidRecordsError) as refused:  # all or nothing by default
        import_submissions(store, path, form, user="team3")
    (problem,) = refused.value.problems
    assert (problem.row, problem.field, problem.value) == (4, "source_class", "rumour")
    assert store.reviews().empty
    report = import_submissions(store, path, form, user="team3", skip_invalid=True)
    assert (report.read, len(report.pending["strikes"]), len(report.problems)) == (
        {"strikes": 3},
        2,
        1,
    )
    system = "kobo" if export.startswith("kobo") else "odk"
    ids = [u if system == "odk" else u.removeprefix("uuid:") for u in UUIDS[:2]]
    pending = store.reviews("pending").set_index("record_id")
    assert sorted(pending.index) == sorted(ids)
    for i, (lat, lon, _alt, acc) in zip(ids, PLACES, strict=False):
        proposal = json.loads(pending.at[i, "proposal"])
        assert (proposal["external_id"], proposal["external_system"]) == (i, system)
        assert proposal["geometry"] == f"POINT ({lon} {lat})"
        assert proposal["accuracy_m"] == pytest.approx(round(acc * GPS_SIGMA, 1))
        assert pending.at[i, "submitted_by"] == "team3"
    assert store.counts()["strikes"] == 0  # nothing reaches a map before review
    again = import_submissions(store, path, form, user="team3", skip_invalid=True)
    assert again.pending == {"strikes": []}  # a re-import adds nothing
    assert len(store.reviews()) == 2
    store.decide("strikes", ids[0], True, by="admin")
    stored = store.get("strikes", ids[0])
    assert (stored["external_id"], stored["munition"]) == (ids[0], "m77_m26")
    again = import_submissions(store, path, form, user="team3", skip_invalid=True)
    assert again.pending == {"strikes": []}  # stored unchanged, the other still waiting


def test_a_geoshape_comes_in_as_the_area(store, tmp_path):
    form = write_form(tmp_path / "areas.xlsx", "hazard_areas")
    ring = "48.0 37.8 0 5;48.0 37.81 0 5;48.01 37.81 0 5;48.01 37.8 0 5;48.0 37.8 0 5;"
    pd.DataFrame(
        {
            "SubmissionDate": ["2024-04-10T08:15:00.000Z"],
            "name": ["Field north of the school"],
            "kind": ["SHA"],
            "status": ["open"],
            "area": [ring],
            "meta-instanceID": [UUIDS[0]],
            "KEY": [UUIDS[0]],
        }
    ).to_csv(tmp_path / "areas.csv", index=False)
    report = import_submissions(store, tmp_path / "areas.csv", form, user="team3")
    proposal = json.loads(store.reviews("pending").at[0, "proposal"])
    assert report.pending == {"hazard_areas": [UUIDS[0]]}
    assert proposal["geometry"].startswith("MULTIPOLYGON (((37.8 48")


def test_the_command_line_makes_forms_and_takes_submissions(store, tmp_path, capsys):
    path = str(store.backend.path)
    form = tmp_path / "strikes.xlsx"
    assert main(["forms", path, "--layer", "strikes", "--out", str(form)]) == 0
    choices = pd.read_excel(form, sheet_name="choices")
    assert "9n210_9m27k" in set(choices["name"])  # the store's catalogue
    export = odk_central_csv(tmp_path / "export.csv", STRIKES, PLACES, UUIDS)
    capsys.readouterr()
    assert main(["import", path, str(export), "--form", str(form)]) == 1
    assert "row 4, field 'source_class'" in capsys.readouterr().err
    code = main(["import", path, str(export), "--form", str(form), "--skip-invalid"])
    out = capsys.readouterr()
    assert code == 0
    assert "3 submissions of strikes, 2 new waiting for review, 1 refused" in out.out
    assert "refused: export.csv, row 4, field 'source_class'" in out.err
    assert main(["forms", path, "--layer", "strikes", "--out", str(form)]) == 1  # exists
    assert "pass --overwrite to replace it" in capsys.readouterr().err


ACCIDENTS = [  # two accidents as a team reported them; the second killed no one
    {"date": "2024-03-25", "killed": "1", "injured": "2"},
    {"date": "2024-04-02", "killed": "0", "injured": "1"},
]
VICTIMS = [  # (accident, outcome, sex, age group, category)
    (0, "killed", "male", "child", "civilian"),
    (0, "injured", "female", "adult", "civilian"),
    (0, "injured", "male", "adult", "deminer"),
    (1, "injured", "female", "child", "civilian"),
]


def accident_exports(folder, layout):
    """ODK Central's .zip (the main CSV and NAME-victims.csv with PARENT_KEY and KEY), the
    same two CSV files unzipped, and KoboToolbox's XLSX (a 'victims' sheet whose rows name
    their submission in _submission__uuid)."""
    main, odk_victims, kobo_victims = [], [], []
    for n, (values, (lat, lon, alt, acc), uuid) in enumerate(
        zip(ACCIDENTS, PLACES, UUIDS, strict=False), start=1
    ):
        main.append(
            {
                "SubmissionDate": "2024-04-10T08:15:00.000Z",
                **values,
                "location-Latitude": lat,
                "location-Longitude": lon,
                "location-Altitude": alt,
                "location-Accuracy": acc,
                "SET-OF-victims": f"{uuid}/victims",
                "meta-instanceID": uuid,
                "KEY": uuid,
                "_index": n,
            }
        )
    for k, (parent, outcome, sex, age, category) in enumerate(VICTIMS, start=1):
        uuid = UUIDS[parent]
        order = sum(v[0] == parent for v in VICTIMS[:k])
        answers = {
            "victim_outcome": outcome,
            "victim_sex": sex,
            "victim_age_group": age,
            "victim_category": category,
        }
        odk_victims.append(
            answers
            | {
                "PARENT_KEY": uuid,
                "KEY": f"{uuid}/victims[{order}]",
                "SET-OF-victims": f"{uuid}/victims",
            }
        )
        kobo_victims.append(
            {f"victims/{q}": a for q, a in answers.items()}
            | {
                "_index": k,
                "_parent_table_name": "remnant: accidents",
                "_parent_index": parent + 1,
                "_submission__id": 1000 + parent,
                "_submission__uuid": uuid.removeprefix("uuid:"),
            }
        )
    main = pd.DataFrame(main)
    if layout == "kobo.xlsx":
        kobo = main.drop(columns=["SubmissionDate", "SET-OF-victims", "meta-instanceID", "KEY"])
        kobo["location"] = [f"{p[0]} {p[1]} {p[2]} {p[3]}" for p in PLACES[:2]]
        kobo = kobo.rename(columns=lambda c: c.replace("location-", "_location_").lower())
        kobo = kobo.rename(columns={"_location_accuracy": "_location_precision"})
        kobo["_uuid"] = [u.removeprefix("uuid:") for u in UUIDS[:2]]
        path = folder / "kobo.xlsx"
        with pd.ExcelWriter(path) as out:
            kobo.to_excel(out, sheet_name="remnant accidents", index=False)
            pd.DataFrame(kobo_victims).to_excel(out, sheet_name="victims", index=False)
        return path
    main = main.drop(columns=["_index"])
    main.to_csv(folder / "remnant_accidents.csv", index=False)
    pd.DataFrame(odk_victims).to_csv(folder / "remnant_accidents-victims.csv", index=False)
    if layout == "odk-central.csv":
        return folder / "remnant_accidents.csv"
    path = folder / "remnant_accidents.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("remnant_accidents.csv", "remnant_accidents-victims.csv"):
            archive.write(folder / name, name)
    return path


@pytest.mark.parametrize("layout", ["odk-central.zip", "odk-central.csv", "kobo.xlsx"])
def test_an_accident_comes_in_with_its_victims_from_the_repeat(store, tmp_path, layout):
    form = write_form(tmp_path / "accidents.xlsx", "accidents")
    survey = pd.read_excel(form, sheet_name="survey").fillna("")
    assert ("begin_repeat", "victims") in set(zip(survey["type"], survey["name"], strict=True))
    path = accident_exports(tmp_path, layout)
    report = import_submissions(store, path, form, user="team3")
    assert report.read == {"accidents": 2, "victims": 4}
    kobo = layout.startswith("kobo")
    accidents = [u.removeprefix("uuid:") if kobo else u for u in UUIDS[:2]]
    victims = [
        f"{accidents[p]}/victims[{sum(v[0] == p for v in VICTIMS[: k + 1])}]"
        for k, (p, *_) in enumerate(VICTIMS)
    ]
    assert report.pending == {"accidents": accidents, "victims": victims}
    pending = store.reviews("pending").set_index("record_id")
    for (p, outcome, sex, age, category), victim in zip(VICTIMS, victims, strict=True):
        proposal = json.loads(pending.at[victim, "proposal"])
        assert proposal["accident"] == accidents[p]
        assert proposal["external_id"] == victim
        assert (proposal["outcome"], proposal["sex"], proposal["age_group"]) == (outcome, sex, age)
        assert proposal["category"] == category
    again = import_submissions(store, path, form, user="team3")
    assert again.pending == {"accidents": [], "victims": []}
    with pytest.raises(InvalidRecordsError) as refused:  # its accident first
        store.decide("victims", victims[0], True, by="admin")
    assert "field 'accident': no such record in accidents" in refused.value.report()
    store.decide("accidents", accidents[0], True, by="admin")
    store.decide("victims", victims[0], True, by="admin")
    assert store.get("victims", victims[0])["accident"] == accidents[0]


def test_a_refused_accident_takes_its_victims_with_it(store, tmp_path):
    form = write_form(tmp_path / "accidents.xlsx", "accidents")
    accident_exports(tmp_path, "odk-central.zip")
    main = pd.read_csv(tmp_path / "remnant_accidents.csv", dtype=str)
    main.loc[1, "date"] = "2091-01-01"  # the second accident dated in the future
    main.to_csv(tmp_path / "remnant_accidents.csv", index=False)
    path = tmp_path / "edited.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("remnant_accidents.csv", "remnant_accidents-victims.csv"):
            archive.write(tmp_path / name, name)
    with pytest.raises(InvalidRecordsError):
        import_submissions(store, path, form, user="team3")
    assert store.reviews().empty  # all or nothing: not even the good accident waits
    report = import_submissions(store, path, form, user="team3", skip_invalid=True)
    assert (len(report.pending["accidents"]), len(report.pending["victims"])) == (1, 3)
    assert {(p.field, p.message) for p in report.problems} == {
        ("date", "date is in the future"),
        ("accident", "no such record in accidents"),
    }
    assert "2 submissions of accidents, 1 new waiting for review; 4 victims, 3 new" in str(report)


def test_a_kobo_export_with_labels_for_headers_and_values(store, tmp_path):
    """KoboToolbox's default export writes question labels as headers, group labels
    before '/', '_LABEL_latitude' … for a geopoint and choice labels as values."""
    form = write_form(tmp_path / "strikes.xlsx", "strikes", munitions=MUNITIONS)
    survey = build_form("strikes", munitions=MUNITIONS)["survey"].set_index("name")
    choices = build_form("strikes", munitions=MUNITIONS)["choices"]
    said = survey["label::English (en)"]
    named = dict(zip(choices["name"], choices["label::English (en)"], strict=True))
    path = kobo_export(tmp_path / "kobo.xlsx", STRIKES[:2], PLACES[:2], UUIDS[:2])
    raw = pd.read_excel(path, dtype=str)
    for column in ("details/munition", "source_class"):
        raw[column] = raw[column].map(named)
    where = said["location"]
    raw = raw.rename(
        columns={
            "details/date": f"Details/{said['date']}",
            "details/munition": f"Details/{said['munition']}",
            "details/carriers": f"Details/{said['carriers']}",
            "source_class": said["source_class"],
            "location": where,
            **{f"_location_{p}": f"_{where}_{p}" for p in ("latitude", "longitude", "precision")},
            "_location_altitude": f"_{where}_altitude",
        }
    )
    raw.to_excel(path, index=False)
    report = import_submissions(store, path, form, user="team3")
    ids = [u.removeprefix("uuid:") for u in UUIDS[:2]]
    assert report.pending == {"strikes": ids}
    pending = store.reviews("pending").set_index("record_id")
    for values, (lat, lon, _alt, _acc), i in zip(STRIKES, PLACES, ids, strict=False):
        proposal = json.loads(pending.at[i, "proposal"])
        assert (proposal["munition"], proposal["source_class"]) == (
            values["munition"],
            values["source_class"],
        )
        assert proposal["carriers"] == int(values["carriers"])
        assert proposal["geometry"] == f"POINT ({lon} {lat})"


def test_the_phone_asks_what_the_gate_checks_across_fields():
    survey = build_form("activities")["survey"].set_index("name")
    assert survey.at["depth_cm", "required"] == "${type} = 'clearance'"
    assert "(${start} = '' or . >= ${start})" in survey.at["end", "constraint"]
    assert survey.at["outcome", "choice_filter"] == "selected(for_type, ${type})"
    choices = build_form("activities")["choices"]
    outcomes = choices[choices["list_name"] == "outcome"].set_index("name")["for_type"]
    for kind, allowed in ALLOWED_OUTCOMES.items():
        assert {o for o in outcomes.index if kind in outcomes[o].split()} == set(allowed)


VALID = {  # one record a team would enter on each field form (the store holds H-1, ACC-1)
    "strikes": {"date": "2024-03-25", "munition": "m77_m26", "carriers": "2",
                "source_class": "surveyed"},
    "hazard_areas": {"name": "North field", "kind": "SHA", "status": "open"},
    "activities": {"type": "TS", "organisation": "Team 3", "start": "2024-03-25",
                   "hazard_area": "H-1", "outcome": "confirmed"},
    "items": {"date": "2024-03-26", "munition": "m77_m26", "category": "submunition",
              "state": "dud", "destroyed": "true"},
    "accidents": {"date": "2024-03-20", "killed": "0", "injured": "1",
                  "context": "remnants"},
    "victims": {"accident": "ACC-1", "outcome": "injured", "sex": "female",
                "age_group": "child", "category": "civilian"},
    "victim_assistance": {"victim": "VIC-1", "date": "2024-03-21",
                          "type": "emergency_medical", "follow_up": "2024-06-01"},
    "risk_education": {"date": "2024-03-22", "organisation": "NGO A",
                       "method": "school_session", "girls_0_12": "14", "boys_0_12": "11"},
}  # fmt: skip
FIELD_POINT = (48.0101, 37.8001, 100.0, 6.0)
FIELD_AREA = "48.0 37.8 0 5;48.0 37.81 0 5;48.01 37.81 0 5;48.01 37.8 0 5;48.0 37.8 0 5"


@pytest.mark.parametrize("export", ["odk-central.csv", "kobo.xlsx"])
@pytest.mark.parametrize("layer", list(VALID))
def test_every_field_form_brings_its_record_in(store, tmp_path, layer, export):
    store.write("hazard_areas", gpd.GeoDataFrame(
        {"id": ["H-1"], "kind": ["SHA"], "status": ["open"]},
        geometry=[shapely.box(37.79, 47.99, 37.82, 48.02)], crs=4326))  # fmt: skip
    store.write("accidents", gpd.GeoDataFrame({"id": ["ACC-1"], "date": ["2024-03-20"]},
                geometry=[shapely.Point(37.8, 48.0)], crs=4326))  # fmt: skip
    store.write("victims", pd.DataFrame({"id": ["VIC-1"], "accident": ["ACC-1"],
                                         "outcome": ["injured"]}))  # fmt: skip
    form = write_form(tmp_path / f"{layer}.xlsx", layer, munitions=MUNITIONS)
    kobo = export.startswith("kobo")
    row = dict(VALID[layer])
    geometry = records.entity(layer).geometry
    lat, lon, alt, acc = FIELD_POINT
    if geometry == "POINT" and kobo:
        row |= {"location": f"{lat} {lon} {alt} {acc}", "_location_latitude": lat,
                "_location_longitude": lon, "_location_altitude": alt,
                "_location_precision": acc}  # fmt: skip
    elif geometry == "POINT":
        row |= {"location-Latitude": lat, "location-Longitude": lon,
                "location-Altitude": alt, "location-Accuracy": acc}  # fmt: skip
    elif geometry:
        row["area"] = FIELD_AREA
    instance = UUIDS[0]
    if kobo:
        row |= {"_id": 1, "_uuid": instance.removeprefix("uuid:"), "_index": 1}
        instance = instance.removeprefix("uuid:")
        with pd.ExcelWriter(tmp_path / export) as out:
            pd.DataFrame([row]).to_excel(out, sheet_name="remnant", index=False)
            if layer == "accidents":  # KoboToolbox writes a sheet per repeat, rows or not
                columns = ["victims/victim_outcome", "_index", "_submission__uuid"]
                pd.DataFrame(columns=columns).to_excel(out, sheet_name="victims", index=False)
    else:
        row |= {"meta-instanceID": instance, "KEY": instance}
        pd.DataFrame([row]).to_csv(tmp_path / export, index=False)
    report = import_submissions(store, tmp_path / export, form, user="team3")
    assert report.pending[layer] == [instance]
    proposal = json.loads(store.reviews("pending").at[0, "proposal"])
    assert (proposal["external_id"], proposal["external_system"]) == (
        instance,
        "kobo" if kobo else "odk",
    )
    if geometry == "POINT":
        assert proposal["geometry"] == f"POINT ({lon} {lat})"
    elif geometry:
        assert proposal["geometry"].startswith("MULTIPOLYGON (((37.8 48")
    if "accuracy_m" in proposal:
        assert proposal["accuracy_m"] == pytest.approx(round(acc * GPS_SIGMA, 1))
    store.decide(layer, instance, True, by="admin")
    assert store.get(layer, instance)["external_id"] == instance


def test_a_kobo_csv_cannot_carry_the_victims_and_says_so(store, tmp_path):
    """KoboToolbox's CSV export leaves repeats out: refused, nothing queued."""
    form = write_form(tmp_path / "accidents.xlsx", "accidents")
    path = tmp_path / "kobo.csv"
    pd.DataFrame(
        {"date": ["2024-03-20"], "location": ["48.0 37.8 100 5"], "_uuid": ["abc"]}
    ).to_csv(path, index=False, sep=";")
    with pytest.raises(InputError, match="KoboToolbox's as XLSX"):
        import_submissions(store, path, form, user="team3")
    assert store.reviews().empty


def jpeg(colour) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "JPEG")
    return out.getvalue()


def test_photos_come_in_with_their_records_and_wait_for_review(store, tmp_path):
    """ODK Central's .zip 'with media': the CSV names each photo, media/ holds it."""
    form = write_form(tmp_path / "strikes.xlsx", "strikes", munitions=MUNITIONS)
    xform = convert(xlsform=str(form), warnings=[]).xform
    assert 'type="binary" orx:max-pixels="2048"' in xform  # the phone scales it down
    csv_path = odk_central_csv(tmp_path / "strikes.csv", STRIKES, PLACES, UUIDS)
    table = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    table["photo"] = ["1712730000001.jpg", "1712730000002.jpg", "1712730000003.jpg"]
    table.to_csv(csv_path, index=False)
    photo = jpeg((120, 80, 40))
    path = tmp_path / "strikes.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(csv_path, "strikes.csv")
        archive.writestr("media/1712730000001.jpg", photo)
        archive.writestr("media/1712730000002.jpg", b"not a photo at all")
        archive.writestr("media/1712730000003.jpg", photo)  # its record is refused
    report = import_submissions(store, path, form, user="team3", skip_invalid=True)
    assert (len(report.pending["strikes"]), len(report.photos)) == (2, 1)
    (refused,) = report.photo_problems  # the record still comes in
    assert refused == (
        f"{UUIDS[1]}: photo refused: 1712730000002.jpg: not a JPEG, PNG, TIFF or PDF file "
        "(read from its content)"
    )
    assert "1 new photo(s) waiting for review" in str(report)
    with pytest.raises(ConflictError, match="approve that record first"):
        store.decide("attachments", report.photos[0], True, by="admin")
    store.decide("strikes", UUIDS[0], True, by="admin")
    store.decide("attachments", report.photos[0], True, by="admin")
    (kept,) = attachments.listing(store, "strikes", UUIDS[0]).itertuples()
    assert (kept.kind, kept.name) == ("photo", "1712730000001.jpg")
    assert attachments.read(store, kept.id)[1] == photo
    history = store.history(UUIDS[0])
    assert history[["user", "action"]].values.tolist()[-1] == ["team3", "attach"]
    again = import_submissions(store, path, form, user="team3", skip_invalid=True)
    assert again.photos == []  # kept already, nothing added


def test_kobo_photos_from_the_downloaded_media_folder_through_the_command_line(
    store, tmp_path, capsys
):
    """KoboToolbox exports name the files; its media download keeps one folder per
    submission, where two phones may give a photo the same name."""
    path = str(store.backend.path)
    form = write_form(tmp_path / "strikes.xlsx", "strikes", munitions=MUNITIONS)
    export = kobo_export(tmp_path / "kobo.xlsx", STRIKES[:2], PLACES[:2], UUIDS[:2])
    table = pd.read_excel(export, dtype=str)
    table["photo"] = ["IMG_0001.jpg", "IMG_0001.jpg"]
    table.to_excel(export, sheet_name="remnant strikes", index=False)
    media = tmp_path / "downloaded"
    photos = {}
    for n, uuid in enumerate(UUIDS[:2]):
        folder = media / "team3" / "attachments" / "form" / uuid.removeprefix("uuid:")
        folder.mkdir(parents=True)
        photos[uuid.removeprefix("uuid:")] = jpeg((60 * n, 100, 100))
        (folder / "IMG_0001.jpg").write_bytes(photos[uuid.removeprefix("uuid:")])
    args = ["import", path, str(export), "--form", str(form), "--media", str(media)]
    assert main(args) == 0
    assert "2 new photo(s) waiting for review" in capsys.readouterr().out
    for record_id, data in photos.items():
        store.decide("strikes", record_id, True, by="admin")
        waiting = store.reviews("pending")
        att_id = waiting.loc[waiting["layer"] == "attachments", "record_id"].iloc[0]
        store.decide("attachments", att_id, True, by="admin")
        assert attachments.read(store, att_id)[1] == data  # each submission its own photo
    assert main([*args[:-2], "--media", str(tmp_path)]) == 0  # a folder without them
    assert "0 new waiting for review" in capsys.readouterr().out


def test_every_packaged_translation_labels_what_english_labels_and_says_it_is_a_draft():
    from remnant import labels

    known = labels.load()
    english = {
        (part, group, name)
        for part in ("fields", "choices")
        for group, names in known["en"][part].items()
        for name in names
    }
    drafts = labels.drafts(known)
    for lang in set(known) - {"en"}:
        theirs = {
            (part, group, name)
            for part in ("fields", "choices")
            for group, names in known[lang].get(part, {}).items()
            for name in names
        }
        assert theirs == english, (lang, sorted(english ^ theirs)[:5])
        assert lang in drafts  # machine drafts until a native speaker has read them
        assert all(known[lang][p][g][n].strip() for p, g, n in theirs)


def test_a_form_in_all_seven_languages_compiles_and_warns_of_the_drafts(store, tmp_path, capsys):
    path = str(store.backend.path)
    form = tmp_path / "evidence.xlsx"
    codes = "uk,en,fr,es,ar,vi,lo"
    assert main(["forms", path, "-l", "evidence", "--out", str(form), "--languages", codes]) == 0
    err = capsys.readouterr().err
    assert sum(line.startswith("warning: the ") for line in err.splitlines()) == 6
    warnings: list = []
    xform = convert(xlsform=str(form), warnings=warnings).xform
    assert warnings == []
    assert 'lang="Українська (uk)" default="true()"' in xform
    for text in ("Слід удару", "Trace d'impact", "Marca de impacto", "أثر ضربة", "ຮ່ອງຮອຍການຕົກ"):
        assert f"<value>{text}</value>" in xform
    reviewed = tmp_path / "uk-reviewed.toml"
    reviewed.write_text('[uk.meta]\nreviewed = "O. Kovalenko, 2026-12-01"\n', "utf-8")
    args = ["forms", path, "-l", "evidence", "--out", str(form), "--overwrite"]
    assert main([*args, "--languages", "uk", "--labels", str(reviewed)]) == 0
    assert "warning" not in capsys.readouterr().err
