"""The record store: the same API over every backend.

Every write is one transaction that also writes the audit log; nothing is overwritten or
deleted without an audit entry holding what was there before. Records are exchanged as
GeoDataFrames (EPSG:4326) with the canonical columns of :mod:`remnant.records`.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import hmac
import logging
import math
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import shapely
import sqlalchemy as sa

from remnant import records, workflow
from remnant.catalogue import Munition, default_catalogue, entry_fields, munition_from_fields
from remnant.errors import (
    ConflictError,
    InputError,
    InvalidRecordsError,
    NotFoundError,
    Problem,
    StoreError,
)
from remnant.store import migrations, schema
from remnant.store.schema import GEOMETRY_COLUMN
from remnant.store.sql import insert_rows

__all__ = ["Store", "WriteSummary", "default_user"]

log = logging.getLogger(__name__)


def default_user() -> str:
    """The operating-system user, recorded in the audit log when no user is given."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass(frozen=True)
class WriteSummary:
    """What one write did: ids inserted, updated, and left as they were."""

    inserted: list[str]
    updated: list[str]
    unchanged: list[str]

    def __str__(self) -> str:
        return (
            f"{len(self.inserted)} inserted, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


class Store:
    """Records of one mine action programme, in one backend.

    Use :func:`remnant.store.create_store` or :func:`remnant.store.open_store`.
    """

    def __init__(self, backend):
        self.backend = backend

    def __repr__(self) -> str:
        return f"Store({self.backend.name}: {self.backend})"

    # -- lifecycle -------------------------------------------------------------------

    def create(self) -> Store:
        """Create the schema in an empty backend."""
        with self.transaction() as conn:
            self.backend.create_spatial_metadata(conn)
            schema.metadata.create_all(conn)
            for table in schema.metadata.sorted_tables:
                if table is not schema.meta:
                    self.backend.register_table(conn, table)
            self.backend.protect_audit(conn, schema.audit.name)
            conn.execute(
                schema.meta.insert(),
                [{"key": "schema_version", "value": str(schema.SCHEMA_VERSION)}],
            )
        return self

    def schema_version(self) -> int:
        """The schema version the store is at."""
        try:
            with self.backend.engine.connect() as conn:
                value = conn.execute(
                    sa.select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")
                ).scalar_one()
        except (sa.exc.DBAPIError, sa.exc.NoResultFound) as exc:
            raise StoreError(
                f"{self.backend} is not a remnant store ({exc.__class__.__name__})"
            ) from None
        return int(value)

    def check_version(self) -> Store:
        """Refuse a store whose schema this version of remnant cannot use as it is."""
        version = self.schema_version()
        if version > schema.SCHEMA_VERSION:
            raise StoreError(
                f"{self.backend} has schema version {version}, newer than this remnant "
                f"understands ({schema.SCHEMA_VERSION}); upgrade remnant"
            )
        if version < schema.SCHEMA_VERSION:
            raise StoreError(
                f"{self.backend} has schema version {version}; this remnant needs "
                f"{schema.SCHEMA_VERSION}: run `remnant migrate {self.backend}`"
            )
        return self

    def migrate(self, *, user: str | None = None) -> list[int]:
        """Apply every pending forward migration in one transaction; return their versions."""
        return migrations.migrate(self, user=user or default_user(), at=now())

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """A write transaction holding the store's write lock; rolled back on any error."""
        with self.backend.engine.connect() as conn:
            self.backend.begin_write(conn)
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            try:
                conn.commit()
            except sa.exc.DBAPIError as exc:
                raise self.backend.translate(exc) from None

    # -- reading ---------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Number of records per layer."""
        with self.backend.engine.connect() as conn:
            return {
                name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for name, table in schema.RECORD_TABLES.items()
            }

    def read(
        self,
        layer: str,
        *,
        ids: Iterable[str] | None = None,
        bbox: tuple[float, float, float, float] | None = None,
        limit: int | None = None,
        offset: int = 0,
        with_version: bool = False,
    ) -> gpd.GeoDataFrame:
        """Records of ``layer`` in id order, optionally only some ids or a lon/lat bbox.

        Returns
        -------
        GeoDataFrame
            The canonical columns (and ``version`` if asked), typed: dates as
            ``datetime.date``, whole numbers as ``Int64``, booleans as objects.
        """
        ent = records.entity(layer)
        table = schema.record_table(layer)
        columns = [table.c[name] for name in ent.field_names]
        if with_version:
            columns.append(table.c.version)
        if ent.geometry:
            columns.append(table.c[GEOMETRY_COLUMN])
        query = sa.select(*columns).order_by(table.c.fid)
        if bbox is not None:
            if not ent.geometry:
                raise StoreError(f"{layer} has no geometry to filter by bbox")
            query = query.where(self.backend.bbox_filter(table, bbox))
        if limit is not None:
            query = query.limit(limit).offset(offset)
        with self.backend.engine.connect() as conn:
            if ids is None:
                rows = conn.execute(query).all()
            else:
                rows = []
                for chunk in _chunks(list(ids), 900):
                    rows += conn.execute(query.where(table.c.id.in_(chunk))).all()
        frame = self._frame(ent, rows, [c.name for c in columns])
        if bbox is None:
            return frame
        # Spatial indexes hold single-precision boxes, each rounded its own way; the
        # exact test of the envelope makes every backend return the same rows.
        minx, miny, maxx, maxy = bbox
        b = frame.geometry.bounds
        keep = (b["minx"] <= maxx) & (b["maxx"] >= minx) & (b["miny"] <= maxy) & (b["maxy"] >= miny)
        return frame[keep.to_numpy()].reset_index(drop=True)

    def _frame(self, ent: records.Entity, rows, names: list[str]) -> gpd.GeoDataFrame:
        frame = pd.DataFrame.from_records(rows, columns=names)
        for f in ent.fields:
            if f.kind == "integer":
                frame[f.name] = frame[f.name].astype("Int64")
            elif f.kind == "real":
                frame[f.name] = frame[f.name].astype(float)
            else:
                frame[f.name] = frame[f.name].astype(object)
        if not ent.geometry:
            return gpd.GeoDataFrame(frame)
        geoms = self.backend.decode_geometries(frame.pop(GEOMETRY_COLUMN).to_numpy())
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=4326).values, crs=4326)

    def get(self, layer: str, record_id: str) -> dict:
        """One record as a dict of canonical fields plus ``version`` and ``geometry``."""
        frame = self.read(layer, ids=[record_id], with_version=True)
        if frame.empty:
            raise NotFoundError(f"no record {record_id!r} in {layer}")
        row = frame.iloc[0].to_dict()
        return {k: (None if _missing(v) else v) for k, v in row.items()}

    def ids(self, layer: str) -> set[str]:
        """Every id in ``layer``."""
        table = schema.record_table(layer)
        with self.backend.engine.connect() as conn:
            return set(conn.execute(sa.select(table.c.id)).scalars())

    def history(self, record_id: str) -> pd.DataFrame:
        """Every audit entry of one record, oldest first."""
        a = schema.audit
        with self.backend.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    a.c.at, a.c.user, a.c.entity, a.c.record_id, a.c.action, a.c.before, a.c.after
                )
                .where(a.c.record_id == record_id)
                .order_by(a.c.fid)
            ).all()
        return pd.DataFrame.from_records(
            rows, columns=["at", "user", "entity", "record_id", "action", "before", "after"]
        )

    def history_tail(self) -> dict | None:
        """The latest audit entry (when and who), or None for a store never written to."""
        a = schema.audit
        with self.backend.engine.connect() as conn:
            row = conn.execute(
                sa.select(a.c.at, a.c.user).order_by(a.c.fid.desc()).limit(1)
            ).first()
        return None if row is None else {"at": row.at, "user": row.user}

    # -- writing ---------------------------------------------------------------------

    def write(
        self,
        layer: str,
        new: gpd.GeoDataFrame,
        *,
        user: str | None = None,
        update: bool = False,
    ) -> WriteSummary:
        """Insert validated records; existing ids are left, updated, or refused.

        A record whose id is already stored with the same values is left unchanged (so
        importing a file twice adds nothing). One stored with other values is updated
        when ``update`` is true, and otherwise the whole write is refused with a
        :class:`~remnant.errors.ConflictError` naming the ids and fields.

        ``new`` must have passed :func:`remnant.records.validate`.
        """
        ent = records.entity(layer)
        table = schema.record_table(layer)
        user = user or default_user()
        new = new.reset_index(drop=True)
        with self.transaction() as conn:
            stored = set(conn.execute(sa.select(table.c.id)).scalars())
            old = self._read_in(conn, ent, table, [i for i in new["id"] if i in stored])
            is_old = new["id"].isin(old["id"]).to_numpy()
            old = old.set_index("id", drop=False).loc[new.loc[is_old, "id"]].reset_index(drop=True)
            diffs = _differences(ent, old, new[is_old].reset_index(drop=True))
            changed = np.zeros(len(new), bool)
            changed[np.flatnonzero(is_old)[[i for i in range(len(diffs)) if diffs[i]]]] = True
            if changed.any() and not update:
                shown = [f"{old.at[i, 'id']} ({', '.join(d)})" for i, d in enumerate(diffs) if d]
                raise ConflictError(
                    f"{len(shown)} record(s) already stored with other values, "
                    f"use update to change them: {'; '.join(shown[:5])}"
                    + (" …" if len(shown) > 5 else "")
                )
            at = now()
            inserts = new[~is_old]
            updates = new[changed]
            self._refuse_workflow_changes(conn, layer, old[[bool(d) for d in diffs]], updates)
            moved = None
            if layer == "activities" and len(inserts):
                applied = self._apply_workflow(conn, inserts)
                if applied.problems:
                    raise InvalidRecordsError("activities", _workflow_problems(inserts, applied))
                inserts, moved = applied.activities, applied.areas
            if len(inserts):
                plain = _plain_columns(ent, inserts)
                self.backend.insert_rows(
                    conn,
                    table,
                    self._with_geometry(ent, plain, inserts),
                    inserts.geometry.to_numpy() if ent.geometry else None,
                )
                self._audit(conn, at, user, layer, "insert", plain["id"], None, _json_rows(plain))
            if moved is not None and len(moved):
                self._move_areas(conn, moved, at, user)
            if len(updates):
                before = old[[bool(d) for d in diffs]]
                plain = _plain_columns(ent, updates)
                self._update_rows(conn, ent, table, updates)
                self._audit(
                    conn,
                    at,
                    user,
                    layer,
                    "update",
                    plain["id"],
                    _json_rows(_plain_columns(ent, before)),
                    _json_rows(plain),
                )
            if len(inserts) or len(updates):
                bounds = new.total_bounds if ent.geometry and len(new) else None
                self.backend.touch(conn, layer, bounds)
        return WriteSummary(
            inserted=inserts["id"].tolist(),
            updated=updates["id"].tolist(),
            unchanged=new.loc[is_old & ~changed, "id"].tolist(),
        )

    def update(
        self,
        layer: str,
        record_id: str,
        changes: dict,
        *,
        user: str | None = None,
        expected_version: int | None = None,
    ) -> dict:
        """Change fields of one record, validated like an import; return the new record.

        ``expected_version`` (from :meth:`get`) makes the update conditional: if another
        user changed the record since, a :class:`~remnant.errors.ConflictError` is raised
        rather than their change being lost.
        """
        ent = records.entity(layer)
        table = schema.record_table(layer)
        unknown = set(changes) - set(ent.field_names) - {"geometry"}
        if unknown:
            raise InvalidRecordsError(
                layer,
                [
                    Problem(layer, None, k, None, "is not a field of this layer")
                    for k in sorted(unknown)
                ],
            )
        if "id" in changes and changes["id"] != record_id:
            raise ConflictError(f"{record_id}: ids never change (asked for {changes['id']!r})")
        with self.transaction() as conn:
            before = self._current(conn, ent, table, record_id, expected_version)
            merged = before.drop(columns="version").iloc[0].to_dict()
            merged.update(changes)
            frame = pd.DataFrame([{k: v for k, v in merged.items() if k != "geometry"}])
            result = records.validate(
                ent,
                frame,
                [merged.get("geometry")] if ent.geometry else None,
                file=f"{layer}/{record_id}",
                munitions=self._munition_keys(conn),
            )
            if result.problems:
                raise InvalidRecordsError(f"{layer}/{record_id}", result.problems)
            after = result.records
            self._refuse_workflow_changes(conn, layer, before, after)
            self._update_rows(conn, ent, table, after)
            self._audit(
                conn,
                now(),
                user or default_user(),
                layer,
                "update",
                [record_id],
                _json_rows(_plain_columns(ent, before)),
                _json_rows(_plain_columns(ent, after)),
            )
            self.backend.touch(conn, layer, after.total_bounds if ent.geometry else None)
        return self.get(layer, record_id)

    def delete(
        self,
        layer: str,
        record_id: str,
        *,
        user: str | None = None,
        expected_version: int | None = None,
    ) -> None:
        """Delete one record; the audit log keeps what it held."""
        ent = records.entity(layer)
        table = schema.record_table(layer)
        with self.transaction() as conn:
            before = self._current(conn, ent, table, record_id, expected_version)
            self._refuse_if_referenced(conn, layer, record_id)
            if layer == "activities" and _moved_an_area(before.iloc[0]):
                raise ConflictError(
                    f"{record_id} moved hazard area {before.at[0, 'hazard_area']} on "
                    "(land release workflow); it cannot be deleted"
                )
            conn.execute(table.delete().where(table.c.id == record_id))
            self._audit(
                conn,
                now(),
                user or default_user(),
                layer,
                "delete",
                [record_id],
                _json_rows(_plain_columns(ent, before)),
                None,
            )
            self.backend.touch(conn, layer)

    def _current(self, conn, ent, table, record_id: str, expected_version: int | None):
        """The stored record, refusing a stale ``expected_version`` (optimistic locking)."""
        before = self._read_in(conn, ent, table, [record_id], with_version=True)
        if before.empty:
            raise NotFoundError(f"no record {record_id!r} in {table.name}")
        version = int(before.at[0, "version"])
        if expected_version is not None and version != expected_version:
            raise ConflictError(
                f"{record_id} was changed by someone else (version {version}, "
                f"you had {expected_version}); reload it and apply your change again"
            )
        return before

    def _refuse_if_referenced(self, conn, layer: str, record_id: str) -> None:
        for other in records.ENTITIES.values():
            for f in other.fields:
                if f.references == layer:
                    t = schema.record_table(other.name)
                    n = conn.execute(
                        sa.select(sa.func.count()).where(t.c[f.name] == record_id)
                    ).scalar_one()
                    if n:
                        raise ConflictError(
                            f"{record_id} is referred to by {n} record(s) in "
                            f"{other.name}.{f.name}; delete or change those first"
                        )

    # -- land release workflow (the rules are in remnant.workflow) ---------------------

    def _apply_workflow(self, conn, inserts: gpd.GeoDataFrame) -> workflow.Applied:
        areas = sorted({h for h in inserts["hazard_area"] if isinstance(h, str)})
        stored = self._read_in(
            conn, records.entity("hazard_areas"), schema.record_table("hazard_areas"), areas
        )
        acts = self._read_in(
            conn,
            records.entity("activities"),
            schema.record_table("activities"),
            areas,
            column="hazard_area",
        )
        return workflow.apply_activities(
            inserts, stored, acts[acts["outcome"].isin(workflow.RELEASED)]
        )

    def workflow_problems(self, activities: gpd.GeoDataFrame) -> list[workflow.ActivityProblem]:
        """Why the workflow would refuse some of these activities (those not yet stored)."""
        activities = activities.reset_index(drop=True)
        with self.backend.engine.connect() as conn:
            stored = set(conn.execute(sa.select(schema.record_table("activities").c.id)).scalars())
            fresh = np.flatnonzero(~activities["id"].isin(stored).to_numpy())
            applied = self._apply_workflow(conn, activities.iloc[fresh])
        return [
            workflow.ActivityProblem(int(fresh[p.position]), p.field, p.value, p.message)
            for p in applied.problems
        ]

    def _move_areas(self, conn, moved: gpd.GeoDataFrame, at: str, user: str) -> None:
        """Write the kind and status the workflow gave to areas, audited as updates."""
        ent = records.entity("hazard_areas")
        table = schema.record_table("hazard_areas")
        before = self._read_in(conn, ent, table, moved["id"].tolist())
        before = before.set_index("id", drop=False).loc[moved["id"]].reset_index(drop=True)
        self._update_rows(conn, ent, table, moved)
        self._audit(
            conn,
            at,
            user,
            "hazard_areas",
            "update",
            moved["id"].tolist(),
            _json_rows(_plain_columns(ent, before)),
            _json_rows(_plain_columns(ent, moved)),
        )
        self.backend.touch(conn, "hazard_areas")

    def _refuse_workflow_changes(self, conn, layer: str, before, after) -> None:
        """Refuse updates that would move an area on without the workflow."""
        if layer not in ("activities", "hazard_areas") or after.empty:
            return
        before = before.set_index("id", drop=False)
        problems = []
        if layer == "activities":
            for _, new in after.iterrows():
                old = before.loc[new["id"]]
                if not _moved_an_area(old):
                    continue
                for name in workflow.WORKFLOW_ACTIVITY_FIELDS:
                    same = (
                        old[name].equals(new[name])
                        if name == "geometry"
                        else (_plain_value(old[name]) == _plain_value(new[name]))
                    )
                    if not same:
                        problems.append(
                            Problem(
                                f"activities/{new['id']}",
                                None,
                                name,
                                None,
                                "cannot change once recorded: it moved its hazard area on",
                            )
                        )
        else:
            acts = schema.record_table("activities")
            worked = set(
                conn.execute(
                    sa.select(acts.c.hazard_area).where(
                        acts.c.hazard_area.in_(after["id"].tolist())
                    )
                ).scalars()
            )
            for _, new in after.iterrows():
                old = before.loc[new["id"]]
                for name, why in workflow.area_change_problems(old, new, new["id"] in worked):
                    problems.append(Problem(f"hazard_areas/{new['id']}", None, name, None, why))
        if problems:
            raise InvalidRecordsError(layer, problems)

    # -- web API users -----------------------------------------------------------------

    def add_user(self, name: str, role: str, *, by: str | None = None) -> str:
        """Add a web API user with ``role``; return their key (only its hash is kept)."""
        if role not in ROLES:
            raise InputError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        if not name or len(name) > 100 or not name.isprintable():
            raise InputError(f"a user name is 1–100 printable characters, got {name!r}")
        key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
        salt = secrets.token_hex(16)
        row = {
            "name": name, "role": role, "key_id": key_id, "salt": salt,
            "key_hash": _hash_key(secret, salt), "created_at": now(), "revoked_at": None,
        }  # fmt: skip
        with self.transaction() as conn:
            taken = conn.execute(
                sa.select(schema.users.c.name).where(schema.users.c.name == name)
            ).first()
            if taken:
                raise ConflictError(f"user {name!r} exists; revoke them or choose another name")
            conn.execute(schema.users.insert(), [row])
            public = {"name": name, "role": role, "key_id": key_id}
            self._audit(conn, row["created_at"], by or default_user(), "users", "insert",
                        [name], None, [orjson.dumps(public).decode()])  # fmt: skip
        return f"{key_id}.{secret}"

    def revoke_user(self, name: str, *, by: str | None = None) -> None:
        """Revoke a user's key: it is refused from now on."""
        u = schema.users
        with self.transaction() as conn:
            found = conn.execute(sa.select(u.c.revoked_at).where(u.c.name == name)).first()
            if found is None:
                raise NotFoundError(f"no user {name!r}")
            at = now()
            conn.execute(u.update().where(u.c.name == name).values(revoked_at=at))
            self._audit(conn, at, by or default_user(), "users", "update", [name],
                        [orjson.dumps({"revoked_at": None}).decode()],
                        [orjson.dumps({"revoked_at": at}).decode()])  # fmt: skip

    def users(self) -> pd.DataFrame:
        """Users with role and when they were added or revoked (never their keys)."""
        u = schema.users
        with self.backend.engine.connect() as conn:
            rows = conn.execute(
                sa.select(u.c.name, u.c.role, u.c.created_at, u.c.revoked_at).order_by(u.c.fid)
            ).all()
        return pd.DataFrame.from_records(rows, columns=["name", "role", "created_at", "revoked_at"])

    def authenticate(self, key: str | None) -> tuple[str, str] | None:
        """(name, role) of the live user holding ``key``, or None."""
        key_id, _, secret = (key or "").partition(".")
        if not key_id or not secret:
            return None
        u = schema.users
        with self.backend.engine.connect() as conn:
            row = conn.execute(
                sa.select(u.c.name, u.c.role, u.c.salt, u.c.key_hash, u.c.revoked_at).where(
                    u.c.key_id == key_id
                )
            ).first()
        if row is None or row.revoked_at is not None:
            return None
        if not hmac.compare_digest(_hash_key(secret, row.salt), row.key_hash):
            return None
        return row.name, row.role

    def submit_for_review(self, layer: str, ids: list[str], user: str) -> None:
        """Flag records an editor entered as waiting for an admin's approval."""
        if not ids:
            return
        at = now()
        with self.transaction() as conn:
            conn.execute(
                schema.reviews.insert(),
                [{"layer": layer, "record_id": i, "state": "pending", "submitted_by": user,
                  "submitted_at": at} for i in ids],
            )  # fmt: skip

    def reviews(self, state: str | None = None) -> pd.DataFrame:
        """Review entries, oldest first (``state``: pending, approved or rejected)."""
        r = schema.reviews
        query = sa.select(*(c for c in r.c if c.name != "fid")).order_by(r.c.fid)
        if state is not None:
            query = query.where(r.c.state == state)
        with self.backend.engine.connect() as conn:
            rows = conn.execute(query).all()
        return pd.DataFrame.from_records(rows, columns=[c.name for c in r.c if c.name != "fid"])

    def decide(self, layer: str, record_id: str, approve: bool, *, by: str, note=None) -> None:
        """Approve a pending record, or reject it (the record is deleted; audited)."""
        r = schema.reviews
        with self.backend.engine.connect() as conn:
            pending = conn.execute(
                sa.select(r.c.fid).where(
                    r.c.layer == layer, r.c.record_id == record_id, r.c.state == "pending"
                )
            ).first()
        if pending is None:
            raise NotFoundError(f"no pending review of {layer}/{record_id}")
        if not approve:
            self.delete(layer, record_id, user=by)
        with self.transaction() as conn:
            conn.execute(
                r.update().where(r.c.fid == pending.fid).values(
                    state="approved" if approve else "rejected", decided_by=by,
                    decided_at=now(), note=note,
                )
            )  # fmt: skip

    # -- derived tables --------------------------------------------------------------

    def replace_derived(
        self, name: str, frame: pd.DataFrame, *, user: str | None = None, note: dict | None = None
    ) -> None:
        """Replace the rows of a derived table (a model's output) in one audited transaction."""
        table = schema.DERIVED_TABLES[name]
        columns = {c.name: frame[c.name].tolist() for c in table.columns if c.name in frame}
        with self.transaction() as conn:
            old = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            conn.execute(table.delete())
            insert_rows(
                conn, table, {k: [_plain_value(v) for v in vs] for k, vs in columns.items()}
            )
            self._audit(
                conn,
                now(),
                user or default_user(),
                name,
                "replace",
                ["*"],
                [orjson.dumps({"rows": old}).decode()],
                [orjson.dumps({"rows": len(frame), **(note or {})}).decode()],
            )
            self.backend.touch(conn, name)

    def read_derived(self, name: str) -> pd.DataFrame:
        """The rows of a derived table (see :data:`remnant.store.schema.DERIVED_TABLES`)."""
        try:
            table = schema.DERIVED_TABLES[name]
        except KeyError:
            raise NotFoundError(
                f"no derived table {name!r}; tables: {', '.join(schema.DERIVED_TABLES)}"
            ) from None
        columns = [c for c in table.columns if c.name != "fid"]
        with self.backend.engine.connect() as conn:
            rows = conn.execute(sa.select(*columns).order_by(table.c.fid)).all()
        return pd.DataFrame.from_records(rows, columns=[c.name for c in columns])

    # -- helpers ---------------------------------------------------------------------

    def _munition_keys(self, conn) -> set[str]:
        stored = conn.execute(sa.select(schema.catalogue.c.key)).scalars()
        return set(default_catalogue()) | set(stored)

    def catalogue(self) -> dict[str, Munition]:
        """The default catalogue with this store's own entries added or overriding."""
        c = schema.catalogue
        with self.backend.engine.connect() as conn:
            rows = conn.execute(sa.select(c.c.key, c.c.entry, c.c.provenance)).all()
        merged = dict(default_catalogue())
        for key, entry, provenance in rows:
            merged[key] = munition_from_fields(
                key, orjson.loads(entry), "store catalogue", provenance
            )
        return merged

    def import_catalogue(
        self, entries: dict[str, Munition], *, user: str | None = None
    ) -> WriteSummary:
        """Add or override catalogue entries in this store, audited with their provenance."""
        c = schema.catalogue
        user = user or default_user()
        at = now()
        inserted, updated, unchanged = [], [], []
        with self.transaction() as conn:
            stored = dict(conn.execute(sa.select(c.c.key, c.c.entry)).all())
            for key, m in entries.items():
                entry = orjson.dumps(entry_fields(m)).decode()
                if stored.get(key) == entry:
                    unchanged.append(key)
                    continue
                if key in stored:
                    conn.execute(
                        c.update()
                        .where(c.c.key == key)
                        .values(entry=entry, provenance=m.provenance, version=c.c.version + 1)
                    )
                    updated.append(key)
                else:
                    conn.execute(c.insert().values(key=key, entry=entry, provenance=m.provenance))
                    inserted.append(key)
                self._audit(
                    conn,
                    at,
                    user,
                    "catalogue",
                    "update" if key in stored else "insert",
                    [key],
                    [stored[key]] if key in stored else None,
                    [entry],
                )
            self.backend.touch(conn, "catalogue")
        return WriteSummary(inserted, updated, unchanged)

    def munition_keys(self) -> set[str]:
        """Keys of the default catalogue and of the entries this store adds."""
        with self.backend.engine.connect() as conn:
            return self._munition_keys(conn)

    def _read_in(
        self, conn, ent, table, ids, *, with_version=False, column: str = "id"
    ) -> gpd.GeoDataFrame:
        columns = [table.c[n] for n in ent.field_names]
        if with_version:
            columns.append(table.c.version)
        if ent.geometry:
            columns.append(table.c[GEOMETRY_COLUMN])
        rows = []
        for chunk in _chunks(ids, 900):
            rows += conn.execute(sa.select(*columns).where(table.c[column].in_(chunk))).all()
        return self._frame(ent, rows, [c.name for c in columns])

    def _with_geometry(self, ent, plain: dict[str, list], frame) -> dict[str, list]:
        """Driver parameters: the plain columns, with the geometry in the backend's encoding."""
        columns = {k: v for k, v in plain.items() if k != "geometry"}
        if ent.geometry:
            columns[GEOMETRY_COLUMN] = self.backend.encode_geometries(frame.geometry.to_numpy())
        return columns

    def _update_rows(self, conn, ent, table, frame) -> None:
        columns = self._with_geometry(ent, _plain_columns(ent, frame), frame)
        columns["key_id"] = columns.pop("id")
        for f in ent.fields:  # dates as the column type takes them on every backend
            if f.kind == "date":
                columns[f.name] = [None if v is None else dt.date.fromisoformat(v)
                                   for v in columns[f.name]]  # fmt: skip
        names = list(columns)
        params = [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
        values = {c: sa.bindparam(c) for c in names if c != "key_id"}
        values["version"] = table.c.version + 1
        conn.execute(
            table.update().where(table.c.id == sa.bindparam("key_id")).values(values), params
        )

    def _audit(self, conn, at, user, layer, action, ids, before, after) -> None:
        n = len(ids)
        columns = {
            "at": [at] * n,
            "user": [user] * n,
            "entity": [layer] * n,
            "record_id": list(ids),
            "action": [action] * n,
            "before": before if before is not None else [None] * n,
            "after": after if after is not None else [None] * n,
        }
        insert_rows(conn, schema.audit, columns)


ROLES = ("viewer", "editor", "admin")


def _hash_key(secret: str, salt: str) -> str:
    """The scrypt hash of an API key's secret half (RFC 7914; about 10 ms per check)."""
    digest = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), n=2**12, r=8, p=1)
    return digest.hex()


