import json

import numpy as np
import pytest
import rasterio

from helpers import qgis_sees
from remnant.catalogue import default_catalogue, default_survey
from remnant.demo import CRS, FIELD_LAYERS, TRUE_DUD_RATES, build_demo, make_scenario
from remnant.hazard.footprint import projected_kernels
from remnant.store import open_store


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    return folder, build_demo(folder, seed=11)


def test_demo_builds_a_store_of_every_kind_labelled_synthetic(demo):
    folder, _result = demo
    store = open_store(folder / "remnant.gpkg")
    counts = store.counts()
    assert 280 <= counts["strikes"] <= 320
    assert all(n > 0 for n in counts.values()), counts
    for layer in counts:
        frame = store.read(layer)
        assert frame["source"].str.startswith("SYNTHETIC").all(), layer
    truth = json.loads((folder / "truth.json").read_text())
    assert truth["label"].startswith("SYNTHETIC")
    assert truth["true_dud_rates"] == TRUE_DUD_RATES


def test_demo_region_size_and_mixed_reports(demo):
    _, result = demo
    strikes = result["scenario"].strikes.to_crs("EPSG:32637")
    minx, miny, maxx, maxy = strikes.total_bounds
    assert 40_000 < maxx - minx < 62_000
    assert 20_000 < maxy - miny < 42_000
    assert strikes["source_class"].nunique() >= 4
    assert strikes["munition"].nunique() >= 4
    assert strikes["carriers"].isna().any()  # some counts known only as a range
    assert (strikes["carriers_max"] > strikes["carriers_min"]).any()


def test_found_items_follow_the_hidden_dud_rates(demo):
    _, result = demo
    s = result["scenario"]
    truth = s.truth
    assert truth["duds_found"] == len(s.items)
    # Every found item is a dud of a type that was fired, inside a clearance or TS polygon.
    assert set(s.items["munition"]) <= set(TRUE_DUD_RATES)
    assert set(s.items["activity"]) <= set(s.activities["id"])
    # The duds on the ground match the fired submunitions times the hidden rates.
    from remnant.catalogue import default_catalogue

    cat = default_catalogue()
    for key, rate in TRUE_DUD_RATES.items():
        fired = sum(
            v["carriers"] * cat[key].submunitions_per_carrier
            for sid, v in truth["strikes"].items()
            if s.strikes.set_index("id").loc[sid, "munition"] == key
        )
        assert truth["duds_by_type"][key] / fired == pytest.approx(rate, rel=0.35)


def test_same_seed_same_scenario():
    a, b = make_scenario(seed=4, n_strikes=20), make_scenario(seed=4, n_strikes=20)
    assert a.strikes.equals(b.strikes)
    assert np.array_equal(a.items.geometry.x, b.items.geometry.x)


def test_demo_runs_the_models_and_the_hidden_rates_fall_in_their_intervals(demo):
    folder, result = demo
    for name in (
        "hazard.tif",
        "hazard.png",
        "dudrates.png",
        "truth.json",
        "report.pdf",
        "backtest.png",
    ):
        assert (folder / name).stat().st_size > 0
    for name in ("population.tif", "landuse.gpkg", "plan/priorities.csv", "plan/plan.png"):
        assert (folder / name).stat().st_size > 0
    assert sorted(p.stem for p in (folder / "forms").glob("*.xlsx")) == sorted(FIELD_LAYERS)
    plan = result["plan"]
    assert len(plan.inputs) == 4  # hazard, population, land use, accidents
    averted = plan.averted(90.0)
    assert all(averted["plan"] > averted[b] for b in averted if b != "plan")
    html = (folder / "report.html").read_text("utf-8")
    assert "SYNTHETIC DATA" in html
    for key in ("casualties", "contamination", "land_release", "dud_rates", "article7"):
        assert f'id="{key}"' in html, key
    fit = result["fit"]
    for key, rate in TRUE_DUD_RATES.items():
        e = fit.estimates[key]
        assert e.data, key
        assert e.lo90 <= rate <= e.hi90, (key, rate, e.lo90, e.hi90)
    hazard_map, _table, rates = result["hazard"]
    assert all(r["source"].startswith("field posterior") for r in rates.values())
    truth = result["scenario"].truth
    inferred = result["inferred"].frame.to_crs(CRS)  # the strikes left out of the records
    assert len(truth["held_back_strikes"]) == len(inferred) == 3
    strikes = result["scenario"].strikes.set_index("id").loc[truth["held_back_strikes"]]
    kernels = projected_kernels(strikes.reset_index(), CRS, default_catalogue(), default_survey())
    for sid, sigma in zip(strikes.index, np.sqrt(kernels.footprint_xx), strict=True):
        held = truth["strikes"][sid]
        distance = np.hypot(inferred.geometry.x - held["x"], inferred.geometry.y - held["y"])
        nearest = inferred.iloc[int(np.argmin(distance))]
        assert distance.min() < 2 * sigma, (sid, distance.min(), sigma)  # footprint + spread
        assert nearest["carriers_min"] <= held["carriers"] <= nearest["carriers_max"]
    pending = open_store(folder / "remnant.gpkg").reviews("pending")
    assert sorted(pending["record_id"]) == sorted(inferred["id"])
    left = truth["duds_total"] - truth["duds_found"]
    assert hazard_map.remaining == pytest.approx(left, rel=0.25)
    with rasterio.open(folder / "hazard.tif") as src:  # the cells hold what the sums say
        assert src.read(1, masked=True).sum(dtype="float64") == pytest.approx(
            hazard_map.remaining, rel=1e-4
        )


def test_qgis_opens_the_demo_project_as_specified(demo, request):
    """Debian's PyQGIS reads demo/programme.qgz: every layer valid, styled by category,
    drop-downs from the field domains, relations resolved with relation-reference widgets,
    the workflow's fields read-only, the hazard map coloured; the rendered map is kept in
    test-artifacts/qgis-project.png to look at."""
    from remnant.entities import ENTITIES
    from remnant.qgisproject import READ_ONLY

    folder, _ = demo
    png = request.config.rootpath / "test-artifacts" / "qgis-project.png"
    seen = qgis_sees(folder / "programme.qgz", png)
    assert seen["_read"]
    references = {
        (e.name, f.name): f.references for e in ENTITIES.values() for f in e.fields if f.references
    }
    relations = seen["_relations"]
    assert len(relations) == len(references)
    assert all(r["valid"] for r in relations.values())
    for (layer, field), target in references.items():
        relation = relations[f"{layer}_{field}"]
        assert (relation["from"], relation["to"]) == (
            layer.replace("_", " "),
            target.replace("_", " "),
        )
        assert seen[layer]["widgets"][field]["type"] == "RelationReference"
    for layer in ENTITIES:
        info = seen[layer]
        assert info["valid"], layer
        assert info["features"] > 0, layer
        widgets = info["widgets"]
        for f in ENTITIES[layer].fields:
            if f.choices:
                assert widgets[f.name]["type"] == "ValueMap", (layer, f.name)
                assert sorted(widgets[f.name]["values"]) == sorted(f.choices)
        for locked in (*READ_ONLY["*"], *READ_ONLY.get(layer, ())):
            assert widgets[locked]["read_only"], (layer, locked)
        assert not widgets["notes"]["read_only"]
    assert seen["hazard_areas"]["categories"] == ["CHA", "SHA"]
    assert seen["hazard_areas"]["widgets"]["kind"]["alias"] == "Kind of area"
    assert seen["hazard"]["valid"]
    assert seen["hazard"]["renderer"] == "singlebandpseudocolor"
    assert png.stat().st_size > 20_000
