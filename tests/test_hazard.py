import datetime as dt
import math
import subprocess

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from rio_cogeo.cogeo import cog_validate
from scipy import integrate

from remnant.catalogue import default_catalogue, default_survey
from remnant.errors import InputError, ModelError
from remnant.grid import Grid, coverage, equal_area_crs
from remnant.hazard import area_bands, area_sums, expected_items
from remnant.hazard.engine import KernelSet, rasterize
from remnant.hazard.footprint import strike_kernels
from remnant.hazard.model import DudRate, prepare
from remnant.hazard.tiled import TileJob, run_tiles

CRS = equal_area_crs(35.5, 33.3)


def covariance(sa, sb, azimuth_deg, extra=0.0):
    t = math.radians(azimuth_deg)
    u, v = np.array([math.sin(t), math.cos(t)]), np.array([math.cos(t), -math.sin(t)])
    return sa**2 * np.outer(u, u) + sb**2 * np.outer(v, v) + extra**2 * np.eye(2)


def reference_cell(mx, my, cov, x0, x1, y0, y1):
    """Independent reference: scipy's adaptive 2-D quadrature of the normal density."""
    inv, det = np.linalg.inv(cov), np.linalg.det(cov)

    def density(y, x):
        d = np.array([x - mx, y - my])
        return math.exp(-0.5 * d @ inv @ d) / (2 * math.pi * math.sqrt(det))

    return integrate.dblquad(density, x0, x1, y0, y1, epsabs=1e-13, epsrel=1e-10)[0]


CASES = {
    "rotated": (60, 20, 30),
    "rotated, blurred by location error": (60, 20, 30, 40),
    "rotated, mostly location error": (60, 20, 30, 300),
    "isotropic": (30, 30, 0),
    "tiny isotropic": (6, 6, 0),
    "tiny rotated": (9, 4, 45),
    "huge": (700, 400, 110),
}


@pytest.mark.parametrize("case", list(CASES))
def test_cell_integrals_match_an_independent_reference(case):
    sa, sb, azimuth, *extra = CASES[case]
    cov = covariance(sa, sb, azimuth, *extra)
    if sa == sb:
        cov[0, 1] = cov[1, 0] = 0.0
    h, n = 25.0, 120
    left, top = 0.0, n * h
    mx, my = n * h / 2 + 3.3, n * h / 2 - 7.9
    kernels = KernelSet([mx], [my], [cov[0, 0]], [cov[0, 1]], [cov[1, 1]], [1.0])
    grid = rasterize(kernels, (n, n), left, top, h, truncate=6, block=32)["grid"]
    r, c = np.unravel_index(np.argmax(grid), grid.shape)
    step = max(1, int(sa / h))
    checked = 0
    for dr, dc in [(0, 0), (1, 0), (0, -1), (step, step), (-step, 2 * step), (2 * step, -step)]:
        rr, cc = r + dr, c + dc
        x0, y1 = left + cc * h, top - rr * h
        ref = reference_cell(mx, my, cov, x0, x0 + h, y1 - h, y1)
        if ref > 1e-6 * grid.max():
            assert float(grid[rr, cc]) == pytest.approx(ref, rel=1e-3), (rr, cc)
            checked += 1
    assert checked >= 3


kernel = st.tuples(
    st.floats(-2000, 7000),
    st.floats(-2000, 7000),  # centre: some near or off the edges
    st.floats(3, 600),
    st.floats(3, 600),
    st.floats(0, 180),
    st.floats(0.1, 100),
)


@settings(max_examples=40, deadline=None)
@given(kernels=st.lists(kernel, min_size=1, max_size=12), truncate=st.floats(2, 5))
def test_mass_is_conserved(kernels, truncate):
    covs = [covariance(sa, sb, az) for _, _, sa, sb, az, _ in kernels]
    ks = KernelSet(
        [k[0] for k in kernels],
        [k[1] for k in kernels],
        [c[0, 0] for c in covs],
        [c[0, 1] for c in covs],
        [c[1, 1] for c in covs],
        [k[5] for k in kernels],
    )
    result = rasterize(ks, (200, 200), 0.0, 5000.0, 25.0, truncate=truncate, block=64)
    expected = result["total"] - result["truncated"] - result["outside"]
    assert result["grid"].sum(dtype=np.float64) == pytest.approx(expected, rel=1e-4, abs=1e-6)
    # The window covers ±T σ on each axis, so at most both tails of both axes are lost.
    tail = 0.5 * math.erfc(truncate / math.sqrt(2))
    # A rotated kernel's window mass is a Gauss-Legendre quadrature, good to about 1e-8.
    rounding = 1e-7 * result["total"]
    assert -rounding <= result["truncated"] <= result["total"] * 4 * tail + rounding
    assert result["outside"] >= -rounding


