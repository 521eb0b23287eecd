"""What the web API does, as plain functions over the library (no web framework here).

Each handler takes a store, the caller (name and role, or None) and plain arguments, and
returns JSON-ready data or raises a :class:`WebError` with the HTTP status and a message
a person can act on. :mod:`remnant.web.app` only adapts these to HTTP, so everything
here is tested without a server.

Records travel as GeoJSON Features whose properties use the canonical field names of
:mod:`remnant.records`; every write goes through the same validation and land release
workflow as an import, and lands in the audit log under the caller's name.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from remnant import records
from remnant.errors import InputError, InvalidRecordsError, RemnantError
from remnant.gate import Submission
from remnant.io import import_table
from remnant.store import Store
from remnant.store import attachments as store_attachments
from remnant.store.users import ROLES
from remnant.translate import N_, _, language

__all__ = [
    "COLLECTIONS",
    "WebError",
    "attach",
    "attachment",
    "attachments",
    "create",
    "decide",
    "delete",
    "get_one",
    "require",
    "reviews",
    "search",
    "update",
]

ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
# Layers published as OGC API – Features collections (read-only): those with a geometry.
# Victims and the assistance they receive are about people, and stay behind the records API.
COLLECTIONS = tuple(name for name, ent in records.ENTITIES.items() if ent.geometry)
MAX_LIMIT = 10_000


class WebError(Exception):
    """An HTTP error with a message for the person who made the request.

    The message is English marked ``N_``, with ``{name}`` for each value given as a
    keyword (kept as a :class:`~remnant.errors.RemnantError`), or that of ``error``, the
    library's error behind it; either is said in the caller's language (:meth:`said`).

    >>> WebError(400, "feature {i}: properties must be an object", i=2).said("fr")
    ('entité 2 : les propriétés doivent être un objet', 'fr')
    """

    def __init__(self, status: int, message: str = "", error: RemnantError | None = None, **params):
        self.status = status
        self.error = RemnantError(message, **params) if error is None else error
        self.message = _message(self.error)
        super().__init__(self.message)

    @classmethod
    def of(cls, error: RemnantError, status: int | None = None) -> WebError:
        """The answer to a library error: its status (or ``status``) and its message."""
        return cls(error.http_status if status is None else status, error=error)

    def said(self, tag: str) -> tuple[str, str]:
        """The message in language ``tag``, and the language used (``Content-Language``)."""
        with language(tag):
            return _message(self.error, _), tag


def require(caller: tuple[str, str] | None, role: str) -> str:
    """The caller's name if they hold at least ``role``; 401 without a key, 403 without rights."""
    if caller is None:
        raise WebError(401, N_("an API key is needed (header X-API-Key); ask an admin for one"))
    name, has = caller
    if ROLE_RANK[has] < ROLE_RANK[role]:
        raise WebError(
            403, N_("{name} is a {has}; this needs an {role} key"), name=name, has=has, role=role
        )
    return name


def _layer(name: str) -> records.Entity:
    if name not in records.ENTITIES:
        raise WebError(
            404,
            N_("no layer {name!r}; layers: {layers}"),
            name=name,
            layers=", ".join(records.ENTITIES),
        )
    return records.ENTITIES[name]


def _plain(value):
    if value is None or (not isinstance(value, (str, bytes)) and pd.isna(value)):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def feature(row: dict, ent: records.Entity) -> dict:
    """One record as a GeoJSON Feature (properties: canonical fields and version)."""
    props = {f: _plain(row.get(f)) for f in ent.field_names if f != "id"}
    if "version" in row:
        props["version"] = _plain(row["version"])
    geometry = row.get("geometry")
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": None if geometry is None else shapely.geometry.mapping(geometry),
        "properties": props,
    }


def _parse_bbox(bbox: str | None):
    if not bbox:
        return None
    try:
        values = [float(v) for v in bbox.split(",")]
    except ValueError:
        raise WebError(
            400, N_("bbox must be minlon,minlat,maxlon,maxlat; got {bbox!r}"), bbox=bbox
        ) from None
    if (
        len(values) != 4
        or not all(math.isfinite(v) for v in values)
        or values[0] > values[2]
        or values[1] > values[3]
    ):
        raise WebError(400, N_("bbox must be minlon,minlat,maxlon,maxlat; got {bbox!r}"), bbox=bbox)
    return tuple(values)


def _parse_datetime(value: str | None) -> tuple[dt.date | None, dt.date | None]:
    """An RFC 3339 date, or an interval ``a/b`` with ``..`` for an open end."""
    if not value:
        return None, None
    parts = value.split("/")
    if len(parts) > 2:
        raise WebError(
            400, N_("datetime must be a date or an interval a/b; got {given!r}"), given=value
        )

    def one(text):
        if text in ("", ".."):
            return None
        try:
            if len(text) == 10:
                return dt.date.fromisoformat(text)
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            raise WebError(
                400, N_("datetime: {text!r} is not a date (YYYY-MM-DD)"), text=text
            ) from None

    lo, hi = one(parts[0]), one(parts[-1])
    return lo, hi


