"""The calibration grid's machinery (src/remnant/calibration.py, run in full by
scripts/dudrate_calibration.py into docs/dud-rate-calibration.md): simulated programmes
hold what they should, and the 90 % interval holds the truth as often as it says where
strikes lie apart and where their footprints overlap (finds that could be either
strike's: before they were pooled, this regime's interval held μ 79 % of the time), and
where 100 strikes placed by media reports (σ 1 km) lie within 5 km (before each find's
holders were linked, 0 of 200) or far apart (searches placed from the reports meet a
footprint rarely: with 64 placement draws, 81.7 % of 300), and where 20 of 200 such
strikes in 20 × 20 km were searched (while strikes holding under a tenth of a find kept
that sliver of it, 1 of 20: μ came out a third of the truth)."""

import numpy as np
import pytest

from remnant.calibration import Regime, coverage, simulate
from remnant.catalogue import default_catalogue


def test_a_simulated_programme_is_what_its_regime_says():
    regime = Regime(searched=40, coverage="full", mu=0.1, kappa=1e4)
    strikes, activities, items = simulate(regime, 3)
    assert len(strikes) == len(activities) == 40
    assert strikes["source"].str.startswith("synthetic").all()
    fired = (
        strikes["carriers"] * default_catalogue()[regime.munition].submunitions_per_carrier
    ).sum()
    assert len(items) / fired == pytest.approx(0.1 * 0.99, rel=0.1)  # all searched, d = 0.99
    assert set(items["activity"]) <= set(activities["id"])


@pytest.mark.slow
@pytest.mark.parametrize(
    "regime",
    [
        Regime(),
        Regime(region_m=1500.0),
        Regime(source_class="media", searched=100, region_m=5000.0),
        Regime(source_class="media", searched=100),
        Regime(source_class="media", searched=20, strikes=200, region_m=20_000.0),
    ],
    ids=[
        "apart",
        "overlapping",
        "dense-and-placed-by-media",
        "apart-and-placed-by-media",
        "few-searched-among-many-placed-by-media",
    ],
)
def test_the_90_percent_interval_holds_the_truth_as_often_as_it_says(regime):
    runs = 80
    held = coverage(regime, runs, seed=11)["held_90"]
    se = np.sqrt(0.9 * 0.1 / runs)
    assert abs(held / runs - 0.9) <= 2.5 * se, held