def test_rotating_a_kernel_by_90_degrees_rotates_the_grid():
    n, h = 101, 10.0
    centre = n * h / 2
    cov = covariance(120, 30, 20)
    turned = covariance(120, 30, 110)
    a = rasterize(
        KernelSet([centre], [centre], [cov[0, 0]], [cov[0, 1]], [cov[1, 1]], [1.0]),
        (n, n),
        0,
        n * h,
        h,
    )
    b = rasterize(
        KernelSet([centre], [centre], [turned[0, 0]], [turned[0, 1]], [turned[1, 1]], [1.0]),
        (n, n),
        0,
        n * h,
        h,
    )
    np.testing.assert_allclose(np.rot90(a["grid"], k=-1), b["grid"], rtol=1e-4, atol=1e-9)


def strikes_frame(points, **columns):
    base = {
        "id": [f"S{i}" for i in range(len(points))],
        "munition": "m77_m26",
        "carriers_min": 1,
        "carriers_max": 1,
        "azimuth_deg": None,
        "source_class": "surveyed",
        "accuracy_m": 20.0,
        "date": dt.date(2023, 1, 1),
    }
    base.update(columns)
    return gpd.GeoDataFrame(base, geometry=[shapely.Point(p) for p in points], crs=CRS)


def test_clearance_reduces_by_one_minus_d_inside_and_nothing_outside():
    grid = Grid.covering((-2000, -2000, 2000, 2000), 25, CRS)
    strikes = strikes_frame([(0, 0)])
    before = expected_items(strikes, grid).expected
    cleared = gpd.GeoDataFrame(
        {"type": ["clearance"], "start": [dt.date(2024, 5, 1)]},
        geometry=[shapely.box(-500, -300, 250, 400)],
        crs=CRS,
    )
    after = expected_items(strikes, grid, activities=cleared)
    d = default_survey().detection["clearance"]
    inside = np.zeros(grid.shape, bool)
    rows, cols, share = coverage(cleared.geometry.iloc[0], grid)
    inside[rows, cols] = True
    assert np.all(share == 1.0)  # the box is aligned to cells
    np.testing.assert_allclose(after.expected[inside], before[inside] * (1 - d), rtol=1e-6)
    np.testing.assert_array_equal(after.expected[~inside], before[~inside])
    assert after.removed == pytest.approx(float(before[inside].sum(dtype=np.float64)) * d, rel=1e-5)
    # A cell half covered keeps 1 - d/2; an activity before the strike changes nothing.
    half = cleared.set_geometry([shapely.box(-500, -300, 262.5, 400)])
    partial = expected_items(strikes, grid, activities=half).expected
    r, c = rows[0], cols.max() + 1
    assert partial[r, c] == pytest.approx(before[r, c] * (1 - d / 2), rel=1e-5)
    earlier = cleared.assign(start=[dt.date(2020, 1, 1)])
    np.testing.assert_array_equal(
        expected_items(strikes, grid, activities=earlier).expected, before
    )


def test_footprint_covariances():
    cat, survey = default_catalogue(), default_survey()
    frame = strikes_frame([(0, 0)] * 3, azimuth_deg=[0.0, 90.0, None], carriers_max=[1, 1, 1])
    k = strike_kernels(frame, np.zeros(3), np.zeros(3), cat, survey)
    m26 = cat["m77_m26"]
    length, width = m26.footprint_length_m, m26.footprint_width_m

    def within(half, var):  # share of one carrier's submunitions within ±half on an axis
        return math.erf(half / math.sqrt(2 * var))

    # A published footprint holds about 95 % of a carrier's submunitions (docs/catalogue.md):
    # azimuth 0 lays the length north–south, 90 east–west (clockwise from north).
    assert within(length / 2, k.footprint_yy[0]) == pytest.approx(0.954, abs=0.002)
    assert within(width / 2, k.footprint_xx[0]) == pytest.approx(0.954, abs=0.002)
    assert within(length / 2, k.footprint_xx[1]) == pytest.approx(0.954, abs=0.002)
    assert k.footprint_xy[:2].tolist() == [0.0, 0.0]
    # Unknown azimuth: the same spread on both axes, the average over directions.
    assert k.footprint_xx[2] == k.footprint_yy[2] == (k.footprint_xx[0] + k.footprint_yy[0]) / 2
    volley = strikes_frame([(0, 0)], carriers_min=[2], carriers_max=[6])
    kv = strike_kernels(volley, np.zeros(1), np.zeros(1), cat, survey)
    assert kv.footprint_xx[0] == pytest.approx(
        k.footprint_xx[2] + survey.carrier_spread_m["rocket"] ** 2
    )
    assert kv.carriers_mean[0] == 4
    assert kv.location_var[0] == 400.0


