"""Back-testing: on simulated programmes where the truth is known and the world is as the
model assumes, the bands of what later searches would find are calibrated; where the
world is not (clearance finds half of what it should), the back-test says so."""

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from remnant.backtest import backtest, calibration_plot
from remnant.catalogue import default_catalogue, default_survey
from remnant.cli import main
from remnant.errors import ModelError
from remnant.grid import equal_area_crs
from remnant.hazard.footprint import carrier_covariance, projected_kernels
from remnant.store import create_store

TYPE = "dpicm_m483a1"  # 88 per carrier on a 150 x 150 m footprint
LON, LAT = 105.8, 15.1  # synthetic: a made-up programme in southern Lao PDR
CRS = equal_area_crs(LON, LAT)
BEFORE = dt.date(2020, 1, 1)


def simulate(path, seed, *, strikes=24, later=24, found_share=1.0, kappa=None):
    """A store of one simulated programme (synthetic data, labelled so in its records).

    The true dud rate is drawn from the type's catalogue prior; each strike's duds fall
    carrier by carrier around its centre (itself off the reported point by the location
    error), as the map's Monte Carlo draws them; clearance before 2020 covers a box
    around a third of the strikes, and later clearance boxes of 60–260 m around others
    (some overlapping) find each surviving dud inside with the survey's detection
    probability, times
    ``found_share`` (1 where the survey figure is right). With ``kappa`` each strike has
    its own rate, Beta(μκ, (1 − μ)κ), as the field dud-rate model assumes.
    """
    rng = np.random.default_rng(seed)
    store = create_store(path)
    catalogue, survey = default_catalogue(), default_survey()
    entry = catalogue[TYPE]
    mu = rng.beta(*entry.beta)
    xy = rng.uniform(-3000, 3000, (strikes, 2))
    points = gpd.GeoSeries(shapely.points(xy), crs=CRS).to_crs(4326)
    frame = gpd.GeoDataFrame(
        {
            "id": [f"S{i}" for i in range(strikes)],
            "date": "2016-05-01",
            "munition": TYPE,
            "carriers": rng.integers(1, 5, strikes),
            "source_class": "surveyed",
            "accuracy_m": 15.0,
            "source": "synthetic simulation (tests/test_backtest.py)",
        },
        geometry=points.values,
        crs=4326,
    )
    store.write("strikes", frame)
    k = projected_kernels(store.read("strikes"), CRS, catalogue, survey)
    rate = mu if kappa is None else rng.beta(mu * kappa, (1 - mu) * kappa, strikes)
    shift = np.sqrt(k.location_var)[:, None] * rng.normal(size=(strikes, 2))
    centre = np.c_[k.x, k.y] + shift
    # Carrier by carrier: an aim point spread from the centre (where there are several),
    # its duds over one carrier's footprint turned to the strike's direction.
    n = frame["carriers"].to_numpy()
    strike_of = np.repeat(np.arange(strikes), n)
    aims = centre[strike_of] + (
        np.sqrt(k.spread_var)[strike_of, None] * rng.normal(size=(len(strike_of), 2))
    ) * (n[strike_of, None] > 1)
    duds = rng.binomial(entry.submunitions_per_carrier, np.broadcast_to(rate, strikes)[strike_of])
    carrier = np.repeat(np.arange(len(strike_of)), duds)
    owner = strike_of[carrier]
    theta = k.headings(rng)[owner]
    xx, xy, yy = carrier_covariance(k.along_var[owner], k.across_var[owner], theta)
    cov = np.stack([np.c_[xx, xy], np.c_[xy, yy]], axis=1)
    scatter = np.einsum("nij,nj->ni", np.linalg.cholesky(cov), rng.normal(size=(len(owner), 2)))
    where = aims[carrier] + scatter
    alive = np.ones(len(owner), bool)
    boxes, found_rows = [], []
    first = rng.permutation(strikes)
    for j, s in enumerate(first[: strikes // 3]):  # cleared before the back-test's date
        half = rng.uniform(60, 130)
        boxes.append((f"A{j}", dt.date(2018, 1, 1) + dt.timedelta(j), k.x[s], k.y[s], half))
    for j in range(later):
        s = first[strikes // 3 + j % (strikes - strikes // 3)]
        cx, cy = np.r_[k.x[s], k.y[s]] + rng.normal(0, 60, 2)
        half = rng.uniform(30, 130)
        boxes.append((f"L{j}", BEFORE + dt.timedelta(30 + 7 * j), cx, cy, half))
    d = survey.detection["clearance"]
    for name, start, cx, cy, half in boxes:
        inside = alive & (np.abs(where[:, 0] - cx) <= half) & (np.abs(where[:, 1] - cy) <= half)
        share = found_share if name.startswith("L") else 1.0
        got = inside & (rng.random(len(owner)) < d * share)
        alive &= ~got
        found_rows += [(name, start, *where[i]) for i in np.flatnonzero(got)]
    polygons = gpd.GeoSeries(
        [shapely.box(x - h, y - h, x + h, y + h) for _, _, x, y, h in boxes], crs=CRS
    )
    store.write(
        "hazard_areas",
        gpd.GeoDataFrame(
            {"id": ["H-1"], "kind": ["CHA"], "status": ["open"]},
            geometry=[
                shapely.segmentize(shapely.box(LON - 0.1, LAT - 0.1, LON + 0.1, LAT + 0.1), 0.01)
            ],
            crs=4326,
        ),
    )
    store.write(
        "activities",
        gpd.GeoDataFrame(
            {
                "id": [b[0] for b in boxes],
                "type": "clearance",
                "organisation": "simulated team",
                "start": [b[1].isoformat() for b in boxes],
                "depth_cm": 20,
                "hazard_area": "H-1",
                "outcome": "none",
            },
            geometry=polygons.to_crs(4326).values,
            crs=4326,
        ),
    )
    if found_rows:
        rows = pd.DataFrame(found_rows, columns=["activity", "date", "x", "y"])
        store.write(
            "items",
            gpd.GeoDataFrame(
                {
                    "id": [f"I{i}" for i in range(len(rows))],
                    "date": rows["date"].map(dt.date.isoformat),
                    "munition": TYPE,
                    "category": "submunition",
                    "state": "dud",
                    "activity": rows["activity"],
                },
                geometry=gpd.points_from_xy(rows["x"], rows["y"], crs=CRS).to_crs(4326),
                crs=4326,
            ),
        )
    return store


@pytest.mark.slow
@pytest.mark.parametrize("kappa", [None, 100.0])
def test_bands_are_calibrated_where_the_world_is_as_the_model_assumes(tmp_path, kappa):
    """One rate per type shared by its strikes, or each strike's own around it (κ = 100):
    the 50 % and 90 % intervals hold the later finds as often as they say, within three
    binomial standard errors, over 8 programmes × 24 later searches."""
    tables = [
        backtest(simulate(tmp_path / f"p{s}.gpkg", s, kappa=kappa), BEFORE, samples=300).searches
        for s in range(8)
    ]
    pit = pd.concat(tables)["pit"].to_numpy()
    n = len(pit)
    for level in (0.5, 0.9):
        covered = np.mean(np.abs(pit - 0.5) <= level / 2)
        se = np.sqrt(level * (1 - level) / n)
        assert abs(covered - level) <= 3 * se, (level, covered, se)


def test_a_clearance_that_finds_half_shows_as_finds_below_the_bands(tmp_path):
    store = simulate(tmp_path / "p.gpkg", 3, found_share=0.5)
    result = backtest(store, BEFORE, samples=300)
    s = result.summary
    assert s["found"] < 0.75 * s["predicted"]
    assert s["found"] < s["predicted_p05"]  # together, below the band of their sum
    assert np.mean(result.searches["pit"]) < 0.4  # finds in the lower part of the bands
    assert s["spearman"] > 0.3  # the map still ranks the searches


def test_the_command_writes_the_table_and_the_plot(tmp_path, capsys):
    store = simulate(tmp_path / "p.gpkg", 5)
    table, png = tmp_path / "backtest.csv", tmp_path / "backtest.png"
    args = ["backtest", str(store.backend.path), "--before", "2020-01-01"]
    assert main([*args, "--csv", str(table), "--png", str(png), "--samples", "100"]) == 0
    out = capsys.readouterr().out
    assert "searches" in out
    assert "Spearman" in out
    written = pd.read_csv(table)
    assert list(written.columns[:4]) == ["activity", "type", "start", "area_ha"]
    assert written["activity"].str.startswith("L").all()  # only searches after the date
    assert png.stat().st_size > 10_000
    assert main([*args[:2], "--before", "2010-01-01"]) == 1  # nothing known before
    assert "no strike was known before 2010-01-01" in capsys.readouterr().err
    with pytest.raises(ModelError, match="no clearance or technical survey"):
        backtest(store, "2030-01-01")
    calibration_plot(backtest(store, BEFORE, samples=50), tmp_path / "again.png")
