"""remnant verify and the audit of edits made outside remnant, on both backends."""

from __future__ import annotations

import subprocess

import pytest
import sqlalchemy as sa

from helpers import hazard_frame
from remnant import cli
from remnant.io import import_records
from remnant.store.verify import verify


def errors(store) -> list[str]:
    return [f.message for f in verify(store) if f.severity == "error"]


def sql(store, *statements):
    """Run statements as an outsider would (sqlite3, psql): not through remnant."""
    with store.backend.engine.connect() as conn:
        for s in statements:
            conn.exec_driver_sql(s)
        conn.commit()


@pytest.fixture
def written(any_store):
    import_records(any_store, "hazard_areas", hazard_frame(3), user="ana")
    any_store.update("hazard_areas", "H-1", {"name": "Ban Naxay"}, user="ana")
    assert errors(any_store) == []
    return any_store


def guard(store):
    """(drop, recreate) statements for the audit's append-only guard."""
    if store.backend.name == "geopackage":
        ddl = store.backend.expected_triggers([])
        return (
            ["DROP TRIGGER audit_no_update", "DROP TRIGGER audit_no_delete"],
            [
                f"CREATE TRIGGER {ddl['audit_no_update'][15:]}",
                f"CREATE TRIGGER {ddl['audit_no_delete'][15:]}",
            ],
        )
    return (
        ["ALTER TABLE audit DISABLE TRIGGER audit_no_change"],
        ["ALTER TABLE audit ENABLE TRIGGER audit_no_change"],
    )


def test_a_dropped_trigger_is_found(written):
    drop = (
        "DROP TRIGGER audit_no_update"
        if written.backend.name == "geopackage"
        else "DROP TRIGGER audit_no_change ON audit"
    )
    sql(written, drop)
    assert any("audit_no_" in e and "missing" in e for e in errors(written))


def test_an_edited_audit_entry_is_found(written):
    drop, recreate = guard(written)
    sql(written, *drop, "UPDATE audit SET \"user\" = 'mallory' WHERE fid = 2", *recreate)
    found = errors(written)
    assert len(found) == 1
    assert "audit entry 2" in found[0]
    assert "does not follow the chain" in found[0]


def test_a_deleted_audit_entry_is_found(written):
    drop, recreate = guard(written)
    sql(written, *drop, "DELETE FROM audit WHERE fid = 2", *recreate)
    found = errors(written)
    assert found
    assert all("does not follow the chain" in e for e in found)


def test_a_record_changed_with_the_triggers_off_is_found(written):
    name = "hazard_areas_external_update"
    if written.backend.name == "geopackage":
        ddl = written.backend.expected_triggers(
            [__import__("remnant.store.schema", fromlist=["x"]).record_table("hazard_areas")]
        )[name]
        statements = [f"DROP TRIGGER {name}", "UPDATE hazard_areas SET name = 'x'", ddl]
    else:
        statements = [
            "ALTER TABLE hazard_areas DISABLE TRIGGER hazard_areas_external",
            "UPDATE hazard_areas SET name = 'x'",
            "ALTER TABLE hazard_areas ENABLE TRIGGER hazard_areas_external",
        ]
    sql(written, *statements)
    found = errors(written)
    assert len(found) == 3
    assert all("differs from its last audit entry" in e for e in found)


def test_edits_outside_remnant_are_audited_as_external(written, capsys):
    sql(written, "UPDATE hazard_areas SET land_use = 'pasture' WHERE id = 'H-2'")
    assert written.history("H-2")["user"].tolist() == ["ana", "external"]
    assert errors(written) == []
    notices = [f.message for f in verify(written) if f.severity == "notice"]
    assert any("1 edit(s) made outside remnant" in n and "hazard_areas/H-2" in n for n in notices)
    written.update("hazard_areas", "H-2", {"name": "Ban Done"}, user="ana")  # seals it
    assert errors(written) == []
    sql(written, "UPDATE hazard_areas SET status = 'bogus' WHERE id = 'H-0'")
    assert errors(written) == [
        "hazard_areas H-0 (edited outside remnant), row 1, field 'status': must be one of: "
        "open, worked_on, closed, handed_over (value 'bogus')"
    ]
    capsys.readouterr()
    assert cli.main(["verify", written.backend.location]) == 1
    assert "field 'status'" in capsys.readouterr().out


def test_gdal_edits_are_audited_and_verify_explains_them(store, ogrinfo, capsys):
    import_records(store, "hazard_areas", hazard_frame(2), user="ana")
    path = str(store.backend.path)
    subprocess.run(
        [ogrinfo, path, "-sql", "UPDATE hazard_areas SET name = 'Phonsavan' WHERE id = 'H-1'"],
        check=True,
        capture_output=True,
    )
    history = store.history("H-1")
    assert history["user"].tolist() == ["ana", "external"]
    assert '"name":"Phonsavan"' in history["after"].iloc[-1].replace(" ", "")
    assert cli.main(["verify", path]) == 0
    out = capsys.readouterr().out
    assert "outside remnant" in out
    assert "ok:" in out
    with store.backend.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM remnant_writer")).scalar_one() == 0
