"""The SYNTHETIC national-scale scenario."""

import numpy as np
import shapely

from remnant.backtest import backtest
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


def test_the_map_back_tested_on_the_national_scenario_holds_its_bands(tmp_path):
    """The scenario's finds are drawn carrier by carrier, elongated footprints on unknown
    lines of flight, searches covering part of a footprint: the back-test's 50 % and 90 %
    intervals hold the later searches' finds as often as they say (3 binomial s.e.)."""
    store = build_national(tmp_path, seed=2, n_strikes=3000)
    assert store.counts()["items"] > 500
    s = backtest(store, "2025-01-01", cell=250.0, samples=200).summary
    assert s["searches"] > 100
    for level in (50, 90):
        assert abs(s[f"coverage_{level}"] - level / 100) <= 3 * s[f"coverage_{level}_se"], s
    assert s["spearman"] > 0.4
