"""Whether a store is what its audit log says it is (``remnant verify``).

Checks, on either backend: the schema version; every trigger the store's integrity rests
on (the audit's append-only guard, the triggers that audit edits made outside remnant),
present and unaltered; the audit's hash chain (:mod:`remnant.store.audit`), entry by
entry; that every record holds exactly the values of its last audit entry (so a change
made with the triggers off shows); that records edited outside remnant still pass
the field rules and carry the admin units their geometry lies in; that every attached
file holds the bytes its audit entry's SHA-256 names. Edits made outside
remnant are not errors in themselves: they are listed, as the audit shows them.
Removing entries from the end of the chain shows only against a head hash kept
elsewhere, which is why it is printed (and in every report).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import orjson
import pandas as pd
import shapely
import sqlalchemy as sa

from remnant import adminunits, gate, records
from remnant.store import schema
from remnant.store.audit import CONTENT, GENESIS, link

__all__ = ["Finding", "verify"]


@dataclass(frozen=True)
class Finding:
    """One thing ``verify`` found.

    An ``error``: the store is not what it should be; a ``notice``: worth knowing.
    """

    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"


def verify(store) -> list[Finding]:
    """Every finding about ``store``, errors first.

    >>> import pathlib, tempfile
    >>> from remnant.store import create_store
    >>> store = create_store(pathlib.Path(tempfile.mkdtemp()) / "programme.gpkg")
    >>> key = store.add_user("amal", "viewer", by="admin")  # one audited change
    >>> [str(f)[:35] for f in verify(store)]  # no errors: one notice, the chain's head
    ['notice: 1 audit entries; chain head']
    """
    found: list[Finding] = []
    version = store.schema_version()
    if version != schema.SCHEMA_VERSION:
        found.append(
            Finding(
                "error",
                f"schema version {version}, expected {schema.SCHEMA_VERSION}: run remnant migrate",
            )
        )
        return found
    with store.backend.engine.connect() as conn:
        found += _triggers(store.backend, conn)
        entries = conn.execute(
            sa.select(
                schema.audit.c.fid, *(schema.audit.c[c] for c in CONTENT), schema.audit.c.hash
            ).order_by(schema.audit.c.fid)
        ).all()
    found += _chain(entries)
    last = _last_entries(entries)
    for layer in records.ENTITIES:
        found += _records_match(store, layer, last.get(layer, {}))
    found += _units_current(store)
    found += _attachments_whole(store, entries)
    found.sort(key=lambda f: f.severity != "error")
    return found


def _attachments_whole(store, entries) -> list[Finding]:
    """Errors for files whose bytes are not what their audit entry's hash names.

    And a notice for the files of records since deleted.
    """
    attached: dict[str, str] = {}  # attachment id → SHA-256 as attached (its last entry)
    for e in entries:
        if e.entity == "attachments" and e.action in ("attach", "detach"):
            meta = orjson.loads(e.after if e.action == "attach" else e.before)
            attached[meta["id"]] = meta["sha256"] if e.action == "attach" else ""
    t = schema.attachments
    out, orphans = [], []
    ids: dict[str, set[str]] = {}  # per layer, the stored record ids
    query = sa.select(t.c.id, t.c.layer, t.c.record_id, t.c.sha256, t.c.state, t.c.content)
    with store.backend.engine.connect() as conn:
        for row in conn.execute(query.order_by(t.c.fid)):
            if hashlib.sha256(bytes(row.content)).hexdigest() != row.sha256:
                out.append(Finding("error", f"attachment {row.id}: its bytes are not those kept"))
            elif row.state == "approved" and attached.get(row.id) != row.sha256:
                out.append(
                    Finding("error", f"attachment {row.id} is not the file its audit entry names")
                )
            elif row.state == "approved" and row.record_id not in ids.setdefault(
                row.layer, store.ids(row.layer)
            ):
                orphans.append(f"{row.id} ({row.layer}/{row.record_id})")
    if orphans:
        shown = ", ".join(orphans[:5])
        out.append(Finding("notice", f"{len(orphans)} attachment(s) of deleted records: {shown}"))
    return out


def _triggers(backend, conn) -> list[Finding]:
    expected = backend.expected_triggers(schema.RECORD_TABLES.values())
    present = backend.present_triggers(conn)
    out = []
    for name, sql in expected.items():
        if name not in present:
            out.append(
                Finding(
                    "error",
                    f"trigger {name} is missing (dropped?): changes are not guarded or audited",
                )
            )
        elif " ".join(present[name].split()) != " ".join(sql.split()):
            out.append(Finding("error", f"trigger {name} was altered"))
    return out


def _chain(entries) -> list[Finding]:
    out, running, external = [], GENESIS, []
    for e in entries:
        running = link(running, tuple(getattr(e, c) for c in CONTENT))
        where = f"audit entry {e.fid} ({e.at}, {e.user}, {e.entity} {e.record_id} {e.action})"
        if e.hash is None:
            if e.user != "external":
                out.append(Finding("error", f"{where} was written without a hash, not by remnant"))
            else:
                external.append(e)
        elif e.hash != running:
            out.append(
                Finding(
                    "error",
                    f"{where} does not follow the chain: it, or an entry "
                    "before it, was altered, inserted or deleted",
                )
            )
            running = e.hash
    if external:
        ids = ", ".join(sorted({f"{e.entity}/{e.record_id}" for e in external})[:10])
        out.append(
            Finding(
                "notice", f"{len(external)} edit(s) made outside remnant (user 'external'): {ids}"
            )
        )
    head = f"{len(entries)} audit entries; chain head {running}"
    out.append(Finding("notice", f"{head} (keep it: entries cut from the end show against it)"))
    return out


def _last_entries(entries) -> dict[str, dict[str, tuple]]:
    """Per layer and record id, the last audit entry's (action, after, user)."""
    last: dict[str, dict[str, tuple]] = {}
    for e in entries:
        if e.entity in records.ENTITIES:
            last.setdefault(e.entity, {})[e.record_id] = (e.action, e.after, e.user)
    return last