def search(
    store: Store,
    layer: str,
    *,
    bbox: str | None = None,
    datetime: str | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict], int]:
    """Features of ``layer`` by bbox, date (or interval) and status, and how many matched.

    The count is before paging (``limit``, ``offset``); both are the store's work.
    """
    ent = _layer(layer)
    if not 1 <= limit <= MAX_LIMIT or not 0 <= offset < 2**63:
        raise WebError(400, N_("limit must be 1–{limit:,} and offset 0 – 2⁶³−1"), limit=MAX_LIMIT)
    try:
        page, matched = store.search(
            layer,
            bbox=_parse_bbox(bbox),
            dates=_parse_datetime(datetime),
            status=status,
            limit=limit,
            offset=offset,
        )
    except InputError as exc:
        raise WebError.of(exc, 400) from None
    return frame_features(page, ent), matched


def get_one(store: Store, layer: str, record_id: str) -> dict:
    """One record as a Feature, with its version for a later conditional update."""
    ent = _layer(layer)
    try:
        return feature(store.get(layer, record_id), ent)
    except RemnantError as exc:
        raise WebError.of(exc) from None


def _features(body) -> list[dict]:
    if not isinstance(body, dict):
        raise WebError(400, N_("the body must be a GeoJSON Feature or FeatureCollection"))
    if body.get("type") == "FeatureCollection":
        items = body.get("features")
    elif body.get("type") == "Feature":
        items = [body]
    else:
        raise WebError(400, N_("the body must be a GeoJSON Feature or FeatureCollection"))
    if not isinstance(items, list) or not items:
        raise WebError(400, N_("no features given"))
    return items


def create(store: Store, caller, layer: str, body, lang: str = "en") -> dict:
    """Offer new records to the store's gate (an editor's); all or nothing, like an import.

    The warnings (a label stored as its value, …) are said in language ``lang``.
    """
    user = require(caller, "editor")
    ent = _layer(layer)
    items = _features(body)
    rows, geometries = [], []
    for i, f in enumerate(items, start=1):
        props = f.get("properties") if isinstance(f, dict) else None
        if not isinstance(props, dict):
            raise WebError(400, N_("feature {i}: properties must be an object"), i=i)
        row = {k: _as_input(v) for k, v in props.items() if k != "version"}
        if f.get("id") is not None:
            row["id"] = _as_input(f["id"])
        rows.append(row)
        geometries.append(_geometry(f.get("geometry"), i) if ent.geometry else None)
    offered = Submission(
        "request",
        pd.DataFrame(rows, dtype=object),
        np.array(geometries, dtype=object) if ent.geometry else None,
        np.arange(1, len(rows) + 1),
    )
    try:
        if caller[1] == "editor":  # quarantined until an admin approves, warned alike
            queued = store.propose_inserts([(layer, offered)], user=user)
            return {
                "inserted": [],
                "unchanged": [],
                "pending": queued.waiting[layer],
                "warnings": _said(queued.warnings, lang),
            }
        report = import_table(store, offered, layer, user=user)
    except RemnantError as exc:
        raise WebError.of(exc) from None
    return {
        "inserted": report.written.inserted,
        "unchanged": report.written.unchanged,
        "pending": [],
        "warnings": _said(report.warnings, lang),
    }


def _said(problems: list, lang: str) -> list[str]:
    """Each problem in words, in language ``lang``."""
    with language(lang):
        return [p.render(_) for p in problems]


