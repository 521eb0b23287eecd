"""The PostGIS backend: copy between backends, concurrent editors, a server killed mid-write."""

import multiprocessing
import subprocess
import threading

import pandas as pd
import pytest
import sqlalchemy as sa

from helpers import hazard_frame, import_one_area
from remnant.cli import main
from remnant.io import import_records
from remnant.store import create_store, open_store
from remnant.store.copy import copy_tables, table_digest
from remnant.store.schema import metadata
from remnant.store.verify import verify


def populated(location):
    from remnant.demo import make_scenario

    store = create_store(location)
    for layer, frame in make_scenario(seed=5, n_strikes=40).layers().items():
        import_records(store, layer, frame, user="tester")
    store.update("hazard_areas", store.read("hazard_areas")["id"].iloc[0], {"notes": "checked"})
    return store


def test_copy_round_trips_between_backends_with_the_audit(tmp_path, pg_url, capsys):
    gpkg = populated(tmp_path / "a.gpkg")
    assert main(["copy", str(gpkg.backend.location), pg_url]) == 0
    assert "(verified)" in capsys.readouterr().out
    pg = open_store(pg_url)
    back = create_store(tmp_path / "b.gpkg")
    copied = copy_tables(pg, back)
    assert {c.name for c in copied} >= {"strikes", "activities", "audit", "catalogue"}
    for table in metadata.sorted_tables:
        if table.name != "remnant_meta":
            assert table_digest(gpkg, table) == table_digest(pg, table) == table_digest(back, table)
    area = gpkg.read("hazard_areas")["id"].iloc[0]
    pd.testing.assert_frame_equal(gpkg.history(area), back.history(area))
    assert pg.counts() == gpkg.counts()
    with pytest.raises(Exception, match="is not empty; copy into a new store"):
        copy_tables(gpkg, pg)


def test_init_import_and_info_on_a_postgresql_url(pg_url, tmp_path, capsys):
    assert main(["init", pg_url]) == 0
    path = tmp_path / "areas.geojson"
    hazard_frame(3).to_file(path)
    assert main(["import", pg_url, str(path), "--layer", "hazard_areas"]) == 0
    assert main(["info", pg_url]) == 0
    assert "hazard_areas" in capsys.readouterr().out
    assert main(["init", pg_url]) == 1
    assert "exists; pass --overwrite" in capsys.readouterr().err


def test_eight_concurrent_editors_lose_nothing(any_store):
    location = any_store.backend.location
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=import_one_area, args=(location, k)) for k in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0] * 8
    assert sorted(any_store.ids("hazard_areas")) == [f"P{k}" for k in range(8)]
    audit = any_store.history("P3")
    assert audit["user"].tolist() == ["w3"]


def test_a_server_killed_mid_transaction_shows_nothing_partial(postgres, pg_url, monkeypatch):
    store = create_store(pg_url)
    import_records(store, "hazard_areas", hazard_frame(2))
    before = store.counts()
    started, go_on = threading.Event(), threading.Event()
    failure = []
    mark = store.backend.mark_writer

    def pause_before_commit(conn, on):
        """remnant's own write path, held after its records and audit, before the commit."""
        mark(conn, on)
        if not on:
            started.set()
            go_on.wait(30)

    monkeypatch.setattr(store.backend, "mark_writer", pause_before_commit)

    def half_written():
        try:
            import_records(store, "hazard_areas", hazard_frame(3).iloc[2:], user="crash")
        except Exception as exc:  # the server went away under it
            failure.append(exc)

    writer = threading.Thread(target=half_written)
    writer.start()
    assert started.wait(30)
    postgres.stop("immediate")  # like a power cut: no shutdown checkpoint
    go_on.set()
    writer.join(30)
    assert failure, "the transaction should have died with the server"
    postgres.start()
    store.backend.engine.dispose()
    reopened = open_store(pg_url)
    assert reopened.counts() == before
    assert "H-2" not in reopened.ids("hazard_areas")
    assert reopened.history("H-2").empty
    assert [f.message for f in verify(reopened) if f.severity == "error"] == []
    import_records(reopened, "hazard_areas", hazard_frame(3))  # and it works on
    assert reopened.counts()["hazard_areas"] == 3


def test_audit_is_append_only_on_postgis(pg_url):
    store = create_store(pg_url)
    import_records(store, "hazard_areas", hazard_frame(1))
    for statement in ("UPDATE audit SET \"user\" = 'x'", "DELETE FROM audit"):
        with (
            pytest.raises(sa.exc.DBAPIError, match="audit is append-only"),
            store.backend.engine.begin() as conn,
        ):
            conn.exec_driver_sql(statement)
    assert len(store.history("H-0")) == 1


def test_psql_sees_postgis_geometry_columns(postgres, pg_url):
    create_store(pg_url)
    out = subprocess.run(
        [
            "/usr/lib/postgresql/15/bin/psql",
            pg_url,
            "-Atc",
            "SELECT f_table_name, type, srid FROM geometry_columns ORDER BY 1",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "strikes|POINT|4326" in out
    assert "hazard_areas|MULTIPOLYGON|4326" in out
