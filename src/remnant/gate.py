"""The one gate every write passes, whatever door it came through.

A file import, the web API, a command, a form submission or a library call hands the
store a :class:`Submission` — the values as that door read them — and the store asks
:func:`admit` (or :func:`admit_delete`) for the verdict inside its write transaction, so
what is checked is what is written. The gate owns, in this order:

1. field rules (:func:`remnant.records.validate`: types, ranges, enumerations, dates,
   geometry, text and vertex limits, ids, outcomes, clearance depth);
2. references to other records (an item's activity, a victim's accident …), and on
   delete the records that refer to the one deleted;
3. the land release workflow (:mod:`remnant.workflow`): new activities applied to their
   areas, and the fields recorded work freezes.

Doors only map the verdict back to their own terms: a file's row numbers, HTTP statuses.

>>> import pathlib, tempfile, pandas as pd, shapely
>>> from remnant.errors import InvalidRecordsError
>>> from remnant.store import create_store
>>> store = create_store(pathlib.Path(tempfile.mkdtemp()) / "programme.gpkg")
>>> offered = Submission.of("strikes", pd.DataFrame({"source_class": ["media"],
...     "carriers": [[1, 2]]}), [shapely.Point(float("nan"), 33)])
>>> try:
...     store.write("strikes", offered)
... except InvalidRecordsError as refused:
...     print(refused.report())
records, row 1, field 'carriers': must be a single value, not a list or object (value '[1, 2]')
records, row 1, field 'geometry': coordinates must be finite numbers (not NaN or infinity)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from remnant import adminunits, records, workflow
from remnant.errors import ConflictError, Problem
from remnant.translate import N_

__all__ = [
    "GEOMETRY_TOLERANCE",
    "StoreView",
    "Submission",
    "Verdict",
    "admit",
    "admit_delete",
    "change",
    "differences",
    "plain_columns",
]

GEOMETRY_TOLERANCE = 1e-9  # degrees (≈ 0.1 mm): what file formats keep of a coordinate
# A point this far outside the area of the record it names (an item's activity, an evidence
# point's hazard area) is said in a warning: one of the two places is likely wrong (lon
# and lat swapped, a wrong zone or id). Our judgement: farther than a benchmark or a
# GPS error puts a point, nearer than most typing errors (README, "One gate").
FAR_FROM_NAMED_AREA_M = 1_000.0


class StoreView(Protocol):
    """What the gate reads of the store, inside the write transaction."""

    def munition_keys(self) -> set[str]:
        """Keys of the default catalogue and of the store's own entries."""
        ...

    def records(self, layer: str, ids: list[str], column: str = "id") -> gpd.GeoDataFrame:
        """Stored records of ``layer`` whose ``column`` is one of ``ids``."""
        ...

    def referable(self, layer: str, ids: list[str]) -> set[str]:
        """Those of ``ids`` a record may refer to: stored, or (for a proposal) waiting."""
        ...

    def admin_units(self) -> gpd.GeoDataFrame:
        """The store's administrative units: level, code and geometry (EPSG:4326)."""
        ...


@dataclass
class Submission:
    """Records offered for writing, as one door read them.

    ``frame`` holds values as read (text, numbers, dates, booleans or missing), one
    column per canonical field; ``geometry`` one shapely geometry per row in EPSG:4326
    (None where a row has none); ``rows`` each row's number in the input, by which
    problems are reported; ``problems`` what reading already found wrong; ``read_as``,
    by row number, the labels the door replaced by remnant's values (kept in the audit);
    ``columns``, by field, the input's own name for it where the door renamed it, so that
    problems name the column a user can find in the file; ``labels``, by field, the labels
    the door reads as its values (a profile's, ``--map-values``'s), named when a value is
    neither a label nor a value.
    """

    file: str
    frame: pd.DataFrame
    geometry: np.ndarray | None
    rows: np.ndarray
    problems: list[Problem] = field(default_factory=list)
    read_as: dict[int, dict[str, str]] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    labels: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, layer: str, frame: pd.DataFrame, geometry=None, *, file: str = "records"):
        """Records given as a (Geo)DataFrame: geometry from ``geometry`` or the frame's own."""
        ent = records.entity(layer)
        if ent.geometry and geometry is None and isinstance(frame, gpd.GeoDataFrame):
            geo = frame.geometry.to_crs(4326) if frame.crs else frame.geometry
            geometry = geo.to_numpy()
        values = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
        if geometry is None:  # a plain frame for a layer with geometry: none given
            geometry = [None] * len(values)
        return cls(
            file,
            values.reset_index(drop=True),
            None if not ent.geometry else np.asarray(geometry, dtype=object),
            np.arange(1, len(values) + 1),
        )


