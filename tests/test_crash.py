"""An import killed with SIGKILL at random moments leaves the store whole: all or nothing."""

import multiprocessing
import os
import signal
import sqlite3
import time

import numpy as np
import pytest

from helpers import strike_rows, write_csv
from remnant.io import import_file
from remnant.store import create_store, open_store

ROWS = 6_000
KILLS = 24


def _import(path, csv):
    import_file(open_store(path), csv, "strikes", user="crash-test")
    os._exit(0)


def big_csv(path, trial: int):
    rows = strike_rows(ROWS)
    rows["id"] = [f"T{trial}-{i}" for i in range(ROWS)]
    rng = np.random.default_rng(trial)
    rows["lon"] = [f"{v:.6f}" for v in rng.uniform(35, 36, ROWS)]
    rows["lat"] = [f"{v:.6f}" for v in rng.uniform(33, 34, ROWS)]
    return write_csv(path, rows)


@pytest.mark.slow
def test_sigkill_during_import_leaves_none_or_all_rows(tmp_path):
    path = tmp_path / "store.gpkg"
    create_store(path)
    ctx = multiprocessing.get_context("fork")
    # How long one import takes here, so that kill moments span all of it.
    start = time.perf_counter()
    child = ctx.Process(target=_import, args=(str(path), big_csv(tmp_path / "t0.csv", 0)))
    child.start()
    child.join(120)
    duration = time.perf_counter() - start
    assert child.exitcode == 0
    expected = ROWS
    rng = np.random.default_rng(2026)
    outcomes = []
    hot_journals = 0  # kills that landed inside the write transaction
    for trial in range(1, KILLS + 1):
        csv = big_csv(tmp_path / f"t{trial}.csv", trial)
        child = ctx.Process(target=_import, args=(str(path), csv))
        child.start()
        time.sleep(rng.uniform(0.02, duration * 1.05))
        os.kill(child.pid, signal.SIGKILL)
        child.join(30)
        hot_journals += (tmp_path / "store.gpkg-journal").exists()
        store = open_store(path)  # opens, rolling back any hot journal
        con = sqlite3.connect(path)
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT rtreecheck('rtree_strikes_geom')").fetchone() == ("ok",)
        mine = con.execute(
            "SELECT count(*) FROM strikes WHERE id LIKE ?", (f"T{trial}-%",)
        ).fetchone()[0]
        audited = con.execute(
            "SELECT count(*) FROM audit WHERE record_id LIKE ?", (f"T{trial}-%",)
        ).fetchone()[0]
        con.close()
        assert mine in (0, ROWS)
        assert audited == mine
        expected += mine
        assert store.counts()["strikes"] == expected
        outcomes.append(mine == ROWS)
    # The kill moments covered both sides: some imports were cut off, some had finished,
    # and some were cut off mid-write, leaving a journal that opening rolled back.
    assert 0 < sum(outcomes) < KILLS
    assert hot_journals > 0
