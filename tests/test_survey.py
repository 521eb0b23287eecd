"""A programme's own survey figures: set in the store, audited, and used by the models."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
import shapely

from remnant.cli import main
from remnant.errors import InputError
from remnant.mapping import fit_store, map_store

CENTRE = (35.5, 33.3)
AREA = shapely.box(35.48, 33.28, 35.52, 33.32)  # about 3.7 × 4.4 km around the strikes


def programme(store, n_strikes=10, found_per_strike=0):
    """Strikes of one M26 rocket each, cleared whole after they fell; items found per strike."""
    rng = np.random.default_rng(1)
    x = CENTRE[0] + rng.uniform(-0.01, 0.01, n_strikes)
    y = CENTRE[1] + rng.uniform(-0.01, 0.01, n_strikes)
    store.write(
        "strikes",
        gpd.GeoDataFrame(
            {
                "id": [f"S{i}" for i in range(n_strikes)],
                "munition": "m77_m26",
                "carriers": 1,
                "source_class": "surveyed",
                "accuracy_m": 10.0,
                "date": dt.date(2010, 1, 1),
            },
            geometry=shapely.points(x, y),
            crs=4326,
        ),
        user="test",
    )
    store.write(
        "hazard_areas",
        gpd.GeoDataFrame(
            {"id": ["H"], "kind": ["CHA"], "status": ["open"]}, geometry=[AREA], crs=4326
        ),
        user="test",
    )
    store.write(
        "activities",
        gpd.GeoDataFrame(
            {
                "id": ["C"],
                "type": ["clearance"],
                "organisation": ["T"],
                "start": [dt.date(2020, 1, 1)],
                "hazard_area": ["H"],
                "outcome": ["cleared"],
                "depth_cm": [20.0],
            },
            geometry=[AREA],
            crs=4326,
        ),
        user="test",
    )
    if found_per_strike:
        k = n_strikes * found_per_strike
        store.write(
            "items",
            gpd.GeoDataFrame(
                {
                    "id": [f"I{i}" for i in range(k)],
                    "munition": "m77_m26",
                    "activity": "C",
                    "date": dt.date(2020, 2, 1),
                    "state": "dud",
                },
                geometry=shapely.points(
                    np.repeat(x, found_per_strike), np.repeat(y, found_per_strike)
                ),
                crs=4326,
            ),
            user="test",
        )


def test_the_map_keeps_what_the_programme_says_clearance_misses(store):
    programme(store)
    before, _ = map_store(store, 50, samples=0)
    assert before.remaining == pytest.approx(0.01 * before.total, rel=0.02)  # d = 0.99
    store.set_survey({"detection.clearance": (0.5, "our QA: half the items were missed")})
    after, _ = map_store(store, 50, samples=0)
    assert after.remaining == pytest.approx(0.5 * after.total, rel=0.02)
    assert after.total == pytest.approx(before.total)


def test_the_fitted_dud_rate_follows_the_programme_detection(store):
    programme(store, found_per_strike=64)  # 64 of 644 submunitions found: 10 % at d = 1
    sure = fit_store(store, cell=50).estimates["m77_m26"].mean
    store.set_survey({"detection.clearance": (0.5, "our QA")})
    unsure = fit_store(store, cell=50).estimates["m77_m26"].mean
    assert sure == pytest.approx(64 / 644 / 0.99, rel=0.1)
    assert unsure == pytest.approx(64 / 644 / 0.5, rel=0.1)


def test_survey_figures_from_a_file_are_checked_audited_and_shown(store, tmp_path, capsys):
    location = str(store.backend.location)
    good = tmp_path / "ours.toml"
    good.write_text('[detection.clearance]\nprobability = 0.9\nsource = "our QA, 2024"\n')
    assert main(["survey", "import", location, str(good)]) == 0
    assert "1 inserted" in capsys.readouterr().out
    assert store.survey().detection["clearance"] == 0.9
    assert store.history("detection.clearance")["action"].tolist() == ["insert"]
    assert main(["survey", "show", location]) == 0
    shown = capsys.readouterr().out
    assert "this store" in shown
    assert "our QA, 2024" in shown
    for text, message in (
        ('[detection.clearance]\nprobability = 1.5\nsource = "x"\n', "from 0 to 1, got 1.5"),
        ("[detection.clearance]\nprobability = 0.8\n", "needs its source"),
        ('[detection.magic]\nprobability = 0.8\nsource = "x"\n', "not a figure remnant uses"),
    ):
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        assert main(["survey", "import", location, str(bad)]) == 1
        assert message in capsys.readouterr().err
    assert store.survey().detection["clearance"] == 0.9
    with pytest.raises(InputError, match="not a figure remnant uses"):
        store.set_survey({"location_accuracy.rumour": (5.0, "x")})
