"""Files kept with records in the store: checked on the way in, audited, reviewed.

An attachment belongs to one record (``layer``, ``record_id``); its bytes are kept in the
``attachments`` table with the media type, size and SHA-256 read from them
(:func:`remnant.attachments.inspect`). Its id is made from the record and the file's
hash, so the same file attached again to the same record adds nothing. An editor's
attachment waits for an admin in the review queue like any proposal (layer
``attachments``); until approved it is neither listed nor exported. Attaching and
removing are audited under the record's id, so ``remnant history ID`` shows them
(docs/attachments.md).
"""

from __future__ import annotations

import hashlib

import orjson
import pandas as pd
import sqlalchemy as sa

from remnant import records
from remnant.attachments import inspect, rules
from remnant.errors import ConflictError, InputError, NotFoundError
from remnant.store import schema
from remnant.store.audit import now
from remnant.store.review import waiting_ids
from remnant.translate import N_

__all__ = ["ATTACHMENTS", "META", "add", "listing", "read", "remove", "settle"]

ATTACHMENTS = "attachments"  # the name reviews and the audit log give them
META = ("id", "layer", "record_id", "name", "kind", "caption", "media_type", "size", "sha256")


def add(
    store,
    layer: str,
    record_id: str,
    name: str,
    data: bytes,
    *,
    user: str,
    kind: str = "other",
    caption: str | None = None,
    pending: bool = False,
) -> str:
    """Keep ``data`` as file ``name`` with a record; return the attachment's id.

    ``pending`` puts it before an admin (an editor's, a form's); otherwise it is kept at
    once. A pending file may belong to a record that itself waits for review. Raises
    :class:`InputError` for a file or kind that is refused and :class:`NotFoundError` for
    a record that is neither stored nor (for a pending file) waiting.
    """
    records.entity(layer)
    the_rules = rules()
    if kind not in the_rules.kinds:
        raise InputError(
            N_("kind {kind!r}: one of {kinds}"), kind=kind, kinds=", ".join(the_rules.kinds)
        )
    if caption is not None and not isinstance(caption, str):
        raise InputError(N_("a caption is text"))
    found = inspect(name, data, the_rules)
    key = f"{layer}/{record_id}/{found.sha256}".encode()
    att_id = "ATT-" + hashlib.sha256(key).hexdigest()[:12]
    t = schema.attachments
    with store.transaction() as conn:
        if not _stored(conn, layer, record_id) and not (
            pending and waiting_ids(conn, layer, [record_id])
        ):
            raise NotFoundError(
                N_("{layer}/{record_id}: no such record to attach {name} to"),
                layer=layer,
                record_id=record_id,
                name=name,
            )
        if conn.execute(sa.select(t.c.fid).where(t.c.id == att_id)).first() is not None:
            return att_id  # this file is already with this record
        at = now()
        meta = {
            "id": att_id,
            "layer": layer,
            "record_id": record_id,
            "name": found.name,
            "kind": kind,
            "caption": caption,
            "media_type": found.media_type,
            "size": found.size,
            "sha256": found.sha256,
        }
        row = {**meta, "content": data, "state": "pending" if pending else "approved"}
        conn.execute(t.insert(), [{**row, "added_by": user, "added_at": at}])
        text = orjson.dumps(meta).decode()
        if pending:
            conn.execute(
                schema.reviews.insert(),
                [
                    {
                        "layer": ATTACHMENTS,
                        "record_id": att_id,
                        "state": "pending",
                        "submitted_by": user,
                        "submitted_at": at,
                        "action": "insert",
                        "proposal": text,
                    }
                ],
            )
            store._audit(conn, at, user, "reviews", "propose insert", [att_id], None, [text])
        else:
            store._audit(conn, at, user, ATTACHMENTS, "attach", [record_id], None, [text])
    return att_id


def _stored(conn, layer: str, record_id: str) -> bool:
    table = schema.record_table(layer)
    return conn.execute(sa.select(table.c.fid).where(table.c.id == record_id)).first() is not None


def settle(store, conn, pending, approve: bool) -> None:
    """Decide an editor's attachment: kept under the editor's name, or its bytes dropped.

    Approving the file of a record that still waits for review needs the record first.
    """
    t = schema.attachments
    where = (t.c.id == pending.record_id) & (t.c.state == "pending")
    if not approve:
        conn.execute(t.delete().where(where))
        return
    meta = orjson.loads(pending.proposal)
    if not _stored(conn, meta["layer"], meta["record_id"]):
        raise ConflictError(
            N_(
                "{record_id} belongs to {layer}/{parent}, which is not stored: approve that "
                "record first"
            ),
            record_id=pending.record_id,
            layer=meta["layer"],
            parent=meta["record_id"],
        )
    conn.execute(t.update().where(where).values(state="approved"))
    store._audit(
        conn,
        now(),
        pending.submitted_by,
        ATTACHMENTS,
        "attach",
        [meta["record_id"]],
        None,
        [pending.proposal],
    )


