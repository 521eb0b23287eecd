"""SQL shared by every backend: inserting many rows through the driver at once."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

__all__ = ["insert_rows"]


def insert_rows(conn: sa.Connection, table: sa.Table, columns: dict[str, list]) -> None:
    """Insert rows given as ``{column: values}`` in one ``executemany``, compiled once.

    The statement goes to the driver directly: SQLAlchemy's per-row parameter processing
    would cost more than the database's own work on a large import.
    """
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=list(columns))
    params: list[Any]
    if compiled.positional:
        params = list(zip(*(columns[k] for k in compiled.positiontup or ()), strict=True))
    else:
        names = list(columns)
        params = [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    if params:
        conn.exec_driver_sql(str(compiled), params)