def _moved_an_area(activity) -> bool:
    """Whether a stored activity took part in the land release workflow of an area."""
    area = activity["hazard_area"]
    return activity["type"] in workflow.WORKS_ON and isinstance(area, str)


def _workflow_problems(inserts: gpd.GeoDataFrame, applied: workflow.Applied) -> list[Problem]:
    ids = inserts["id"].to_numpy()
    return [
        Problem(f"activities/{ids[p.position]}", None, p.field, p.value, p.message)
        for p in applied.problems
    ]


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def now() -> str:
    """The time of a change for the audit log: UTC, ISO 8601, milliseconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


GEOMETRY_TOLERANCE = 1e-9  # degrees (≈ 0.1 mm): what file formats keep of a coordinate


def _plain_columns(ent: records.Entity, frame: pd.DataFrame) -> dict[str, list]:
    """Canonical columns as lists of plain values: None when missing, dates as ISO text.

    One representation serves the driver, the audit log's JSON and comparisons.
    """
    columns = {}
    for f in ent.fields:
        values = frame[f.name].astype(object).to_numpy()
        missing = pd.isna(values)
        if f.kind == "date":
            out = [None if m else v.isoformat() for v, m in zip(values, missing, strict=True)]
        elif f.kind == "integer":
            out = [None if m else int(v) for v, m in zip(values, missing, strict=True)]
        elif f.kind == "real":
            out = [None if m else float(v) for v, m in zip(values, missing, strict=True)]
        elif f.kind == "boolean":
            out = [None if m else bool(v) for v, m in zip(values, missing, strict=True)]
        else:
            out = [None if m else v for v, m in zip(values, missing, strict=True)]
        columns[f.name] = out
    if ent.geometry:
        wkt = shapely.to_wkt(frame.geometry.to_numpy(), rounding_precision=17)
        columns["geometry"] = list(wkt)
    return columns


def _plain_value(value):
    """A value the driver takes: numpy scalars as Python ones, NaN and NA as None."""
    if _missing(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _json_rows(columns: dict[str, list]) -> list[str]:
    """Each record as JSON text for the audit log (geometry as WKT)."""
    names = list(columns)
    return [
        orjson.dumps(dict(zip(names, row, strict=True))).decode()
        for row in zip(*columns.values(), strict=True)
    ]


def _differences(ent: records.Entity, old: pd.DataFrame, new: pd.DataFrame) -> list[list[str]]:
    """Per row pair, the names of the fields whose values differ (aligned frames)."""
    a, b = _plain_columns(ent, old), _plain_columns(ent, new)
    diffs: list[list[str]] = [[] for _ in range(len(new))]
    for name in ent.field_names:
        for i, (x, y) in enumerate(zip(a[name], b[name], strict=True)):
            if x != y:
                diffs[i].append(name)
    if ent.geometry and len(new):
        same = shapely.equals_exact(
            shapely.normalize(old.geometry.to_numpy()),
            shapely.normalize(new.geometry.to_numpy()),
            GEOMETRY_TOLERANCE,
        )
        for i in np.flatnonzero(~same):
            diffs[i].append("geometry")
    return diffs
