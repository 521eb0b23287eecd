"""Strikes inferred from finds: on a simulated programme (synthetic data) whose clearance
searched every strike, strikes held back from the records come back as pending candidates
within two σ of their kernel (one carrier's footprint with the carrier spread) of their
true place, with their carriers inside the candidate's 90 % range, and nothing is
inferred where a recorded strike explains the finds."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from remnant.calibration import Regime, simulate
from remnant.catalogue import default_catalogue, default_survey
from remnant.cli import main
from remnant.grid import equal_area_crs
from remnant.hazard.footprint import projected_kernels
from remnant.strikes_from_finds import MERGE, _clusters, infer_strikes

HELD_BACK = ["S3", "S7", "S11"]
REGIME = Regime(munition="dpicm_m483a1", mu=0.15, searched=16, coverage="full")


def programme(store, seed):
    """The simulated programme in the store, three of its strikes left out of the records."""
    strikes, activities, items = simulate(REGIME, seed)
    store.write("strikes", strikes[~strikes["id"].isin(HELD_BACK)])
    lon, lat = strikes.total_bounds.reshape(2, 2).mean(axis=0)
    area = shapely.segmentize(shapely.box(lon - 0.3, lat - 0.3, lon + 0.3, lat + 0.3), 0.02)
    store.write(
        "hazard_areas",
        gpd.GeoDataFrame(
            {"id": ["H"], "kind": ["CHA"], "status": ["open"]}, geometry=[area], crs=4326
        ),
    )
    store.write(
        "activities",
        activities.assign(
            organisation="simulated team", depth_cm=20, hazard_area="H", outcome="none"
        ),
    )
    store.write("items", items.assign(category="submunition", state="dud"))
    return strikes.set_index("id")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_held_back_strikes_come_back_where_they_were(store, seed):
    truth = programme(store, seed)
    found = infer_strikes(store)
    crs = equal_area_crs(*truth.total_bounds.reshape(2, 2).mean(axis=0))
    kernels = projected_kernels(truth.reset_index(), crs, default_catalogue(), default_survey())
    sigma = dict(zip(truth.index, np.sqrt(kernels.footprint_xx), strict=True))
    where = truth.to_crs(crs).geometry
    got = found.frame.to_crs(crs)
    assert len(got) == len(HELD_BACK)  # nothing where a recorded strike explains the finds
    for sid in HELD_BACK:
        distance = got.distance(where[sid])
        nearest = got.iloc[int(np.argmin(distance))]
        assert distance.min() <= 2 * sigma[sid], (sid, distance.min(), sigma[sid])
        assert nearest["carriers_min"] <= truth.at[sid, "carriers"] <= nearest["carriers_max"]
        assert nearest["source_class"] == "inferred"
        assert nearest["notes"].startswith("inferred from ")


def test_candidates_wait_for_review_and_then_explain_their_finds(store, capsys):
    programme(store, 1)
    path = str(store.backend.path)
    assert main(["infer-strikes", path, "-u", "analyst"]) == 0
    out = capsys.readouterr().out
    assert "3 waiting for review" in out
    assert store.counts()["strikes"] == 13  # nothing reaches a map before review
    pending = store.reviews("pending")
    assert set(pending["layer"]) == {"strikes"}
    assert main(["infer-strikes", path]) == 0  # asked again: the same three, not queued twice
    assert len(store.reviews("pending")) == 3
    for record_id in pending["record_id"]:
        store.decide("strikes", record_id, True, by="admin")
    assert infer_strikes(store).frame.empty  # accepted, they explain their finds


def test_carrier_clusters_close_together_are_one_strike():
    rng = np.random.default_rng(0)
    carriers = np.array([[0, 0], [300, 0], [2000, 0]])
    pts = np.concatenate([c + rng.normal(0, 30, (12, 2)) for c in carriers])
    groups = _clusters(pts, 3 * 30, MERGE * 100)
    assert [len(np.unique(c)) for _, c in groups] == [2, 1]
