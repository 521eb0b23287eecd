import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy import stats

from remnant.catalogue import default_catalogue, default_survey
from remnant.dudrate import KAPPA_GRID, fit_dud_rates, posterior_mu
from remnant.grid import Grid, equal_area_crs
from remnant.hazard.model import DudRate

CRS = equal_area_crs(35.5, 33.3)
PRIOR = DudRate(1.527, 7.494, "DPICM catalogue prior")


@pytest.mark.slow
def test_intervals_are_calibrated_on_simulated_data():
    """Simulation-based calibration: true (μ, κ) drawn from the prior, 90 % intervals cover
    the truth in 85–95 % of 240 data sets."""
    rng = np.random.default_rng(20261127)
    covered, runs = 0, 240
    for _ in range(runs):
        mu = rng.beta(PRIOR.alpha, PRIOR.beta)
        kappa = float(np.exp(rng.uniform(np.log(KAPPA_GRID[0]), np.log(KAPPA_GRID[-1]))))
        s = int(rng.integers(3, 25))
        lo = rng.integers(1, 8, s)
        hi = lo + rng.integers(0, 3, s)
        n = rng.integers(lo, hi + 1)
        searched = rng.uniform(0.05, 0.99, s)
        p = rng.beta(mu * kappa, (1 - mu) * kappa, s)
        found = rng.binomial(n * 88, p * searched)
        _, low, high, _, _ = posterior_mu(lo, hi, np.full(s, 88.0), searched, found, PRIOR)
        covered += low <= mu <= high
    assert 0.85 * runs <= covered <= 0.95 * runs, covered / runs


def test_posterior_concentrates_on_the_truth_with_much_data():
    rng = np.random.default_rng(1)
    s = 400
    searched = rng.uniform(0.3, 1.0, s)
    p = rng.beta(0.12 * 50, 0.88 * 50, s)
    found = rng.binomial(6 * 88, p * searched)
    mean, lo, hi, kappa, beta = posterior_mu(
        np.full(s, 6), np.full(s, 6), np.full(s, 88.0), searched, found, PRIOR
    )
    assert abs(mean - 0.12) < hi - lo < 0.03
    assert 20 < kappa < 120
    assert beta.mean == pytest.approx(mean, rel=1e-9)


def test_edge_cases_give_valid_intervals():
    ones = np.ones(1)
    # A single strike, nothing found although it was searched: the rate moves down, not to 0.
    mean, lo, hi, *_ = posterior_mu(ones * 4, ones * 4, ones * 88, ones * 0.9, ones * 0, PRIOR)
    assert 0 < lo < mean < hi
    assert mean < PRIOR.mean / 2
    # Everything found: k = N π at p = 1 is impossible, so the rate is pushed high.
    mean_all, lo_all, hi_all, *_ = posterior_mu(
        ones * 2, ones * 2, ones * 88, ones, ones * 176, PRIOR
    )
    assert mean_all > 2 * PRIOR.mean
    assert 0 < lo_all < hi_all < 1
    # A carrier count known only as a range widens the interval against the exact count.
    _, lo_r, hi_r, *_ = posterior_mu(ones * 2, ones * 8, ones * 88, ones * 0.8, ones * 40, PRIOR)
    _, lo_x, hi_x, *_ = posterior_mu(ones * 5, ones * 5, ones * 88, ones * 0.8, ones * 40, PRIOR)
    assert hi_r - lo_r > hi_x - lo_x
    assert np.isfinite([lo_r, hi_r, lo_x, hi_x]).all()


def strikes(points, munitions, **columns):
    base = {
        "id": [f"S{i}" for i in range(len(points))],
        "munition": munitions,
        "carriers_min": 4,
        "carriers_max": 4,
        "azimuth_deg": None,
        "source_class": "surveyed",
        "accuracy_m": 10.0,
        "date": dt.date(2023, 1, 1),
    }
    base.update(columns)
    return gpd.GeoDataFrame(base, geometry=[shapely.Point(p) for p in points], crs=CRS)


