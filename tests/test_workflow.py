"""The land release workflow (IMAS 07.11), on a real GeoPackage store."""

import contextlib
import datetime as dt
import tempfile
from pathlib import Path

import geopandas as gpd
import hypothesis.strategies as st
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings

from remnant.errors import ConflictError, InvalidRecordsError
from remnant.grid import equal_area_crs
from remnant.io import import_file, import_records
from remnant.landrelease import by_kind, release_statistics, remaining
from remnant.store import create_store
from remnant.translate import _, language
from remnant.workflow import EMPTY_M2

CRS = equal_area_crs(35.5, 33.3)
DAY = dt.date(2024, 4, 1)


@pytest.fixture
def store(any_store):
    """The workflow is the store's: every test here runs on both backends."""
    return any_store


def add_area(store, kind="SHA", box=(0, 0, 1000, 1000), area_id="H1"):
    frame = gpd.GeoDataFrame(
        {"id": [area_id], "kind": [kind], "status": ["open"]},
        geometry=[shapely.box(*box)],
        crs=CRS,
    )
    import_records(store, "hazard_areas", frame)


def activity(store, act_id, kind, outcome, box, area="H1", day=DAY, **fields):
    frame = gpd.GeoDataFrame(
        {
            "id": [act_id],
            "type": [kind],
            "organisation": ["Org"],
            "start": [day],
            "end": [day],
            "depth_cm": [20.0 if kind in ("clearance", "TS") else None],
            "hazard_area": [area],
            "outcome": [outcome],
            **{k: [v] for k, v in fields.items()},
        },
        geometry=[shapely.box(*box)],
        crs=CRS,
    )
    return import_records(store, "activities", frame)


def area(store, area_id="H1"):
    return store.get("hazard_areas", area_id)


def test_sha_cancelled_whole_by_nts_is_closed_with_its_history(store):
    add_area(store)
    activity(store, "A1", "NTS", "cancelled", (0, 0, 1000, 600))
    assert (area(store)["kind"], area(store)["status"]) == ("SHA", "worked_on")
    activity(store, "A2", "NTS", "cancelled", (0, 600, 1000, 1000))
    assert area(store)["status"] == "closed"
    history = store.history("H1")
    assert history["action"].tolist() == ["insert", "update", "update"]
    assert '"status":"closed"' in history["after"].iloc[-1].replace(" ", "")
    row = remaining(store).iloc[0]
    assert row["cancelled_m2"] == pytest.approx(1e6, rel=1e-5)
    assert row["remaining_m2"] < EMPTY_M2


def test_nts_confirms_then_ts_reduces_then_clearance_clears(store):
    add_area(store)
    activity(store, "A1", "NTS", "confirmed", (0, 0, 1000, 1000))
    assert area(store)["kind"] == "CHA"
    activity(store, "A2", "TS", "reduced", (0, 0, 1000, 400))
    activity(store, "A3", "clearance", "cleared", (0, 400, 1000, 1000), method="manual")
    assert area(store)["status"] == "closed"
    stats = release_statistics(store).iloc[0]
    assert stats["reduced_m2"] == pytest.approx(4e5, rel=1e-5)
    assert stats["cleared_m2"] == pytest.approx(6e5, rel=1e-5)
    kinds = by_kind(remaining(store)).set_index("kind")
    assert kinds.loc["CHA", "remaining_m2"] == pytest.approx(0, abs=1.0)  # under a m²
    assert kinds.loc["CHA", "open_areas"] == 0
    store.update("hazard_areas", "H1", {"status": "handed_over"})
    assert area(store)["status"] == "handed_over"


@pytest.mark.parametrize(
    ("kind", "act", "outcome", "box", "message"),
    [
        ("CHA", "clearance", "cleared", (500, 500, 1500, 1500), "\\(75%\\) of it lie outside H1"),
        ("SHA", "NTS", "cleared", (0, 0, 500, 500), "a NTS activity can only be cancelled"),
    ],
)
def test_refusals_name_the_reason_and_write_nothing(store, kind, act, outcome, box, message):
    add_area(store, kind)
    before = store.counts()
    with pytest.raises(InvalidRecordsError) as info:
        activity(store, "A1", act, outcome, box)
    assert any(pd.Series([str(p) for p in info.value.problems]).str.contains(message)), (
        info.value.report()
    )
    assert store.counts() == before
    assert area(store)["status"] == "open"


