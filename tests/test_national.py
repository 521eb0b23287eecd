"""The SYNTHETIC national-scale scenario."""

import numpy as np
import shapely

from remnant.national import CRS, LABEL, build_national, national_scenario


def test_national_scenario_is_large_synthetic_and_along_front_lines():
    layers = national_scenario(seed=2, n_strikes=3000)
    strikes = layers["strikes"].to_crs(CRS)
    assert len(strikes) == 3000
    minx, _, maxx, _ = strikes.total_bounds
    assert (maxx - minx) * 1e-3 > 900  # spans the 1,000 km width
    for frame in layers.values():
        assert (frame["source"] == LABEL).all()
        assert LABEL.startswith("SYNTHETIC")
    # Concentrated along lines: strikes lie far closer to each other than if they were
    # spread evenly over the region (≈ ½ √(area / n) ≈ 7 km apart).
    points = strikes.geometry.to_numpy()
    _, gap = shapely.STRtree(points).query_nearest(points, exclusive=True, return_distance=True)
    assert np.median(gap) < 0.5 * 0.5 * np.sqrt(1e6 * 6e5 / len(points))


def test_national_store_passes_every_rule(tmp_path):
    store = build_national(tmp_path, seed=2, n_strikes=3000)
    counts = store.counts()
    assert counts["strikes"] == 3000
    assert counts["activities"] > 10
    areas = store.read("hazard_areas")
    worked = set(store.read("activities")["hazard_area"])
    assert (areas.loc[areas["id"].isin(worked), "status"] != "open").all()  # the workflow ran
