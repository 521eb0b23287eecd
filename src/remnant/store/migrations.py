"""Forward migrations of the store schema, applied by ``remnant migrate STORE``.

Each migration takes a store at version ``n - 1`` to version ``n`` inside the migrating
transaction, through SQLAlchemy so that it runs on every backend. Append new ones to
``MIGRATIONS``; never edit one that has shipped. Version 1 is the schema as created.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import orjson
import sqlalchemy as sa

from remnant.errors import StoreError
from remnant.store import audit, schema
from remnant.translate import N_

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    """One step: the version it produces, what it does, and the function doing it."""

    version: int
    description: str
    apply: Callable[[sa.Connection, object], None]


def _add_hazard_area_risk(conn: sa.Connection, backend) -> None:
    schema.hazard_area_risk.create(conn)
    backend.register_table(conn, schema.hazard_area_risk)


def _add_nonconformities(conn: sa.Connection, backend) -> None:
    table = schema.record_table("nonconformities")
    table.create(conn)
    backend.register_table(conn, table)


def _add_users(conn: sa.Connection, backend) -> None:
    for table in (schema.users, schema.reviews):
        table.create(conn)
        backend.register_table(conn, table)


def _version_5(conn: sa.Connection, backend) -> None:
    # Reviews become proposals (action, the record as proposed, the version it was read
    # at); those made before were already written, which a NULL proposal says. A table
    # made by migration 4 of this release has the columns already.
    have = {c["name"] for c in sa.inspect(conn).get_columns("reviews")}
    for column, kind in (("action", "TEXT"), ("proposal", "TEXT"), ("expected_version", "INTEGER")):
        if column not in have:
            conn.exec_driver_sql(f"ALTER TABLE reviews ADD COLUMN {column} {kind}")
    conn.exec_driver_sql("UPDATE reviews SET action = 'insert'")
    # Audit entries are chained by hash from now on (earlier ones are folded into the
    # first new entry's hash), and edits made outside remnant are audited.
    if "hash" not in {c["name"] for c in sa.inspect(conn).get_columns("audit")}:
        conn.exec_driver_sql("ALTER TABLE audit ADD COLUMN hash TEXT")
    for table in _present(conn):
        backend.watch_edits(conn, table)


def _add_survey(conn: sa.Connection, backend) -> None:
    schema.survey.create(conn)
    backend.register_table(conn, schema.survey)


def _add_external_ids(conn: sa.Connection, backend) -> None:
    # Every record may carry its identifier in another system (IMSMA, an operator's own);
    # the triggers that audit outside edits are made anew to include the new columns.
    for table in _present(conn):
        have = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}
        for column in ("external_id", "external_system"):
            if column not in have:
                conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {column} TEXT")
        backend.watch_edits(conn, table)


def _for_gis_clients(conn: sa.Connection, backend) -> None:
    for table in schema.INTERNAL_TABLES:
        backend.hide_table(conn, table)
    _describe_anew(conn, backend)


def _describe_anew(conn: sa.Connection, backend) -> None:
    for table in _present(conn):
        backend.describe_fields(conn, table)
    backend.style_layers(conn)


def _present(conn: sa.Connection) -> list[sa.Table]:
    """The record tables this store has so far (a migration sees the store as it is then)."""
    have = set(sa.inspect(conn).get_table_names())
    return [t for name, t in schema.RECORD_TABLES.items() if name in have]


# Victims' civilian yes/no becomes the Monitor's category: yes is a civilian; no was
# documented as "deminers and military", so a demining casualty is a deminer and the
# others are security forces; blank stays blank (unknown).
_CATEGORY_OF_CIVILIAN = (
    "CASE WHEN civilian IS NULL THEN NULL WHEN civilian THEN 'civilian' "
    "WHEN activity_at_time = 'demining' THEN 'deminer' ELSE 'security_forces' END"
)


def _monitor_records(conn: sa.Connection, backend) -> None:
    for table in _present(conn):
        backend.unwatch_edits(conn, table.name)
    inspector = sa.inspect(conn)
    had = _add_missing_columns(conn, _present(conn))
    for table in _present(conn):
        if table.name == "victims" and "civilian" in had[table.name]:
            changed = conn.exec_driver_sql(
                f"SELECT *, {_CATEGORY_OF_CIVILIAN} AS new_category FROM victims "
                "WHERE civilian IS NOT NULL"
            ).mappings()
            before, after = [], []
            for row in changed:
                was = {k: v for k, v in row.items() if k not in ("fid", "version", "new_category")}
                was["civilian"] = bool(was["civilian"])
                before.append(was)
                after.append({k: v for k, v in was.items() if k != "civilian"})
                after[-1]["category"] = row["new_category"]
            conn.exec_driver_sql(
                f"UPDATE victims SET category = {_CATEGORY_OF_CIVILIAN}, version = version + 1 "
                "WHERE civilian IS NOT NULL"
            )
            if before:
                audit.append(
                    conn,
                    audit.now(),
                    "migration 10",
                    "victims",
                    "update",
                    [r["id"] for r in before],
                    [orjson.dumps(r).decode() for r in before],
                    [orjson.dumps(r).decode() for r in after],
                )
            backend.drop_column(conn, "victims", "civilian")
    for name in ("victim_assistance", "risk_education"):
        if name not in inspector.get_table_names():
            schema.RECORD_TABLES[name].create(conn)
            backend.register_table(conn, schema.RECORD_TABLES[name])
    for table in _present(conn):
        backend.watch_edits(conn, table)
    _describe_anew(conn, backend)


def _admin_units_and_places(conn: sa.Connection, backend) -> None:
    for table in _present(conn):
        backend.unwatch_edits(conn, table.name)
    _add_missing_columns(conn, _present(conn))
    for table in (schema.admin_units, schema.places):
        if table.name not in sa.inspect(conn).get_table_names():
            table.create(conn)
            backend.register_table(conn, table)
    for table in _present(conn):
        backend.watch_edits(conn, table)
    _describe_anew(conn, backend)


def _add_evidence(conn: sa.Connection, backend) -> None:
    table = schema.record_table("evidence")
    if table.name not in sa.inspect(conn).get_table_names():
        table.create(conn)
        backend.register_table(conn, table)
    backend.watch_edits(conn, table)
    _describe_anew(conn, backend)


def _add_attachments(conn: sa.Connection, backend) -> None:
    if schema.attachments.name not in sa.inspect(conn).get_table_names():
        schema.attachments.create(conn)  # kept to remnant: not registered as a layer


def _add_missing_columns(conn: sa.Connection, tables: list[sa.Table]) -> dict[str, set[str]]:
    """Add each table's columns the store lacks (empty); the names each table had before."""
    inspector = sa.inspect(conn)
    had: dict[str, set[str]] = {}
    for table in tables:
        have = had[table.name] = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                kind = column.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}")
    return had