@pytest.mark.parametrize(
    ("kind", "act", "outcome", "after"),
    [
        ("CHA", "NTS", "cancelled", "CHA"),
        ("CHA", "NTS", "confirmed", "CHA"),
        ("SHA", "TS", "reduced", "SHA"),
        ("SHA", "TS", "confirmed", "CHA"),
        ("SHA", "clearance", "cleared", "SHA"),
    ],
)
def test_any_activity_works_on_any_area_with_land_left(store, kind, act, outcome, after):
    """IMAS 07.11 sets no sequence: historic records of TS or clearance on a suspected area,
    or NTS on a confirmed one, come in; only a confirmation makes an area confirmed."""
    add_area(store, kind)
    activity(store, "A1", act, outcome, (0, 0, 500, 500))
    assert (area(store)["kind"], area(store)["status"]) == (after, "worked_on")
    released = remaining(store).iloc[0][["cancelled_m2", "reduced_m2", "cleared_m2"]].sum()
    assert released == pytest.approx(0 if outcome == "confirmed" else 2.5e5, rel=1e-5, abs=1)


def test_clearance_needs_depth_and_an_area(store):
    add_area(store, "CHA")
    with pytest.raises(InvalidRecordsError, match="1 bad row") as info:
        activity(store, "A1", "clearance", "cleared", (0, 0, 10, 10), depth_cm=None)
    assert "is needed where type is clearance" in info.value.report()
    with pytest.raises(InvalidRecordsError) as info:
        activity(store, "A1", "clearance", "cleared", (0, 0, 10, 10), area=None)
    assert "a clearance must name its hazard area" in info.value.report()


def test_released_land_cannot_be_released_again_and_closed_areas_refuse_work(store):
    add_area(store, "CHA")
    activity(store, "A1", "clearance", "cleared", (0, 0, 1000, 500))
    with pytest.raises(InvalidRecordsError) as info:
        activity(store, "A2", "TS", "reduced", (0, 0, 1000, 600))
    assert "(part of it was released before)" in info.value.report()
    activity(store, "A3", "clearance", "cleared", (0, 500, 1000, 1000))
    assert area(store)["status"] == "closed"
    with pytest.raises(InvalidRecordsError) as info:
        activity(store, "A4", "clearance", "none", (0, 0, 10, 10))
    assert "H1 is closed: nothing is left to release" in info.value.report()
    with language("fr"):  # the refusal keeps its values to be said in another language
        assert "H1 est à l'état closed : il ne reste rien" in info.value.report(_)
    # Quality control may visit the cleared land of a closed area.
    activity(store, "Q1", "QA", "none", (0, 0, 100, 100))


def test_small_digitising_sliver_is_clipped_and_noted(store):
    add_area(store, "CHA")
    activity(store, "A1", "clearance", "cleared", (0, 0, 1000, 1002))  # 0.2 % outside
    rec = store.get("activities", "A1")
    assert "clipped by 2,000 m² to H1" in rec["notes"]
    got = gpd.GeoSeries([rec["geometry"]], crs=4326).to_crs(CRS).area.iloc[0]
    assert got == pytest.approx(1e6, rel=1e-5)
    assert area(store)["status"] == "closed"


def test_recorded_work_cannot_be_rewritten_by_hand(store):
    add_area(store, "SHA")
    store.update("hazard_areas", "H1", {"kind": "CHA"})  # no work yet: a correction
    activity(store, "A1", "TS", "reduced", (0, 0, 500, 500))
    with pytest.raises(InvalidRecordsError) as info:
        store.update("hazard_areas", "H1", {"kind": "SHA"})
    assert "is set by the activities recorded on the area" in info.value.report()
    with pytest.raises(InvalidRecordsError) as info:
        store.update("hazard_areas", "H1", {"status": "closed"})
    assert "cannot go from worked_on to closed by hand" in info.value.report()
    with pytest.raises(InvalidRecordsError) as info:
        store.update("activities", "A1", {"outcome": "confirmed"})
    assert "cannot change once recorded" in info.value.report()
    store.update("activities", "A1", {"team_days": 4.0, "notes": "late paperwork"})
    with pytest.raises(ConflictError, match="A1 moved hazard area H1 on"):
        store.delete("activities", "A1")
    assert store.get("activities", "A1")["team_days"] == 4.0


