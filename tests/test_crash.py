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


def _timed_import(ctx, path, csv) -> float:
    start = time.perf_counter()
    child = ctx.Process(target=_import, args=(str(path), csv))
    child.start()
    child.join(120)
    assert child.exitcode == 0
    return time.perf_counter() - start


@pytest.mark.slow
def test_sigkill_during_import_leaves_none_or_all_rows(tmp_path):
    path = tmp_path / "store.gpkg"
    create_store(path)
    ctx = multiprocessing.get_context("fork")
    rng = np.random.default_rng(2026)
    expected, hot_journals, cut_before_writing = 0, 0, 0
    for trial in range(KILLS):
        if trial % 6 == 0:  # a whole import now and then: how long one takes at this size
            duration = _timed_import(
                ctx, path, big_csv(tmp_path / f"full{trial}.csv", 1000 + trial)
            )
            expected += ROWS
        csv = big_csv(tmp_path / f"t{trial}.csv", trial)
        child = ctx.Process(target=_import, args=(str(path), csv))
        child.start()
        # The gate runs inside the write transaction, so the moments before writing are
        # only those of reading the file: every third kill aims there.
        early = trial % 3 == 0
        time.sleep(rng.uniform(0.001, 0.015) if early else rng.uniform(0.02, duration))
        os.kill(child.pid, signal.SIGKILL)
        child.join(30)
        hot = (tmp_path / "store.gpkg-journal").exists()
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
        hot_journals += hot
        cut_before_writing += not hot and mine == 0
    # Kills landed both inside the write transaction (a journal that opening rolled back)
    # and before it.
    assert hot_journals > 0
    assert cut_before_writing > 0
