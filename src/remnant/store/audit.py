"""The audit log's entries: when a change happened, how entries are appended and chained.

Every entry remnant writes goes through :func:`append`, whatever wrote it (a record write,
a catalogue import, a migration, a review), so all entries have one form. Each carries
the SHA-256 of the previous entry's hash and its own content (:func:`link`), so editing,
inserting or deleting an earlier entry breaks every hash after it. Entries the database
writes for edits made outside remnant (QGIS, GDAL, sqlite3, psql: user ``external``)
cannot compute a hash; the next entry remnant writes folds them into the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import orjson
import sqlalchemy as sa

from remnant.store import schema
from remnant.store.sql import insert_rows

__all__ = ["CONTENT", "GENESIS", "append", "head", "link", "now"]

GENESIS = "0" * 64  # the hash before the first entry
CONTENT = ("at", "user", "entity", "record_id", "action", "before", "after")


def now() -> str:
    """The time of a change for the audit log: UTC, ISO 8601, milliseconds.

    >>> len(now()), now().endswith("Z")
    (24, True)
    """
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def append(
    conn: sa.Connection,
    at: str,
    user: str,
    entity: str,
    action: str,
    ids: list,
    before: list | None,
    after: list | None,
) -> None:
    """Append one entry per id (``before``/``after``: JSON text per id, or None), chained."""
    n = len(ids)
    columns = {
        "at": [at] * n,
        "user": [user] * n,
        "entity": [entity] * n,
        "record_id": list(ids),
        "action": [action] * n,
        "before": before if before is not None else [None] * n,
        "after": after if after is not None else [None] * n,
    }
    hashes: list[str] = []
    previous = head(conn)
    for row in zip(*columns.values(), strict=True):
        previous = link(previous, row)
        hashes.append(previous)
    columns["hash"] = hashes
    insert_rows(conn, schema.audit, columns)


def link(previous: str, content) -> str:
    """The hash of an entry: SHA-256 of the previous hash and the entry's content.

    >>> link(GENESIS, ("2024-01-01T00:00:00.000Z", "ana", "strikes", "S-1", "insert",
    ...                None, "{}"))[:16]
    'ab6b69627ace34c2'
    """
    return hashlib.sha256(previous.encode() + orjson.dumps(list(content))).hexdigest()


def head(conn: sa.Connection) -> str:
    """The chain's hash after every entry so far (external ones folded in)."""
    a = schema.audit
    last = conn.execute(
        sa.select(a.c.fid, a.c.hash).where(a.c.hash.is_not(None)).order_by(a.c.fid.desc()).limit(1)
    ).first()
    previous, after = (GENESIS, 0) if last is None else (last.hash, last.fid)
    tail = conn.execute(
        sa.select(*(a.c[c] for c in CONTENT)).where(a.c.fid > after).order_by(a.c.fid)
    )
    for row in tail:
        previous = link(previous, row)
    return previous