def test_without_search_the_prior_is_kept_and_said():
    s = strikes([(0, 0)], ["m77_m26"])
    grid = Grid.covering((-3000, -3000, 3000, 3000), 20, CRS)
    empty = gpd.GeoDataFrame({"id": [], "type": [], "start": []}, geometry=[], crs=CRS)
    fit = fit_dud_rates(s, empty, None, grid, default_catalogue(), default_survey())
    e = fit.estimates["m77_m26"]
    assert not e.data
    assert e.mean == pytest.approx(default_catalogue()["m77_m26"].prior_mean)
    assert fit.rates()["m77_m26"].source.startswith("prior")
    assert fit.strike_weights[0] == pytest.approx(4 * 644 * e.mean)


def test_overlapping_strikes_of_different_types_share_nothing():
    """Items of one type go to the strikes of that type only, even where footprints overlap."""
    s = strikes([(0, 0), (30, 10)], ["m77_m26", "dpicm_m483a1"])
    grid = Grid.covering((-3000, -3000, 3000, 3000), 20, CRS)
    cleared = gpd.GeoDataFrame(
        {"id": ["A1"], "type": ["clearance"], "start": [dt.date(2024, 1, 1)]},
        geometry=[shapely.box(-2000, -2000, 2000, 2000)],
        crs=CRS,
    )
    rng = np.random.default_rng(0)
    xy = rng.normal(0, 40, (60, 2))
    items = gpd.GeoDataFrame(
        {
            "id": [f"I{i}" for i in range(60)],
            "munition": ["m77_m26"] * 40 + ["dpicm_m483a1"] * 20,
            "activity": "A1",
            "date": dt.date(2024, 2, 1),
        },
        geometry=shapely.points(xy),
        crs=CRS,
    )
    fit = fit_dud_rates(s, cleared, items, grid, default_catalogue(), default_survey())
    assert fit.estimates["m77_m26"].found == pytest.approx(40)
    assert fit.estimates["dpicm_m483a1"].found == pytest.approx(20)
    d = default_survey().detection["clearance"]
    # One strike says little about the type's mean, but moves it towards found / (fired × d).
    e = fit.estimates["m77_m26"]
    rate = 40 / (4 * 644 * d)
    assert e.lo90 < e.mean < default_catalogue()["m77_m26"].prior_mean
    # The strike's weight in the map: its duds not found, (N − k) p / (1 − p π), at its own
    # rate (N is large); the map then keeps (1 − d) of it where the search went.
    assert fit.strike_weights[0] == pytest.approx((4 * 644 - 40) * rate / (1 - rate * d), rel=0.1)


def test_finds_go_only_to_strikes_a_search_reached():
    """An item found in a cleared box near two strikes of its type goes to the one whose
    footprint the clearance reached; the other keeps its prior weight (it was 0 when a
    share of the find made its likelihood impossible: found > 0 with π = 0)."""
    s = strikes([(0, 0), (2800, 0)], ["m77_m26", "m77_m26"])
    grid = Grid.covering((-3000, -3000, 6000, 3000), 20, CRS)
    cleared = gpd.GeoDataFrame(
        {"id": ["A1"], "type": ["clearance"], "start": [dt.date(2024, 1, 1)]},
        geometry=[shapely.box(-600, -600, 600, 600)],
        crs=CRS,
    )
    items = gpd.GeoDataFrame(
        {"id": ["I1", "I2"], "munition": "m77_m26", "activity": "A1", "date": dt.date(2024, 2, 1)},
        geometry=[shapely.Point(500, 0), shapely.Point(550, 50)],
        crs=CRS,
    )
    fit = fit_dud_rates(s, cleared, items, grid, default_catalogue(), default_survey())
    assert fit.estimates["m77_m26"].found == pytest.approx(2)
    mean = fit.estimates["m77_m26"].mean
    assert fit.strike_weights[1] == pytest.approx(4 * 644 * mean, rel=1e-3)
    assert fit.strike_weights[0] > 0


def test_the_prior_only_matters_where_data_are_few():
    rng = np.random.default_rng(5)
    s = 200
    searched = np.full(s, 0.9)
    found = rng.binomial(4 * 88, 0.3 * 0.9, s)
    strong = posterior_mu(np.full(s, 4), np.full(s, 4), np.full(s, 88.0), searched, found, PRIOR)[0]
    other = posterior_mu(
        np.full(s, 4), np.full(s, 4), np.full(s, 88.0), searched, found, DudRate(1, 30, "low prior")
    )[0]
    assert strong == pytest.approx(other, abs=0.01)
    assert strong == pytest.approx(0.3, abs=0.03)
    assert stats.beta.ppf(0.95, 1, 30) < 0.3