def _records_match(store, layer: str, last: dict[str, tuple]) -> list[Finding]:
    ent = records.entity(layer)
    frame = store.read(layer)
    out = []
    current = gate.plain_columns(ent, frame) if len(frame) else {"id": []}
    for i, record_id in enumerate(current["id"]):
        entry = last.get(record_id)
        if entry is None or entry[0] == "delete":
            out.append(
                Finding(
                    "error",
                    f"{layer} {record_id} has no audit entry that holds "
                    "it: written with the audit triggers off",
                )
            )
            continue
        values = {k: v[i] for k, v in current.items()}
        if not _same(ent, values, orjson.loads(entry[1]), store.backend):
            out.append(
                Finding(
                    "error",
                    f"{layer} {record_id} differs from its last audit "
                    "entry: changed with the audit triggers off",
                )
            )
        elif entry[2] == "external":
            out += _rules(layer, record_id, values)
    gone = {i for i, e in last.items() if e[0] != "delete"} - set(current["id"])
    out += [
        Finding("error", f"{layer} {i} was deleted without an audit entry") for i in sorted(gone)
    ]
    return out


def _same(ent, values: dict, audited: dict, backend) -> bool:
    for f in ent.fields:
        a, b = values.get(f.name), audited.get(f.name)
        if (a is None) != (b is None):
            return False
        if a is not None and _typed(f.kind, a) != _typed(f.kind, b):
            return False
    if not ent.geometry:
        return True
    stored = shapely.from_wkt(values["geometry"])
    if "geometry" in audited:
        then = shapely.from_wkt(audited["geometry"])
    elif "geometry_blob" in audited:
        then = backend.decode_geometries([bytes.fromhex(audited["geometry_blob"])])[0]
    else:
        geom = audited.get("geom")
        then = shapely.geometry.shape(geom) if isinstance(geom, dict) else shapely.from_wkb(geom)
    return bool(
        shapely.equals_exact(
            shapely.normalize(stored), shapely.normalize(then), gate.GEOMETRY_TOLERANCE
        )
    )


def _typed(kind: str, value):
    convert = {"integer": int, "real": float, "boolean": bool}.get(kind, str)
    return convert(value)


def _units_current(store) -> list[Finding]:
    """Records whose admin units are not those their geometry lies in (moved in a GIS)."""
    units = store.admin_units()
    out = []
    for layer, ent in records.ENTITIES.items():
        if not ent.geometry or not len(units):
            continue
        frame = store.read(layer)
        for level in adminunits.LEVELS:
            now = adminunits.unit_of(frame.geometry.to_numpy(), units[units["level"] == level])
            held = frame[f"admin{level}"].to_numpy(object)
            stale = [
                i for i, (a, b) in enumerate(zip(held, now, strict=True))
                if (a if isinstance(a, str) else None) != b
            ]  # fmt: skip
            if stale:
                shown = ", ".join(f"{frame['id'].iat[i]} ({held[i]} → {now[i]})" for i in stale[:5])
                out.append(
                    Finding(
                        "error",
                        f"{len(stale)} {layer} carry admin{level} codes their geometry does not "
                        f"lie in: {shown}; run remnant admin refresh",
                    )
                )
    return out


def _rules(layer: str, record_id: str, values: dict) -> list[Finding]:
    ent = records.entity(layer)
    geometry = None
    if ent.geometry:
        geometry = np.array([shapely.from_wkt(values.pop("geometry"))], dtype=object)
    result = records.validate(
        layer,
        pd.DataFrame([values], dtype=object),
        geometry,
        file=f"{layer} {record_id} (edited outside remnant)",
    )
    return [Finding("error", str(p)) for p in result.problems]