@dataclass
class Verdict:
    """What may be written, and every reason the rest may not.

    ``inserts`` are new records and ``updates`` changed ones (typed, canonical, polygons
    clipped by the workflow), ``before`` the stored versions of ``updates`` (aligned);
    ``unchanged`` ids of records stored with the same values; ``moved`` the hazard areas
    whose kind or status the accepted activities changed (with their new values);
    ``read_as``, by record id, the labels the input gave for the values stored.
    """

    inserts: gpd.GeoDataFrame
    updates: gpd.GeoDataFrame
    before: gpd.GeoDataFrame
    unchanged: list[str]
    moved: gpd.GeoDataFrame | None
    problems: list[Problem]
    warnings: list[Problem]
    read_as: dict[str, dict[str, str]] = field(default_factory=dict)


def admit(view: StoreView, layer: str, offered: Submission, *, update: bool = False) -> Verdict:
    """The verdict on records offered for ``layer``: field rules, references, workflow.

    Records whose id is stored with other values are changes: allowed with ``update``
    (and then checked against the fields the workflow freezes), otherwise the whole
    write is refused with a :class:`~remnant.errors.ConflictError` naming them.
    """
    result = records.validate(
        layer,
        offered.frame,
        offered.geometry,
        file=offered.file,
        rows=offered.rows,
        munitions=view.munition_keys(),
        labels=offered.labels,
    )
    problems = _merge(offered.problems, result.problems) + _unknown_fields(layer, offered)
    good, rows = result.records, result.rows
    problems += _reference_problems(view, layer, offered.file, good, rows)
    warnings = result.warnings + _place(view, layer, offered.file, good, rows)
    warnings += _far_from_named_areas(view, layer, offered.file, good, rows)
    stored = view.records(layer, good["id"].tolist())
    is_old = good["id"].isin(stored["id"]).to_numpy()
    stored = stored.set_index("id", drop=False).loc[good.loc[is_old, "id"]]
    stored = stored.reset_index(drop=True)
    diffs = differences(records.entity(layer), stored, good[is_old].reset_index(drop=True))
    changed = np.zeros(len(good), bool)
    changed[np.flatnonzero(is_old)[[bool(d) for d in diffs]]] = True
    if changed.any() and not update:
        shown = [f"{stored.at[i, 'id']} ({', '.join(d)})" for i, d in enumerate(diffs) if d]
        raise ConflictError(
            N_(
                "{file}: {n} record(s) already stored with other values, use update to change "
                "them: {records}"
            ),
            file=offered.file,
            n=len(shown),
            records="; ".join(shown[:5]) + (" …" if len(shown) > 5 else ""),
        )
    before = stored[[bool(d) for d in diffs]].reset_index(drop=True)
    updates = good[changed].reset_index(drop=True)
    problems += _frozen_problems(view, layer, offered.file, before, updates, rows[changed])
    new = ~is_old
    inserts, moved = good[new].reset_index(drop=True), None
    if layer == "activities":
        bad = {p.row for p in problems}
        fresh = new & ~np.isin(rows, sorted(bad))
        inserts, moved, refused = _apply_workflow(view, good[fresh], rows[fresh], offered.file)
        problems += refused
    bad = {p.row for p in problems}
    ok_insert = ~np.isin(_rows_of(good, rows, inserts), sorted(bad))
    ok_update = ~np.isin(rows[changed], sorted(bad))
    return Verdict(
        inserts=inserts[ok_insert].reset_index(drop=True),
        updates=updates[ok_update].reset_index(drop=True),
        before=before[ok_update].reset_index(drop=True),
        unchanged=good.loc[is_old & ~changed, "id"].tolist(),
        moved=moved,
        problems=_as_written(problems, offered.columns),
        warnings=_as_written(warnings, offered.columns),
        read_as=_read_as(offered.read_as, result.read_as, good["id"], rows),
    )


