"""Derived tables: a model's output kept beside the records (the per-area hazard risk).

They are replaced whole by the model that makes them, in one audited transaction, and
read by reports, exports and the web; nobody edits them.
"""

from __future__ import annotations

import numpy as np
import orjson
import pandas as pd
import sqlalchemy as sa

from remnant import records
from remnant.errors import NotFoundError
from remnant.store import audit, schema
from remnant.store.sql import insert_rows
from remnant.translate import N_

__all__ = ["read", "replace"]


def replace(store, name: str, frame: pd.DataFrame, *, user: str, note: dict | None = None):
    """Replace the rows of derived table ``name`` in one audited transaction."""
    table = _table(name)
    columns = {c.name: frame[c.name].tolist() for c in table.columns if c.name in frame}
    with store.transaction() as conn:
        old = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        conn.execute(table.delete())
        insert_rows(conn, table, {k: [_plain(v) for v in vs] for k, vs in columns.items()})
        before = orjson.dumps({"rows": old}).decode()
        after = orjson.dumps({"rows": len(frame), **(note or {})}).decode()
        audit.append(conn, audit.now(), user, name, "replace", ["*"], [before], [after])
        store.backend.touch(conn, name)


def read(store, name: str) -> pd.DataFrame:
    """The rows of derived table ``name``, in the order they were written."""
    table = _table(name)
    columns = [c for c in table.columns if c.name != "fid"]
    with store.backend.engine.connect() as conn:
        rows = conn.execute(sa.select(*columns).order_by(table.c.fid)).all()
    return pd.DataFrame.from_records(rows, columns=[c.name for c in columns])


def _table(name: str) -> sa.Table:
    try:
        return schema.DERIVED_TABLES[name]
    except KeyError:
        raise NotFoundError(
            N_("no derived table {name!r}; tables: {tables}"),
            name=name,
            tables=", ".join(schema.DERIVED_TABLES),
        ) from None


def _plain(value):
    """A value the driver takes: numpy scalars as Python ones, NaN and NA as None."""
    if records.missing(value):
        return None
    return value.item() if isinstance(value, np.generic) else value
