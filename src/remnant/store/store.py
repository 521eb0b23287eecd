"""The record store: the same API over every backend.

Every write is one transaction that also writes the audit log; nothing is overwritten or
deleted without an audit entry holding what was there before. Records are exchanged as
GeoDataFrames (EPSG:4326) with the canonical columns of :mod:`remnant.records`.
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import lazy_loader as lazy
import orjson
import sqlalchemy as sa

from remnant.catalogue import (
    Munition,
    SurveyFigures,
    check_figure,
    default_catalogue,
    default_survey,
    entry_fields,
    munition_from_fields,
)
from remnant.errors import (
    ConflictError,
    InputError,
    InvalidRecordsError,
    NotFoundError,
    Problem,
    StoreError,
)
from remnant.store import audit, gazetteer, migrations, schema, survey
from remnant.store.audit import now
from remnant.store.backend import Backend
from remnant.store.schema import GEOMETRY_COLUMN
from remnant.store.sql import among
from remnant.translate import N_

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    from remnant import gate, records
    from remnant.store import attachments, derived, review, users
else:  # loaded on first use: `remnant info` and `--help` start without them
    gpd = lazy.load("geopandas")
    np = lazy.load("numpy")
    pd = lazy.load("pandas")
    shapely = lazy.load("shapely")
    gate = lazy.load("remnant.gate", suppress_warning=True)
    records = lazy.load("remnant.records", suppress_warning=True)
    derived = lazy.load("remnant.store.derived", suppress_warning=True)
    review = lazy.load("remnant.store.review", suppress_warning=True)
    attachments = lazy.load("remnant.store.attachments", suppress_warning=True)
    users = lazy.load("remnant.store.users", suppress_warning=True)


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
    """What one write did: ids inserted, updated, and left as they were.

    ``problems`` are the reasons records were not written (with ``skip_invalid``),
    ``warnings`` values accepted with a change (unknown munition keys, heights dropped).
    """

    inserted: list[str]
    updated: list[str]
    unchanged: list[str]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{len(self.inserted)} inserted, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


class Store:
    """Records of one mine action programme, in one backend.

    Use :func:`remnant.store.create_store` or :func:`remnant.store.open_store`.
    """

    def __init__(self, backend: Backend):
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
                if table is not schema.meta and table not in schema.INTERNAL_TABLES:
                    self.backend.register_table(conn, table)
            for table in schema.RECORD_TABLES.values():
                self.backend.describe_fields(conn, table)
            self.backend.style_layers(conn)
            self.backend.protect_audit(conn, schema.audit.name)
            for table in schema.RECORD_TABLES.values():
                self.backend.watch_edits(conn, table)
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
                N_("{backend} is not a remnant store ({kind})"),
                backend=self.backend,
                kind=exc.__class__.__name__,
            ) from None
        return int(value)

    def check_version(self) -> Store:
        """Refuse a store whose schema this version of remnant cannot use as it is."""
        version = self.schema_version()
        if version > schema.SCHEMA_VERSION:
            raise StoreError(
                N_(
                    "{backend} has schema version {version}, newer than this remnant understands "
                    "({needed}); upgrade remnant"
                ),
                backend=self.backend,
                version=version,
                needed=schema.SCHEMA_VERSION,
            )
        if version < schema.SCHEMA_VERSION:
            raise StoreError(
                N_(
                    "{backend} has schema version {version}; this remnant needs {needed}: "
                    "migrate it (migrate_store, remnant migrate)"
                ),
                backend=self.backend,
                version=version,
                needed=schema.SCHEMA_VERSION,
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
                self.backend.mark_writer(conn, True)  # not an edit made outside remnant
                yield conn
                self.backend.finish_write(conn)
                self.backend.mark_writer(conn, False)
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
                raise StoreError(N_("{layer} has no geometry to filter by bbox"), layer=layer)
            query = query.where(self.backend.bbox_filter(table, bbox))
        if limit is not None:
            query = query.limit(limit).offset(offset)
        with self.backend.engine.connect() as conn:
            if ids is not None:
                query = query.where(among(table.c.id, ids))
            rows = conn.execute(query).all()
        frame = self._frame(ent, rows, [c.name for c in columns])
        if bbox is None:
            return frame
        return frame[_meets(frame.geometry.to_numpy(), bbox)].reset_index(drop=True)

    def search(
        self,
        layer: str,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        dates: tuple[dt.date | None, dt.date | None] = (None, None),
        status: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[gpd.GeoDataFrame, int]:
        """One page of records (with versions) by bbox, date interval and status, and the count.

        Filters and paging run in the database, so a page costs what it holds, not the
        layer: the count is the database's, and only with ``bbox`` are the index's
        candidates tested exactly (an envelope that meets the box) before paging.
        ``dates`` filters on ``date`` (``start`` for activities), both ends included.
        """
        ent = records.entity(layer)
        table = schema.record_table(layer)
        where = []
        lo, hi = dates
        if lo or hi:
            column = next((f for f in ("date", "start") if f in ent.field_names), None)
            if column is None:
                raise InputError(
                    N_("{layer} have no date to filter by"), field="datetime", layer=layer
                )
            where += [table.c[column] >= lo] if lo else []
            where += [table.c[column] <= hi] if hi else []
        if status is not None:
            if "status" not in ent.field_names:
                raise InputError(
                    N_("{layer} have no status to filter by"), field="status", layer=layer
                )
            where.append(table.c.status == status)
        if bbox is not None:
            if not ent.geometry:
                raise InputError(
                    N_("{layer} have no geometry to filter by bbox"), field="bbox", layer=layer
                )
            where.append(self.backend.bbox_filter(table, bbox))
        with self.backend.engine.connect() as conn:
            if bbox is None:
                matched = conn.execute(
                    sa.select(sa.func.count()).select_from(table).where(*where)
                ).scalar_one()
                fids = (
                    conn.execute(
                        sa.select(table.c.fid)
                        .where(*where)
                        .order_by(table.c.fid)
                        .limit(limit)
                        .offset(offset)
                    )
                    .scalars()
                    .all()
                )
            else:
                found = conn.execute(
                    sa.select(table.c.fid, table.c[GEOMETRY_COLUMN])
                    .where(*where)
                    .order_by(table.c.fid)
                ).all()
                geoms = self.backend.decode_geometries([r[1] for r in found])
                keep = _meets(geoms, bbox)
                chosen = [r[0] for r, k in zip(found, keep, strict=True) if k]
                matched = len(chosen)
                fids = chosen[offset : offset + limit]
            page = self._read_in(conn, ent, table, fids, with_version=True, column="fid")
        return page, matched

    def _frame(self, ent: records.Entity, rows, names: list[str]) -> gpd.GeoDataFrame:
        # Plain tuples: pandas probes each SQLAlchemy Row for attributes, which costs more
        # than the query (0.2 s for 20,000 strikes).
        frame = pd.DataFrame.from_records([tuple(r) for r in rows], columns=names)
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
            raise NotFoundError(
                N_("no record {record_id!r} in {layer}"), record_id=record_id, layer=layer
            )
        row = frame.iloc[0].to_dict()
        return {k: (None if records.missing(v) else v) for k, v in row.items()}

    def extent(self, layer: str) -> tuple[float, float, float, float] | None:
        """A lon/lat box holding every record of ``layer``, without reading them.

        None for a layer without geometries, or with none yet.

        >>> import pathlib, tempfile
        >>> from remnant.store import create_store
        >>> create_store(pathlib.Path(tempfile.mkdtemp()) / "programme.gpkg").extent("strikes")
        """
        if records.entity(layer).geometry is None:
            return None
        with self.backend.engine.connect() as conn:
            return self.backend.extent(conn, layer)

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
        offered: gate.Submission | pd.DataFrame | Iterable[gate.Submission],
        *,
        user: str | None = None,
        update: bool = False,
        skip_invalid: bool = False,
    ) -> WriteSummary:
        """Check records at the gate and write those it admits, in one transaction.

        ``offered`` is a :class:`~remnant.gate.Submission`, a (Geo)DataFrame with
        canonical columns (geometry in its own CRS, else EPSG:4326), or an iterable of
        submissions — a file read part by part, so that memory follows the part, not the
        file; each part is checked against the store as the parts before it left it, and
        all are written or none. Any problem refuses
        the whole write with :class:`~remnant.errors.InvalidRecordsError`, unless
        ``skip_invalid``: then the admitted records are written and the summary lists
        the problems of the others. A record whose id is already stored with the same
        values is left unchanged (so importing a file twice adds nothing); one stored with
        other values is updated when ``update`` is true, and otherwise the whole write
        is refused with a :class:`~remnant.errors.ConflictError` naming the ids and fields.

        >>> import pathlib, tempfile, geopandas as gpd, shapely
        >>> from remnant.store import create_store
        >>> store = create_store(pathlib.Path(tempfile.mkdtemp()) / "programme.gpkg")
        >>> strike = gpd.GeoDataFrame({"id": ["S1"], "munition": ["m77_m26"], "carriers": [2],
        ...     "source_class": ["eod_report"]}, geometry=[shapely.Point(35.5, 33.3)], crs=4326)
        >>> store.write("strikes", strike, user="analyst").inserted
        ['S1']
        >>> store.write("strikes", strike, user="analyst").unchanged  # the same again
        ['S1']
        >>> store.read("strikes")[["id", "carriers_min", "carriers_max"]].to_dict("records")
        [{'id': 'S1', 'carriers_min': 2, 'carriers_max': 2}]
        """
        if isinstance(offered, pd.DataFrame):
            offered = gate.Submission.of(layer, offered)
        parts = [offered] if isinstance(offered, gate.Submission) else offered
        done: dict[str, list] = {k: [] for k in WriteSummary.__dataclass_fields__}
        file = "records"
        with self.transaction() as conn:
            for part in parts:  # each part sees the ones before it, as stored
                file = part.file
                verdict = gate.admit(_View(self, conn), layer, part, update=update)
                self._apply(conn, layer, verdict, user or default_user())
                done["inserted"] += verdict.inserts["id"].tolist()
                done["updated"] += verdict.updates["id"].tolist()
                done["unchanged"] += verdict.unchanged
                done["problems"] += verdict.problems
                done["warnings"] += verdict.warnings
            if done["problems"] and not skip_invalid:  # undo the parts written
                raise InvalidRecordsError(file, done["problems"])
        return WriteSummary(**done)

    def _admit(
        self, conn, layer, offered, *, update=False, partial=False, proposing=False
    ) -> gate.Verdict:
        """The gate's verdict, refusing the whole write on any problem unless ``partial``.

        A record ``proposing`` for review may refer to records waiting for review.
        """
        verdict = gate.admit(_View(self, conn, proposing), layer, offered, update=update)
        if verdict.problems and not partial:
            raise InvalidRecordsError(offered.file, verdict.problems)
        return verdict

    def _change(self, conn, layer, record_id, changes, expected_version) -> gate.Verdict:
        """The gate's verdict on changing one record (refused on any problem)."""
        ent = records.entity(layer)
        table = schema.record_table(layer)
        before = self._current(conn, ent, table, record_id, expected_version)
        return self._admit(conn, layer, gate.change(layer, before, changes), update=True)

    def _let_go(self, conn, layer, record_id, expected_version) -> gpd.GeoDataFrame:
        """The record to delete, once the gate lets it go."""
        ent = records.entity(layer)
        table = schema.record_table(layer)
        before = self._current(conn, ent, table, record_id, expected_version)
        gate.admit_delete(_View(self, conn), layer, before)
        return before

    def _apply(self, conn, layer: str, verdict: gate.Verdict, user: str) -> None:
        """Write what the gate admitted, with its audit entries."""
        ent = records.entity(layer)
        table = schema.record_table(layer)
        at = now()
        inserts, updates = verdict.inserts, verdict.updates
        if len(inserts):
            plain = gate.plain_columns(ent, inserts)
            self.backend.insert_rows(
                conn,
                table,
                self._with_geometry(ent, plain, inserts),
                inserts.geometry.to_numpy() if ent.geometry else None,
            )
            after = _json_rows(plain, verdict.read_as)
            self._audit(conn, at, user, layer, "insert", plain["id"], None, after)
        if verdict.moved is not None and len(verdict.moved):
            self._move_areas(conn, verdict.moved, at, user)
        if len(updates):
            plain = gate.plain_columns(ent, updates)
            self._update_rows(conn, ent, table, updates)
            before = _json_rows(gate.plain_columns(ent, verdict.before))
            after = _json_rows(plain, verdict.read_as)
            self._audit(conn, at, user, layer, "update", plain["id"], before, after)
        if len(inserts) or len(updates):
            bounds = None
            if ent.geometry:
                bounds = pd.concat([inserts.geometry, updates.geometry]).total_bounds
            self.backend.touch(conn, layer, bounds)

    def update(
        self,
        layer: str,
        record_id: str,
        changes: dict,
        *,
        user: str | None = None,
        expected_version: int | None = None,
    ) -> dict:
        """Change fields of one record, checked at the gate like any write; return it.

        ``expected_version`` (from :meth:`get`) makes the update conditional: if another
        user changed the record since, a :class:`~remnant.errors.ConflictError` is raised
        rather than their change being lost.

        >>> import pathlib, tempfile, geopandas as gpd, shapely
        >>> from remnant.store import create_store
        >>> store = create_store(pathlib.Path(tempfile.mkdtemp()) / "programme.gpkg")
        >>> strike = gpd.GeoDataFrame({"id": ["S1"], "munition": ["m77_m26"], "carriers": [2],
        ...     "source_class": ["eod_report"]}, geometry=[shapely.Point(35.5, 33.3)], crs=4326)
        >>> _ = store.write("strikes", strike, user="analyst")
        >>> store.update("strikes", "S1", {"accuracy_m": 30}, user="analyst")["version"]
        2
        >>> store.update("strikes", "S1", {"accuracy_m": 40}, expected_version=1)
        Traceback (most recent call last):
        remnant.errors.ConflictError: ...
        >>> store.history("S1")["action"].tolist()
        ['insert', 'update']
        """
        with self.transaction() as conn:
            verdict = self._change(conn, layer, record_id, changes, expected_version)
            self._apply(conn, layer, verdict, user or default_user())
        return self.get(layer, record_id)

    def delete(
        self,
        layer: str,
        record_id: str,
        *,
        user: str | None = None,
        expected_version: int | None = None,
    ) -> None:
        """Delete one record the gate lets go; the audit log keeps what it held."""
        with self.transaction() as conn:
            before = self._let_go(conn, layer, record_id, expected_version)
            self._remove(conn, layer, before, user or default_user())

    def _remove(self, conn, layer: str, before: gpd.GeoDataFrame, user: str) -> None:
        """Delete the record ``before`` holds, with its audit entry."""
        ent = records.entity(layer)
        table = schema.record_table(layer)
        record_id = before.at[0, "id"]
        conn.execute(table.delete().where(table.c.id == record_id))
        before_json = _json_rows(gate.plain_columns(ent, before))
        self._audit(conn, now(), user, layer, "delete", [record_id], before_json, None)
        self.backend.touch(conn, layer)

    def _current(self, conn, ent, table, record_id: str, expected_version: int | None):
        """The stored record, refusing a stale ``expected_version`` (optimistic locking)."""
        before = self._read_in(conn, ent, table, [record_id], with_version=True)
        if before.empty:
            raise NotFoundError(
                N_("no record {record_id!r} in {name}"), record_id=record_id, name=table.name
            )
        version = int(before.at[0, "version"])
        if expected_version is not None and version != expected_version:
            raise ConflictError(
                N_(
                    "{record_id} was changed by someone else (version {version}, you had "
                    "{expected_version}); reload it and apply your change again"
                ),
                record_id=record_id,
                version=version,
                expected_version=expected_version,
            )
        return before

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
            _json_rows(gate.plain_columns(ent, before)),
            _json_rows(gate.plain_columns(ent, moved)),
        )
        self.backend.touch(conn, "hazard_areas")

    # -- web API users -----------------------------------------------------------------

    def add_user(self, name: str, role: str, *, by: str | None = None) -> str:
        """Add a web API user with ``role``; return their key (see :mod:`remnant.store.users`)."""
        return users.add(self, name, role, by=by or default_user())

    def revoke_user(self, name: str, *, by: str | None = None) -> None:
        """Revoke a user's key: it is refused from now on."""
        users.revoke(self, name, by=by or default_user())

    def users(self) -> pd.DataFrame:
        """Users with role and when they were added or revoked (never their keys)."""
        return users.listing(self)

    def authenticate(self, key: str | None) -> tuple[str, str] | None:
        """(name, role) of the live user holding ``key``, or None."""
        return users.authenticate(self, key)

    def propose(
        self,
        layer: str,
        action: str,
        *,
        user: str,
        offered: gate.Submission | pd.DataFrame | None = None,
        record_id: str | None = None,
        changes: dict | None = None,
        expected_version: int | None = None,
    ) -> list[str]:
        """Put an insert, update or delete before an admin instead of applying it.

        The gate judges it now (the same verdict as a write) and again on approval; until
        then the store's records, and so every map, rate, plan and report, are unchanged.
        See :mod:`remnant.store.review`.
        """
        return review.propose(
            self,
            layer,
            action,
            user=user,
            offered=offered,
            record_id=record_id,
            changes=changes,
            expected_version=expected_version,
        )

    def propose_inserts(self, parts, *, user: str, skip_invalid: bool = False) -> review.Queued:
        """Queue new records of several layers for review at once (an accident, victims).

        See :func:`remnant.store.review.propose_inserts`.
        """
        return review.propose_inserts(self, parts, user=user, skip_invalid=skip_invalid)

    def reviews(self, state: str | None = None, *, judged: bool = False) -> pd.DataFrame:
        """Proposals, oldest first (``state``: pending, approved or rejected).

        ``judged``: with what the gate would say of each pending one now (see
        :func:`remnant.store.review.listing`).
        """
        return review.listing(self, state, judged=judged)

    def decide(self, layer: str, record_id: str, approve: bool, *, by: str, note=None) -> None:
        """Approve a pending proposal (applied through the gate) or reject it; audited."""
        settle = attachments.settle if layer == attachments.ATTACHMENTS else None
        review.decide(self, layer, record_id, approve, by=by, note=note, settle=settle)

    # -- derived tables --------------------------------------------------------------

    def replace_derived(
        self, name: str, frame: pd.DataFrame, *, user: str | None = None, note: dict | None = None
    ) -> None:
        """Replace the rows of a derived table (a model's output) in one audited transaction."""
        derived.replace(self, name, frame, user=user or default_user(), note=note)

    # -- where: admin units and places (docs/admin-units.md) ----------------------------

    def set_admin_units(
        self, level: int, units: gpd.GeoDataFrame, *, source: str, user: str | None = None
    ) -> int:
        """Replace the units of ``level`` (code, name, parent, polygons in EPSG:4326).

        Records keep the units they had until :meth:`refresh_admin_units`.
        """
        return gazetteer.set_admin_units(
            self, level, units, source=source, user=user or default_user()
        )

    def admin_units(self) -> gpd.GeoDataFrame:
        """Every administrative unit: level, code, name, parent, source, geometry."""
        return gazetteer.admin_units(self)

    def refresh_admin_units(self, *, user: str | None = None) -> dict[str, WriteSummary]:
        """Set every record's admin units from the store's units again (changes audited)."""
        out = {}
        for layer, ent in records.ENTITIES.items():
            if any(f.name == "admin1" for f in ent.fields):
                out[layer] = self.write(layer, self.read(layer), update=True, user=user)
        return out

    def add_places(self, places: gpd.GeoDataFrame, *, user: str | None = None) -> int:
        """Add places to the gazetteer (name, names, kind, population, source; points)."""
        return gazetteer.add_places(self, places, user=user or default_user())

    def places(self) -> gpd.GeoDataFrame:
        """Every place in the gazetteer."""
        return gazetteer.places(self)

    def find_place(self, query: str, *, limit: int = 5) -> pd.DataFrame:
        """Places whose names match ``query`` in any script, with their admin units."""
        from remnant.adminunits import LEVELS, unit_of
        from remnant.places import find

        found = find(self.places(), query, limit=limit)
        points = gpd.points_from_xy(found["lon"], found["lat"]) if len(found) else []
        units = self.admin_units()
        for level in LEVELS:
            found[f"admin{level}"] = unit_of(points, units[units["level"] == level])
        return found

    def read_derived(self, name: str) -> pd.DataFrame:
        """The rows of a derived table (see :data:`remnant.store.schema.DERIVED_TABLES`)."""
        return derived.read(self, name)

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

    def survey(self) -> SurveyFigures:
        """The survey figures the models use: the shipped ones, with this store's own."""
        return survey.read(self)

    def set_survey(
        self, figures: dict[str, tuple[float, str]], *, user: str | None = None
    ) -> WriteSummary:
        """Set this programme's own survey figures (``{"detection.TS": (0.5, source)}``).

        Each must be a figure remnant uses, with its source
        (:func:`remnant.catalogue.parse_survey_figures` reads and checks a file of them);
        every change is audited.

        >>> import pathlib, tempfile
        >>> from remnant.store import create_store
        >>> store = create_store(pathlib.Path(tempfile.mkdtemp()) / "programme.gpkg")
        >>> store.set_survey({"detection.clearance": (0.9, "our QA sampling, 2024")}).inserted
        ['detection.clearance']
        >>> store.survey().detection["clearance"], store.survey().detection["TS"]
        (0.9, 0.6)
        """
        known = default_survey().sources
        checked = {k: check_figure(k, v, src, known=known) for k, (v, src) in figures.items()}
        return WriteSummary(*survey.set_figures(self, checked, user=user or default_user()))

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
        query = sa.select(*columns).where(among(table.c[column], ids)).order_by(table.c.fid)
        rows = conn.execute(query).all()
        return self._frame(ent, rows, [c.name for c in columns])

    def _with_geometry(self, ent, plain: dict[str, list], frame) -> dict[str, list]:
        """Driver parameters: the plain columns, with the geometry in the backend's encoding."""
        columns = {k: v for k, v in plain.items() if k != "geometry"}
        if ent.geometry:
            columns[GEOMETRY_COLUMN] = self.backend.encode_geometries(frame.geometry.to_numpy())
        return columns

    def _update_rows(self, conn, ent, table, frame) -> None:
        columns = self._with_geometry(ent, gate.plain_columns(ent, frame), frame)
        columns["key_id"] = columns.pop("id")
        for f in ent.fields:  # dates as the column type takes them on every backend
            if f.kind == "date":
                columns[f.name] = [
                    None if v is None else dt.date.fromisoformat(v) for v in columns[f.name]
                ]
        names = list(columns)
        params = [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
        values: dict[str, Any] = {c: sa.bindparam(c) for c in names if c != "key_id"}
        values["version"] = table.c.version + 1
        conn.execute(
            table.update().where(table.c.id == sa.bindparam("key_id")).values(values), params
        )

    def _audit(self, conn, at, user, layer, action, ids, before, after) -> None:
        audit.append(conn, at, user, layer, action, ids, before, after)


def _meets(geoms: np.ndarray, bbox) -> np.ndarray:
    """Which geometries' envelopes meet ``bbox``, exactly.

    Spatial indexes hold single-precision boxes, each rounded its own way; this exact
    test of the candidates makes every backend return the same rows.
    """
    minx, miny, maxx, maxy = bbox
    b = shapely.bounds(np.asarray(geoms, dtype=object))
    with np.errstate(invalid="ignore"):
        return (b[:, 0] <= maxx) & (b[:, 2] >= minx) & (b[:, 1] <= maxy) & (b[:, 3] >= miny)


def _json_rows(columns: dict[str, list], read_as: dict | None = None) -> list[str]:
    """Each record as JSON text for the audit log (geometry as WKT).

    ``read_as`` gives, by id, the labels an input held for values stored canonical: kept
    under ``"read_as"``.

    >>> _json_rows({"id": ["H-1"], "status": ["open"]}, {"H-1": {"status": "Ouverte"}})
    ['{"id":"H-1","status":"open","read_as":{"status":"Ouverte"}}']
    """
    names, dumps = list(columns), orjson.dumps
    rows = zip(*columns.values(), strict=True)
    if not read_as:
        return [dumps(dict(zip(names, row, strict=True))).decode() for row in rows]
    records = [dict(zip(names, row, strict=True)) for row in rows]
    for record in records:
        if record["id"] in read_as:
            record["read_as"] = read_as[record["id"]]
    return [dumps(record).decode() for record in records]


class _View:
    """The store as the gate reads it, through one (write) transaction's connection."""

    def __init__(self, store: Store, conn: sa.Connection, proposing: bool = False):
        self.store, self.conn, self.proposing = store, conn, proposing

    def munition_keys(self) -> set[str]:
        return self.store._munition_keys(self.conn)

    def records(self, layer: str, ids: list[str], column: str = "id") -> gpd.GeoDataFrame:
        ent = records.entity(layer)
        return self.store._read_in(self.conn, ent, schema.record_table(layer), ids, column=column)

    def referable(self, layer: str, ids: list[str]) -> set[str]:
        found = set(self.records(layer, ids)["id"])
        if self.proposing:
            found |= review.waiting_ids(self.conn, layer, ids)
        return found

    def admin_units(self) -> gpd.GeoDataFrame:
        if not hasattr(self, "_units"):  # read once per write
            self._units = gazetteer.admin_units(self.store, self.conn)
        return self._units