def _place(view: StoreView, layer: str, file: str, good, rows: np.ndarray) -> list[Problem]:
    """Set each record's admin units from the store's (docs/admin-units.md), in place.

    Returns a warning for each record outside every unit of a level the store has.
    """
    names = [f.name for f in records.entity(layer).fields if f.name.startswith("admin")]
    if not names:
        return []
    units = view.admin_units()
    warnings = []
    for level, name in zip(adminunits.LEVELS, names, strict=True):
        at = units[units["level"] == level]
        good[name] = adminunits.unit_of(good.geometry.to_numpy(), at)
        if len(at):
            for i in np.flatnonzero(good[name].isna().to_numpy()):
                message = N_("outside every level-{level} admin unit")
                params = (("level", level),)
                warnings.append(Problem(file, int(rows[i]), name, None, message, params))
    return warnings


def _as_written(problems: list[Problem], columns: dict[str, str]) -> list[Problem]:
    """The problems, each naming the input's own column for its field where it has one.

    >>> problem = Problem("d.csv", 5, "state", "Live!", "must be one of: live")
    >>> print(_as_written([problem], {"state": "condition"})[0])
    d.csv, row 5, column 'condition' (field 'state'): must be one of: live (value 'Live!')
    """
    return [
        replace(p, column=columns[p.field]) if p.field in columns and p.column is None else p
        for p in problems
    ]


def _far_from_named_areas(view: StoreView, layer: str, file: str, good, rows) -> list[Problem]:
    """A warning for each point more than FAR_FROM_NAMED_AREA_M outside an area it names."""
    ent = records.entity(layer)
    if ent.geometry != "POINT" or good.empty:
        return []
    warnings = []
    for f in ent.fields:
        if f.references is None or records.entity(f.references).geometry != "MULTIPOLYGON":
            continue
        named = good[f.name].to_numpy(object)
        ids = sorted({v for v in named if isinstance(v, str)})
        if not ids:
            continue
        stored = view.records(f.references, ids)
        areas = dict(zip(stored["id"], stored.geometry, strict=True))
        metres = records.metres_outside(
            good.geometry.to_numpy(), np.array([areas.get(v) for v in named], dtype=object)
        )
        for i in np.flatnonzero(metres > FAR_FROM_NAMED_AREA_M):
            message = N_("lies {km} km outside the area of the {layer} record it names")
            params = (("km", f"{metres[i] / 1000:,.1f}"), ("layer", f.references))
            warnings.append(Problem(file, int(rows[i]), f.name, named[i], message, params))
    return warnings


def _read_as(door: dict, gate: dict, ids: pd.Series, rows: np.ndarray) -> dict:
    """By record id, the labels replaced by the door and then by the gate (first wins).

    >>> _read_as({2: {"status": "Ouverte"}}, {2: {"kind": "Sha"}, 3: {"kind": "cha "}},
    ...          pd.Series(["H-1", "H-2"]), np.array([2, 3]))
    {'H-1': {'kind': 'Sha', 'status': 'Ouverte'}, 'H-2': {'kind': 'cha '}}
    """
    if not door and not gate:
        return {}
    out = {}
    for record_id, row in zip(ids, rows.tolist(), strict=True):
        labels = {**gate.get(row, {}), **door.get(row, {})}
        if labels:
            out[record_id] = labels
    return out