def test_import_skips_refused_activities_into_the_rejects_file(store, tmp_path):
    add_area(store, "SHA")
    rows = pd.DataFrame(
        {
            "id": ["N1", "T1", "N2"],
            "type": ["NTS", "TS", "NTS"],
            "organisation": "Org",
            "start": ["2024-01-01", "2024-02-01", "2024-03-01"],
            "depth_cm": ["", "20", ""],
            "hazard_area": "H1",
            "outcome": ["cancelled", "reduced", "cancelled"],
            "wkt": [
                gpd.GeoSeries([shapely.box(*b)], crs=CRS).to_crs(4326).iloc[0].wkt
                for b in [(0, 0, 1000, 500), (2000, 500, 3000, 900), (0, 500, 1000, 1000)]
            ],
        }
    )
    path = tmp_path / "acts.csv"
    rows.to_csv(path, index=False)
    with pytest.raises(InvalidRecordsError) as info:
        import_file(store, path, "activities")
    assert "acts.csv, row 3, column 'wkt' (field 'geometry')" in info.value.report()
    report = import_file(store, path, "activities", skip_invalid=True)
    assert report.written.inserted == ["N1", "N2"]
    assert "(100%) of it lie outside H1" in Path(report.rejects_file).read_text()
    assert area(store)["status"] == "closed"


# -- remaining = original − released, at every step, over random activity sequences ---------

STEP = st.tuples(
    st.sampled_from(
        [
            ("NTS", "cancelled"),
            ("NTS", "confirmed"),
            ("TS", "reduced"),
            ("TS", "confirmed"),
            ("clearance", "cleared"),
            ("clearance", "none"),
            ("QA", "none"),
        ]
    ),
    st.integers(-3, 9),
    st.integers(-3, 9),
    st.integers(1, 6),
    st.integers(1, 6),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kind=st.sampled_from(["SHA", "CHA"]), steps=st.lists(STEP, min_size=1, max_size=7))
def test_remaining_is_original_minus_released_at_every_step(kind, steps):
    with tempfile.TemporaryDirectory() as folder:
        store = create_store(Path(folder) / "s.gpkg")
        add_area(store, kind)  # a 1 km square; activities on a 100 m lattice, some outside
        confirmed = kind == "CHA"
        for n, ((act, outcome), x, y, w, h) in enumerate(steps):
            box = (100 * x, 100 * y, 100 * (x + w), 100 * (y + h))
            with contextlib.suppress(InvalidRecordsError):
                activity(store, f"A{n}", act, outcome, box, day=DAY + dt.timedelta(days=n))
                confirmed |= outcome == "confirmed"
            # Any type works on any kind; only a confirmation makes the area confirmed.
            assert area(store)["kind"] == ("CHA" if confirmed else "SHA")
            # One part in a million (1 m² of a km²) is what straight edges drawn in one
            # projection and measured in another differ by; double counting would be more.
            row = remaining(store).iloc[0]
            released = row[["cancelled_m2", "reduced_m2", "cleared_m2"]].sum()
            assert row["remaining_m2"] + released == pytest.approx(row["original_m2"], rel=1e-6)
            stats = release_statistics(store)
            assert stats["released_m2"].sum() == pytest.approx(released, abs=1.0)
            status = area(store)["status"]
            assert (status == "closed") == (row["remaining_m2"] < EMPTY_M2)
            # Released parts are disjoint: their union measures what their sum says.
            acts = store.read("activities").to_crs(CRS)
            done = acts[acts["outcome"].isin(["cancelled", "reduced", "cleared"])]
            assert shapely.union_all(done.geometry).area == pytest.approx(released, abs=1.0)


def test_record_activity_and_hand_over_from_the_command_line(store, capsys):
    from remnant.cli import main

    add_area(store, "SHA")
    path = store.backend.location
    wkt = gpd.GeoSeries([shapely.box(0, 0, 1000, 1000)], crs=CRS).iloc[0].wkt
    args = ["activity", path, "--type", "NTS", "--area", "H1", "--organisation", "Org"]
    args += ["--start", "2024-05-02", "--wkt", wkt, "--crs", CRS.to_wkt(), "--user", "ana"]
    assert main([*args, "--outcome", "cleared"]) == 1
    assert "a NTS activity can only be cancelled / confirmed / none" in capsys.readouterr().err
    assert main([*args, "--outcome", "cancelled", "--id", "NTS-1"]) == 0
    out = capsys.readouterr().out
    assert "recorded NTS-1" in out
    assert "H1 is now SHA, closed" in out
    assert main(["hand-over", path, "H1", "--user", "ben"]) == 0
    assert main(["history", path, "H1"]) == 0
    out = capsys.readouterr().out
    assert "'open' → 'closed'" in out
    assert "'closed' → 'handed_over'" in out
    assert main(["hand-over", path, "H1"]) == 1
    assert "H1 is handed over: only a closed area is handed over" in capsys.readouterr().err
