"""SQL shared by every backend: many rows in, many ids looked up, each in one statement."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

__all__ = ["among", "insert_rows"]


class _JsonValues(sa.sql.functions.FunctionElement):
    """The elements of a JSON array as a one-column table named ``value``."""

    name = "json_values"
    inherit_cache = True


@compiles(_JsonValues, "sqlite")
def _json_each(element, compiler, **kw):
    return f"json_each({compiler.process(element.clauses, **kw)})"


@compiles(_JsonValues, "postgresql")
def _json_array_elements_text(element, compiler, **kw):
    return f"json_array_elements_text(CAST({compiler.process(element.clauses, **kw)} AS json))"


def among(column: sa.ColumnElement, values) -> sa.ColumnElement[bool]:
    """``column IN values``, the values bound as one JSON array however many there are.

    A list of parameters would meet the driver's limit on bound values (SQLite's 32,766)
    and cost a placeholder each to compile.

    >>> table = sa.table("strikes", sa.column("id"))
    >>> query = sa.select(table.c.id).where(among(table.c.id, ["S-1", "S-2"]))
    >>> print(query.compile(dialect=sa.dialects.sqlite.dialect()))  # doctest: +NORMALIZE_WHITESPACE
    SELECT strikes.id FROM strikes WHERE strikes.id IN
      (SELECT anon_1.value FROM json_each(?) AS anon_1)
    """
    array = sa.literal(orjson.dumps(list(values)).decode(), sa.Text)
    value: sa.ColumnElement = _JsonValues(array).table_valued("value").c.value  # text on PostgreSQL
    if isinstance(column.type, (sa.Integer, sa.Numeric)):
        value = sa.cast(value, column.type)
    return column.in_(sa.select(value))


def insert_rows(conn: sa.Connection, table: sa.Table, columns: dict[str, list]) -> None:
    """Insert rows given as ``{column: values}`` in one ``executemany``, compiled once.

    The statement goes to the driver directly: SQLAlchemy's per-row parameter processing
    would cost more than the database's own work on a large import. A column that is
    missing in every row and has no default is left out: it is NULL all the same, and
    binding a NULL per row costs as much as binding a value.
    """
    columns = {
        k: v
        for k, v in columns.items()
        if list(v).count(None) < len(v) or table.c[k].server_default is not None
    }
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=list(columns))
    params: list[Any]
    if compiled.positional:
        params = list(zip(*(columns[k] for k in compiled.positiontup or ()), strict=True))
    else:
        names = list(columns)
        params = [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
    if params:
        conn.exec_driver_sql(str(compiled), params)