def change(layer: str, before: gpd.GeoDataFrame, changes: dict) -> Submission:
    """One stored record with ``changes`` applied, offered as a submission of one row.

    Raises
    ------
    ConflictError
        For a change of id (ids never change).
    """
    ent = records.entity(layer)
    record_id = before.at[0, "id"]
    name = f"{layer}/{record_id}"
    if "id" in changes and changes["id"] != record_id:
        raise ConflictError(
            N_("{record_id}: ids never change (asked for {id!r})"),
            record_id=record_id,
            id=changes["id"],
        )
    merged = before.drop(columns=["version"], errors="ignore").iloc[0].to_dict()
    merged.update(changes)
    geometry = np.array([merged.pop("geometry", None)], dtype=object) if ent.geometry else None
    return Submission(name, pd.DataFrame([merged], dtype=object), geometry, np.array([1]))


def _rows_of(good: gpd.GeoDataFrame, rows: np.ndarray, subset: gpd.GeoDataFrame) -> np.ndarray:
    """The input rows of the records in ``subset`` (matched by id)."""
    position = dict(zip(good["id"], rows, strict=True))
    return np.array([position[i] for i in subset["id"]], dtype=int)


def admit_delete(view: StoreView, layer: str, before: gpd.GeoDataFrame) -> None:
    """Refuse deleting a record others refer to, or an activity that moved its area on.

    Raises
    ------
    ConflictError
        Naming what holds the record.
    """
    record = before.iloc[0]
    for other in records.ENTITIES.values():
        for f in other.fields:
            if f.references == layer:
                n = len(view.records(other.name, [record["id"]], column=f.name))
                if n:
                    raise ConflictError(
                        N_(
                            "{id} is referred to by {n} record(s) in {table}.{column}; delete or "
                            "change those first"
                        ),
                        id=record["id"],
                        n=n,
                        table=other.name,
                        column=f.name,
                    )
    if layer == "activities" and _moved_an_area(record):
        raise ConflictError(
            N_(
                "{id} moved hazard area {hazard_area} on (land release workflow); it cannot be "
                "deleted"
            ),
            id=record["id"],
            hazard_area=record["hazard_area"],
        )


def _unknown_fields(layer: str, offered: Submission) -> list[Problem]:
    """Values given for names that are not fields of ``layer`` (never silently dropped)."""
    known = set(records.entity(layer).field_names)
    problems = []
    for column in offered.frame.columns:
        if column in known:
            continue
        given = offered.frame[column].map(lambda v: not records.missing(v)).to_numpy(bool)
        problems += [
            Problem(
                offered.file,
                int(offered.rows[i]),
                str(column),
                None,
                N_("is not a field of this layer"),
            )
            for i in np.flatnonzero(given)
        ]
    return problems


def _merge(read_problems: list[Problem], problems: list[Problem]) -> list[Problem]:
    """Problems of reading and of the rules, without 'no geometry' where reading said why."""
    unreadable = {p.row for p in read_problems}
    return read_problems + [
        p
        for p in problems
        if not (p.field == "geometry" and p.row in unreadable and "no geometry" in p.message)
    ]


def _reference_problems(view: StoreView, layer: str, file: str, good, rows) -> list[Problem]:
    """Values that name a record (an accident, an activity …) the store does not hold."""
    problems = []
    for f in records.entity(layer).fields:
        if f.references is None:
            continue
        values = good[f.name]
        named = sorted({v for v in values if isinstance(v, str)})
        known = view.referable(f.references, named) if named else set()
        missing = values.notna().to_numpy() & ~values.isin(known).to_numpy()
        problems += [
            Problem(
                file,
                int(rows[i]),
                f.name,
                values.iat[i],
                N_("no such record in {layer}"),
                (("layer", f.references),),
            )
            for i in np.flatnonzero(missing)
        ]
    return problems


def _moved_an_area(activity) -> bool:
    """Whether a stored activity took part in the land release workflow of an area."""
    area = activity["hazard_area"]
    return activity["type"] in workflow.RELEASES_LAND and isinstance(area, str)