def _as_input(value):
    """A JSON value as the gate reads values: NaN and infinities as the text a file holds."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _geometry(value, row: int | None = None):
    """A GeoJSON geometry as shapely's; ``row``: its feature's number in a collection."""
    if value is None:
        return None
    try:
        return shapely.geometry.shape(value)
    except (
        TypeError,
        ValueError,
        AttributeError,
        KeyError,
        IndexError,
        shapely.errors.ShapelyError,
    ):
        error = InputError(
            N_("is not a GeoJSON geometry"), file="request", row=row, field="geometry"
        )
        raise WebError.of(error) from None


def update(store: Store, caller, layer: str, record_id: str, body) -> dict:
    """Change fields of one record, refused if it changed since ``version`` (required)."""
    user = require(caller, "editor")
    _layer(layer)
    if not isinstance(body, dict) or not isinstance(body.get("properties", {}), dict):
        raise WebError(400, N_("the body must be a Feature with the properties to change"))
    props = dict(body.get("properties") or {})
    version = props.pop("version", body.get("version"))
    if not isinstance(version, int) or isinstance(version, bool):
        raise WebError(428, N_("give the version you read (properties.version) to update safely"))
    changes = {k: _as_input(v) for k, v in props.items()}
    if body.get("geometry") is not None:
        changes["geometry"] = _geometry(body["geometry"])
    try:
        if caller[1] == "editor":
            store.propose(
                layer,
                "update",
                user=user,
                record_id=record_id,
                changes=changes,
                expected_version=version,
            )
            return {"pending": [record_id]}
        store.update(layer, record_id, changes, user=user, expected_version=version)
    except RemnantError as exc:
        raise WebError.of(exc) from None
    return get_one(store, layer, record_id)


def delete(store: Store, caller, layer: str, record_id: str, version: int | None) -> bool:
    """Delete one record, refused if it changed since ``version``; True if it is done now.

    An editor's delete waits for an admin (False); an admin's is done at once.
    """
    user = require(caller, "editor")
    _layer(layer)
    if version is None:
        raise WebError(428, N_("give the version you read (?version=N) to delete safely"))
    try:
        if caller[1] == "editor":
            store.propose(layer, "delete", user=user, record_id=record_id, expected_version=version)
            return False
        store.delete(layer, record_id, user=user, expected_version=version)
    except RemnantError as exc:
        raise WebError.of(exc) from None
    return True


def reviews(store: Store, caller, state: str | None = "pending", lang: str = "en") -> list[dict]:
    """Records waiting for (or given) an admin's decision.

    A pending one comes with what the gate would say of it now, in language ``lang``:
    the ``problems`` that would refuse it and the ``warnings`` it would be written with.
    """
    require(caller, "admin")
    try:
        frame = store.reviews(state, judged=True)
    except InputError as exc:
        raise WebError.of(exc, 400) from None
    out = []
    for row in frame.to_dict("records"):
        said = {k: _said(row.pop(k), lang) for k in ("problems", "warnings")}
        out.append({k: _plain(v) for k, v in row.items()} | said)
    for row in out:
        row["proposal"] = None if row["proposal"] is None else json.loads(row["proposal"])
    return out


def decide(store: Store, caller, layer: str, record_id: str, body) -> dict:
    """An admin approves an editor's proposal (applied now) or rejects it (nothing applied)."""
    user = require(caller, "admin")
    _layer(layer)
    decision = body.get("decision") if isinstance(body, dict) else None
    if decision not in ("approve", "reject"):
        raise WebError(400, N_('the body must be {"decision": "approve" or "reject", "note": …}'))
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        raise WebError(400, N_("note must be text"))
    try:
        store.decide(layer, record_id, decision == "approve", by=user, note=note)
    except RemnantError as exc:
        raise WebError.of(exc) from None
    return {"layer": layer, "id": record_id, "decision": decision}


def attachments(store: Store, caller, layer: str, record_id: str) -> list[dict]:
    """The files kept with a record: name, kind, caption, type, size, SHA-256."""
    require(caller, "viewer")
    _layer(layer)
    kept = store_attachments.listing(store, layer, record_id)
    return [{k: _plain(v) for k, v in row.items()} for row in kept.to_dict("records")]


def attach(store: Store, caller, layer: str, record_id: str, data: bytes, params) -> dict:
    """Keep the request's body as a file with a record (an editor's waits for review).

    ``params``: ``name`` (the file name, required), ``kind``, ``caption``. The file is
    checked as at every door (:func:`remnant.attachments.inspect`).
    """
    user = require(caller, "editor")
    _layer(layer)
    name = params.get("name")
    if not name:
        raise WebError(400, N_("give the file name as ?name=… (e.g. ?name=site.jpg&kind=photo)"))
    try:
        att_id = store_attachments.add(
            store,
            layer,
            record_id,
            name,
            data,
            user=user,
            kind=params.get("kind", "other"),
            caption=params.get("caption"),
            pending=caller[1] == "editor",
        )
    except RemnantError as exc:
        raise WebError.of(exc) from None
    return {"id": att_id, "pending": caller[1] == "editor"}


def attachment(store: Store, caller, layer: str, record_id: str, att_id: str):
    """One kept file's description and bytes (404 unless it is this record's)."""
    require(caller, "viewer")
    try:
        meta, data = store_attachments.read(store, att_id)
    except RemnantError as exc:
        raise WebError.of(exc) from None
    if (meta["layer"], meta["record_id"]) != (layer, record_id):
        raise WebError(
            404,
            N_("no attachment {att_id} with {layer}/{record_id}"),
            att_id=att_id,
            layer=layer,
            record_id=record_id,
        )
    return meta, data


def _message(exc: RemnantError, _=str) -> str:
    """What the person hears: every problem of refused records, else the error (``_``: gettext)."""
    return exc.report(_) if isinstance(exc, InvalidRecordsError) else exc.render(None, _)


def frame_features(frame: gpd.GeoDataFrame, ent) -> list[dict]:
    """Features of a frame of records (used by the OGC API items)."""
    rows = frame.to_dict("records")
    if ent.geometry:
        for row, geom in zip(rows, frame.geometry, strict=True):
            row["geometry"] = geom
    return [feature(r, ent) for r in rows]