def listing(store, layer: str | None = None, record_id: str | None = None) -> pd.DataFrame:
    """The kept attachments (not those waiting for review), with who added them and when."""
    t = schema.attachments
    columns = [t.c[name] for name in (*META, "added_by", "added_at")]
    query = sa.select(*columns).where(t.c.state == "approved")
    if layer is not None:
        query = query.where(t.c.layer == layer)
    if record_id is not None:
        query = query.where(t.c.record_id == record_id)
    with store.backend.engine.connect() as conn:
        rows = conn.execute(query.order_by(t.c.layer, t.c.record_id, t.c.fid)).all()
    return pd.DataFrame.from_records(rows, columns=[c.name for c in columns])


def read(store, att_id: str) -> tuple[dict, bytes]:
    """An attachment's description and its bytes, exactly as they were given."""
    t = schema.attachments
    columns = [t.c[name] for name in META]
    query = sa.select(*columns, t.c.content).where(t.c.id == att_id, t.c.state == "approved")
    with store.backend.engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise NotFoundError(N_("no attachment {att_id}"), att_id=att_id)
    meta = dict(zip(META, row[: len(META)], strict=True))
    return meta, bytes(row[-1])


def remove(store, att_id: str, *, user: str) -> dict:
    """Remove an attachment (a wrong file, a face that should not be kept); audited."""
    meta, _ = read(store, att_id)
    t = schema.attachments
    with store.transaction() as conn:
        conn.execute(t.delete().where(t.c.id == att_id))
        text = orjson.dumps(meta).decode()
        store._audit(conn, now(), user, ATTACHMENTS, "detach", [meta["record_id"]], [text], None)
    return meta


INDEX = "attachments.csv"  # the list of files an exported folder holds, with their hashes


def export_folder(store, folder, layer: str | None = None) -> int:
    """Write the kept attachments (of ``layer``, or all) into ``folder``; return how many.

    Files go to ``LAYER/RECORD_ID/NAME`` with ``attachments.csv`` listing each one's
    record, kind, caption, media type, size and SHA-256, which :func:`import_folder`
    reads back.
    """
    from pathlib import Path
    from urllib.parse import quote

    kept = listing(store, layer)
    if kept.empty:
        return 0
    root = Path(folder)
    paths = []
    for att_id, in_layer, record_id, name in zip(
        kept["id"], kept["layer"], kept["record_id"], kept["name"], strict=True
    ):
        place = Path(in_layer) / quote(
            f"_{record_id}" if record_id in (".", "..") else record_id, safe="-_."
        )
        path = place / name
        if str(path) in paths:  # two files of one name with one record
            path = place / f"{Path(name).stem}-{att_id}{Path(name).suffix}"
        _, data = read(store, att_id)
        (root / place).mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
        paths.append(str(path))
    index = kept[list(META)].assign(path=[p.replace("\\", "/") for p in paths])
    index.to_csv(root / INDEX, index=False)
    return len(kept)


def import_folder(store, folder, *, user: str) -> tuple[int, int]:
    """Attach the files an exported folder lists; return (added, already kept).

    Each file is checked as any attachment is, and its SHA-256 must be the one the index
    gives (a file changed or damaged since the export is refused, with its path named).
    Every file is checked before any is kept: a refused folder adds nothing.
    """
    from pathlib import Path

    root = Path(folder)
    if not (root / INDEX).is_file():
        raise InputError(
            N_("{folder}: no {index} (a folder written by remnant export)"),
            folder=folder,
            index=INDEX,
        )
    index = pd.read_csv(root / INDEX, dtype=str, keep_default_na=False)
    missing = {"layer", "record_id", "name", "kind", "sha256", "path"} - set(index.columns)
    if missing:
        raise InputError(
            N_("{index}: no column {missing}"), index=INDEX, missing=", ".join(sorted(missing))
        )
    kept = set(zip(*(listing(store)[c] for c in ("layer", "record_id", "sha256")), strict=True))
    ids: dict[str, set[str]] = {}
    checked = []
    for row in index.itertuples(index=False):  # every file checked before any is kept
        path = (root / row.path).resolve()
        if root.resolve() not in path.parents or not path.is_file():
            raise InputError(
                N_("{index}: {path!r} is no file inside the folder"), index=INDEX, path=row.path
            )
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != row.sha256:
            raise InputError(
                N_("{path}: not the file exported (its SHA-256 differs)"), path=row.path
            )
        if (row.layer, row.record_id, row.sha256) in kept:
            continue
        records.entity(row.layer)
        if row.record_id not in ids.setdefault(row.layer, store.ids(row.layer)):
            raise NotFoundError(
                N_("{layer}/{record_id}: no such record to attach {name} to"),
                layer=row.layer,
                record_id=row.record_id,
                name=row.name,
            )
        inspect(row.name, data)
        checked.append((row, data))
    for row, data in checked:
        caption = getattr(row, "caption", "") or None
        add(
            store,
            row.layer,
            row.record_id,
            row.name,
            data,
            user=user,
            kind=row.kind,
            caption=caption,
        )
    return len(checked), len(index) - len(checked)