MIGRATIONS: list[Migration] = [
    Migration(2, "add the hazard_area_risk table (hazard map per area)", _add_hazard_area_risk),
    Migration(3, "add the nonconformities layer (QA visit findings)", _add_nonconformities),
    Migration(4, "add the users and reviews tables (web API keys, approvals)", _add_users),
    Migration(
        5, "proposals wait for review; audit chained by hash; outside edits audited", _version_5
    ),
    Migration(6, "add the survey table (a programme's own survey figures)", _add_survey),
    Migration(7, "records carry an external id and its system (IMSMA's, …)", _add_external_ids),
    Migration(
        8,
        "field domains and QGIS styles for GIS clients; users and reviews not listed as layers",
        _for_gis_clients,
    ),
    Migration(
        9,
        "strikes may be inferred from finds: source class 'inferred' in the domains",
        _describe_anew,
    ),
    Migration(
        10,
        "the Monitor's casualty categories (accident context and strike, victim category "
        "from civilian yes/no), beneficiaries by sex and age, victim assistance and risk "
        "education layers",
        _monitor_records,
    ),
    Migration(
        11,
        "administrative units and places: admin_units and places tables, admin1..admin3 "
        "on every layer with a geometry (blank until remnant admin refresh)",
        _admin_units_and_places,
    ),
    Migration(12, "add the evidence layer (evidence points, benchmarks)", _add_evidence),
    Migration(13, "add the attachments table (files kept with records)", _add_attachments),
]


def migrate(store, *, user: str, at: str, migrations: list[Migration] | None = None) -> list[int]:
    """Apply the pending migrations in one transaction, audited as by ``user`` at ``at``."""
    steps = MIGRATIONS if migrations is None else migrations
    target = max([schema.SCHEMA_VERSION, *(m.version for m in steps)])
    current = store.schema_version()
    if current > target:
        raise StoreError(
            N_(
                "{backend} has schema version {current}, newer than this remnant understands "
                "({target}); upgrade remnant"
            ),
            backend=store.backend,
            current=current,
            target=target,
        )
    pending = sorted((m for m in steps if m.version > current), key=lambda m: m.version)
    if [m.version for m in pending] != list(range(current + 1, target + 1)):
        raise StoreError(
            N_("no complete chain of migrations from version {current} to {target}"),
            current=current,
            target=target,
        )
    with store.transaction() as conn:
        for m in pending:
            log.info(
                "migrating %s to schema version %d: %s", store.backend, m.version, m.description
            )
            m.apply(conn, store.backend)
        if pending:
            conn.execute(
                schema.meta.update()
                .where(schema.meta.c.key == "schema_version")
                .values(value=str(target))
            )
            audit.append(
                conn,
                at,
                user,
                "remnant_meta",
                "update",
                ["schema_version"],
                [str(current)],
                [str(target)],
            )
    return [m.version for m in pending]
