"""The hazard map tile by tile: same as in memory, sparse, and the same on Dask."""

import datetime as dt
import os
import signal

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import rasterio.errors
import shapely

from remnant.grid import Grid, equal_area_crs
from remnant.hazard import area_sums, expected_items
from remnant.hazard.model import prepare
from remnant.hazard.tiled import TileJob, run_tiles

CRS = equal_area_crs(35.5, 33.3)


def scenario(n=120, seed=4):
    """SYNTHETIC: strikes in two clusters far apart, clearance over part of one, areas."""
    rng = np.random.default_rng(seed)
    centres = np.where(rng.random(n)[:, None] < 0.5, [[-30_000, 20_000]], [[25_000, -20_000]])
    xy = centres + rng.normal(0, 2_000, (n, 2))
    strikes = gpd.GeoDataFrame(
        {
            "id": [f"S{i}" for i in range(n)],
            "munition": rng.choice(["m77_m26", "m85_m396"], n),
            "carriers_min": 1,
            "carriers_max": rng.integers(1, 4, n),
            "azimuth_deg": None,
            "source_class": "eod_report",
            "accuracy_m": 50.0,
            "date": dt.date(2023, 1, 1),
        },
        geometry=shapely.points(xy),
        crs=CRS,
    )
    acts = gpd.GeoDataFrame(
        {"type": ["clearance", "TS"], "start": [dt.date(2024, 3, 1), dt.date(2022, 1, 1)]},
        geometry=[
            shapely.box(-32_000, 18_000, -29_000, 22_500),
            shapely.box(24_000, -21_000, 27_000, -19_000),
        ],
        crs=CRS,
    )
    areas = gpd.GeoDataFrame(
        {"id": ["A", "B"]},
        geometry=[
            shapely.box(-34_000, 16_000, -26_000, 24_000),
            shapely.box(22_000, -23_000, 28_000, -17_000),
        ],
        crs=CRS,
    )
    grid = Grid.covering((-40_000, -30_000, 35_000, 30_000), 25, CRS)
    return strikes, acts, areas, grid


@pytest.fixture(scope="module")
def case():
    strikes, acts, areas, grid = scenario()
    whole = expected_items(strikes, grid, activities=acts)
    p = prepare(strikes, grid, activities=acts)
    job = TileJob(grid, p.kernel_set(), p.epochs, p.activities, areas.geometry.to_numpy())
    return whole, job, areas


def read(path):
    with rasterio.open(path) as src:
        return src.read(1, masked=True).filled(0.0)


def test_tiles_give_the_whole_grid_result_and_skip_empty_tiles(case, tmp_path):
    whole, job, areas = case
    result = run_tiles(job, tmp_path / "t.tif", size=512)
    tiled = read(tmp_path / "t.tif")
    scale = float(whole.expected.max())
    assert np.abs(tiled - whole.expected).max() <= 1e-6 * scale
    sums = area_sums(whole, areas)["expected"].to_numpy()
    np.testing.assert_allclose(result.area_expected, sums, rtol=1e-6)
    assert result.removed == pytest.approx(whole.removed, rel=1e-6)
    assert 0 < result.written < result.tiles / 2  # the empty middle is never written
    with rasterio.open(tmp_path / "t.tif") as src:  # … and stays sparse in the COG
        blocks = [(i, j) for i in range(src.height // 512) for j in range(src.width // 512)]
        assert sum(not stored(src, i, j) for i, j in blocks) > len(blocks) / 3


def stored(src, i, j) -> bool:
    """Whether block (i, j) of band 1 is in the file (GDAL cannot size a sparse one)."""
    try:
        return src.block_size(1, i, j) > 0
    except rasterio.errors.RasterBlockError:
        return False


@pytest.fixture(scope="module")
def cluster():
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as c,
        Client(c) as client,
    ):
        yield client


def test_dask_gives_the_same_map(case, cluster, tmp_path):
    _, job, _ = case
    here = run_tiles(job, tmp_path / "here.tif", size=512)
    there = run_tiles(job, tmp_path / "dask.tif", size=512, client=cluster)
    a, b = read(tmp_path / "here.tif"), read(tmp_path / "dask.tif")
    assert np.abs(a - b).max() <= 1e-6 * float(a.max())
    np.testing.assert_allclose(there.area_expected, here.area_expected, rtol=1e-9)
    assert there.written == here.written


def test_a_killed_worker_neither_corrupts_nor_truncates_the_map(case, cluster, tmp_path):
    _, job, _ = case
    run_tiles(job, tmp_path / "here.tif", size=256)
    pids = list(cluster.run(os.getpid).values())
    killed = []

    def kill_one(n, total):
        if n == 3 and not killed:  # mid-run: tiles are still queued on both workers
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    result = run_tiles(job, tmp_path / "dask.tif", size=256, client=cluster, progress=kill_one)
    assert killed
    a, b = read(tmp_path / "here.tif"), read(tmp_path / "dask.tif")
    assert np.abs(a - b).max() <= 1e-6 * float(a.max())
    assert result.written > 0
    cluster.wait_for_workers(2, timeout=60)  # the nanny restarted it


def test_hazard_command_on_a_local_cluster(tmp_path, capsys):
    from remnant.cli import main
    from remnant.demo import build_demo

    build_demo(tmp_path / "d", seed=3, maps=False)
    store = str(tmp_path / "d" / "remnant.gpkg")
    common = ["--cell", "50", "--samples", "0", "--tile", "256"]
    assert main(["hazard", store, *common, "--out", str(tmp_path / "a.tif")]) == 0
    assert (
        main(
            [
                "hazard",
                store,
                *common,
                "--out",
                str(tmp_path / "b.tif"),
                "--scheduler",
                "local",
                "--workers",
                "2",
                "--overwrite",
            ]
        )
        == 0
    )
    a, b = read(tmp_path / "a.tif"), read(tmp_path / "b.tif")
    assert np.abs(a - b).max() <= 1e-6 * float(a.max())
    assert "expected unexploded submunitions remaining on the grid" in capsys.readouterr().out