def test_bad_inputs_get_clear_errors():
    grid = Grid.covering((-1000, -1000, 1000, 1000), 25, CRS)
    with pytest.raises(ModelError, match="no strikes"):
        expected_items(strikes_frame([]), grid)
    with pytest.raises(InputError, match=r"1 strike\(s\) lie outside the grid, e.g. S0"):
        expected_items(strikes_frame([(50_000, 0)]), grid)
    for cell in (0, -5, float("nan")):
        with pytest.raises(InputError, match="cell size must be a positive number of metres"):
            Grid.covering((0, 0, 100, 100), cell, CRS)
    with pytest.raises(InputError, match=r"needs [\d.]+ GiB, more than half of this machine"):
        Grid.covering((0, 0, 4_000_000, 4_000_000), 1, CRS)


def test_monte_carlo_bands_agree_with_the_map():
    grid = Grid.covering((-3000, -3000, 3000, 3000), 25, CRS)
    strikes = strikes_frame(
        [(0, 0), (800, 300), (-600, -900)], carriers_min=[2, 1, 3], carriers_max=[4, 1, 3]
    )
    rates = {"m77_m26": DudRate(400.0, 3600.0, "narrow test rate")}
    hazard = expected_items(strikes, grid, rates=rates)
    areas = gpd.GeoDataFrame(
        {"id": ["A", "B"]},
        geometry=[shapely.box(-400, -400, 400, 400), shapely.box(500, 0, 1200, 700)],
        crs=CRS,
    )
    sums = area_sums(hazard, areas)
    bands = area_bands(hazard, areas, samples=400, seed=3)
    for (_, s), (_, b) in zip(sums.iterrows(), bands.iterrows(), strict=True):
        assert b["mc_mean"] == pytest.approx(s["expected"], rel=0.06)
        assert b["p05"] <= b["p50"] <= b["p95"]
        assert b["p05"] < s["expected"] < b["p95"]


def test_cog_is_valid_and_described(tmp_path, ogrinfo):
    grid = Grid.covering((-15_000, -15_000, 15_000, 15_000), 25, CRS)
    strikes = strikes_frame([(0, 0), (4000, -2500)])
    hazard = expected_items(strikes, grid)
    prepared = prepare(strikes, grid)
    job = TileJob(grid, prepared.kernel_set(), prepared.epochs, prepared.activities, [], 4.0)
    path = tmp_path / "h.tif"
    run_tiles(job, path, size=512)
    valid, errors, warnings = cog_validate(str(path), strict=True)
    assert (valid, errors, warnings) == (True, [], [])
    with rasterio.open(path) as src:
        assert src.count == 1  # P(any) = 1 − e^(−Λ) is computed by readers (docs/hazard-model.md)
        assert src.dtypes == ("float32",)
        assert src.descriptions[0].startswith("expected unexploded submunitions")
        assert src.nodata == -1.0
        assert src.overviews(1) == [2, 4]
        assert src.block_shapes[0] == (512, 512)
        assert src.tags(ns="IMAGE_STRUCTURE").get("COMPRESSION") == "ZSTD"
        full = src.read(1, masked=True)
        assert src.crs.to_wkt()
    # The cells are the whole-grid computation's, tile edges included.
    np.testing.assert_allclose(full.filled(0.0), hazard.expected, rtol=1e-6, atol=1e-12)
    # Each overview cell is the mean of the four cells under it (items per cell averaged).
    with rasterio.open(path, overview_level=0) as level:
        half = level.read(1, masked=True)
    expected = full.reshape(600, 2, 600, 2).mean(axis=(1, 3))
    assert np.array_equal(np.ma.getmaskarray(half), np.ma.getmaskarray(expected))
    np.testing.assert_allclose(half.compressed(), expected.compressed(), rtol=1e-6)
    info = subprocess.run(
        [ogrinfo.replace("ogrinfo", "gdalinfo"), str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "LAYOUT=COG" in info
    assert "Overviews" in info


def test_zonal_sums_weigh_cells_by_exact_coverage():
    """exactextract's sums equal the cell-by-cell coverage shares, edges and all (to its
    single-precision shares)."""
    from remnant.grid import coverage
    from remnant.zonal import zonal_sums

    grid = Grid.covering((-5000, -5000, 5000, 5000), 50, CRS)
    rng = np.random.default_rng(0)
    values = rng.random(grid.shape)
    x, y = rng.uniform(-5500, 5500, (2, 200))  # some stick out of the grid
    polygons = list(shapely.buffer(shapely.points(x, y), rng.uniform(10, 900, 200)))
    polygons += [shapely.Polygon(), shapely.box(9000, 9000, 9100, 9100)]  # empty, off grid
    want = [float((values[r, c] * s).sum()) for r, c, s in (coverage(p, grid) for p in polygons)]
    got = zonal_sums(values, grid, np.array(polygons, dtype=object))
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)  # float32 coverage shares
    assert got[-2:].tolist() == [0.0, 0.0]