def _frozen_problems(view, layer: str, file: str, before, after, rows) -> list[Problem]:
    """Changes that would move an area on without the workflow, or rewrite recorded work."""
    problems: list[Problem] = []
    if layer not in ("activities", "hazard_areas") or after.empty:
        return problems
    old_by_id = before.set_index("id", drop=False)
    if layer == "activities":
        for row, (_, new) in zip(rows, after.iterrows(), strict=True):
            old = old_by_id.loc[new["id"]]
            if not _moved_an_area(old):
                continue
            for name in workflow.WORKFLOW_ACTIVITY_FIELDS:
                same = (
                    old[name].equals(new[name])
                    if name == "geometry"
                    else _same_value(old[name], new[name])
                )
                if not same:
                    problems.append(
                        Problem(
                            file,
                            int(row),
                            name,
                            None,
                            N_("cannot change once recorded: it moved its hazard area on"),
                        )
                    )
        return problems
    worked = set(
        view.records("activities", after["id"].tolist(), column="hazard_area")["hazard_area"]
    )
    for row, (_, new) in zip(rows, after.iterrows(), strict=True):
        old = old_by_id.loc[new["id"]]
        for name, why, params in workflow.area_change_problems(old, new, new["id"] in worked):
            problems.append(Problem(file, int(row), name, None, why, params))
    return problems


def _same_value(a, b) -> bool:
    missing_a, missing_b = records.missing(a), records.missing(b)
    return (missing_a and missing_b) or (not missing_a and not missing_b and a == b)


def _apply_workflow(view: StoreView, new: gpd.GeoDataFrame, rows: np.ndarray, file: str):
    """New activities applied to their areas: (accepted, areas moved, problems)."""
    areas = sorted({h for h in new["hazard_area"] if isinstance(h, str)})
    stored = view.records("hazard_areas", areas)
    done = view.records("activities", areas, column="hazard_area")
    applied = workflow.apply_activities(new, stored, done[done["outcome"].isin(workflow.RELEASED)])
    problems = [
        Problem(file, int(rows[p.position]), p.field, p.value, p.message, p.params)
        for p in applied.problems
    ]
    return applied.activities, applied.areas, problems


def plain_columns(ent: records.Entity, frame: pd.DataFrame) -> dict[str, list]:
    """Canonical columns as lists of plain values: None when missing, dates as ISO text.

    One representation serves the driver, the audit log's JSON and comparisons.
    """
    columns = {f.name: _plain(f.kind, frame[f.name]) for f in ent.fields}
    if ent.geometry:
        wkt = shapely.to_wkt(frame.geometry.to_numpy(), rounding_precision=17)
        columns["geometry"] = list(wkt)
    return columns


_CONVERTERS: dict[str, Callable[[Any], object]] = {
    "date": lambda v: v.isoformat(),
    "integer": int,
    "real": float,
    "boolean": bool,
}


def _plain(kind: str, column: pd.Series) -> list:
    """One column as plain values (see :func:`plain_columns`).

    >>> _plain("integer", pd.Series([2, None], dtype="Int64")), _plain("real", pd.Series([2]))
    ([2, None], [2.0])
    """
    numeric = {"integer": pd.api.types.is_integer_dtype, "real": pd.api.types.is_float_dtype}
    if kind in numeric and numeric[kind](column.dtype):  # Python numbers from compiled code
        return column.to_numpy(dtype=object, na_value=None).tolist()
    values = column.to_numpy(dtype=object)
    missing = pd.isna(values)
    if kind == "text":
        return records.blanked(values, missing).tolist()
    convert = _CONVERTERS[kind]
    return [None if m else convert(v) for v, m in zip(values, missing, strict=True)]


def differences(ent: records.Entity, old: pd.DataFrame, new: pd.DataFrame) -> list[list[str]]:
    """Per row pair, the names of the fields whose values differ (aligned frames)."""
    a, b = plain_columns(ent, old), plain_columns(ent, new)
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
        for j in np.flatnonzero(~same):
            diffs[j].append("geometry")
    return diffs
