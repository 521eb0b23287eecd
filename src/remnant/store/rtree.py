"""Bulk loading of a GeoPackage spatial index (an SQLite R*Tree), as GDAL does for large writes.

SQLite inserts into an R*Tree one entry at a time, about 17 µs each on this project's
machines: most of the cost of a large import. For a large write the whole tree is built
instead with Sort-Tile-Recursive packing (Leutenegger, Lopez & Edgington, 1997) in NumPy,
and written straight into the R*Tree's three shadow tables in the same transaction:

* ``<name>_node(nodeno, data)``: node 1 is the root; each blob holds a 2-byte tree depth
  (root only), a 2-byte cell count, then cells of a big-endian 64-bit id and four
  big-endian float32 coordinates (minx, maxx, miny, maxy), zero-padded to the node size;
* ``<name>_rowid(rowid, nodeno)``: the leaf that holds each entry;
* ``<name>_parent(nodeno, parentnode)``: the parent of each node but the root.

float32 boxes are rounded outwards, as SQLite rounds them, so that every box contains its
geometry. The tests run SQLite's own ``rtreecheck()`` on the result.
"""

from __future__ import annotations

import math

import numpy as np
import sqlalchemy as sa

__all__ = ["add", "entries", "float32_boxes", "rebuild"]

_CELL = np.dtype([("id", ">i8"), ("box", ">f4", (4,))])  # 24 bytes, as SQLite writes it
_SLICE_BYTES = 4 * 2**20  # about how much is inserted at a time


def float32_boxes(minx, maxx, miny, maxy) -> np.ndarray:
    """(n, 4) float32 boxes rounded outwards: minima down, maxima up."""
    out = np.empty((len(minx), 4), np.float32)
    for k, (values, down) in enumerate(((minx, True), (maxx, False), (miny, True), (maxy, False))):
        v = np.asarray(values, np.float64)
        f = v.astype(np.float32)
        wrong = f > v if down else f < v
        f[wrong] = np.nextafter(f[wrong], np.float32(-np.inf if down else np.inf))
        out[:, k] = f
    return out


def entries(conn: sa.Connection, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The ids and float32 boxes (minx, maxx, miny, maxy) the R*Tree ``name`` holds.

    Read a slice at a time into arrays: as Python rows a large index would take several
    times their memory.

    >>> engine = sa.create_engine("sqlite://")
    >>> with engine.begin() as conn:
    ...     _ = conn.exec_driver_sql("CREATE VIRTUAL TABLE t USING rtree(id, x0, x1, y0, y1)")
    ...     _ = conn.exec_driver_sql("INSERT INTO t VALUES (7, 0.5, 1.5, 2, 3)")
    ...     ids, boxes = entries(conn, "t")
    >>> ids.tolist(), boxes.tolist()
    ([7], [[0.5, 1.5, 2.0, 3.0]])
    """
    held = conn.exec_driver_sql(f'SELECT count(*) FROM "{name}"').scalar_one()
    ids, boxes = np.empty(held, np.int64), np.empty((held, 4), np.float32)
    rows = conn.exec_driver_sql(f'SELECT * FROM "{name}"')  # id, then the box
    at = 0
    while part := rows.fetchmany(_SLICE_BYTES // 128):  # a row of 5 numbers: ~128 B
        values = np.array(part, np.float64)  # float32 corners and integer ids, exactly
        ids[at : at + len(part)] = values[:, 0]
        boxes[at : at + len(part)] = values[:, 1:]
        at += len(part)
    return ids[:at], boxes[:at]


def _per_slab(n: int, capacity: int) -> int:
    """Entries in each vertical slab of a Sort-Tile-Recursive packing of ``n`` entries."""
    return math.ceil(math.sqrt(math.ceil(n / capacity))) * capacity


def _node_count(n: int, capacity: int) -> int:
    """How many nodes :func:`_pack` fills with ``n`` entries (none spans two slabs).

    >>> _node_count(10, 4), _node_count(16, 4), _node_count(17, 4)
    (3, 4, 5)
    >>> xy = np.random.default_rng(1).random((2, 1000))
    >>> all(_pack(xy[0, :n], xy[1, :n], 7)[1][-1] + 1 == _node_count(n, 7) for n in range(1, 1000))
    True
    """
    per_slab = _per_slab(n, capacity)
    full, rest = divmod(n, per_slab)
    return full * (per_slab // capacity) + -(-rest // capacity)


def _pack(centres_x, centres_y, capacity: int) -> tuple[np.ndarray, np.ndarray]:
    """Sort-Tile-Recursive order of entries and the node each falls in.

    Entries are sorted by x into vertical slabs, each slab by y; nodes fill slab by slab.

    >>> order, node = _pack(np.array([3.0, 1, 2, 0]), np.array([0.0, 1, 0, 1]), 1)
    >>> order.tolist(), node.tolist()
    ([3, 1, 2, 0], [0, 1, 2, 3])
    >>> _pack(np.array([3.0, 1, 2, 0, 5]), np.array([0.0, 1, 0, 1, 0]), 2)[1].tolist()
    [0, 0, 1, 1, 2]
    """
    n = len(centres_x)
    per_slab = _per_slab(n, capacity)
    order = np.argsort(centres_x, kind="stable")
    node = np.empty(n, np.int64)
    first = 0
    for start in range(0, n, per_slab):  # a slab at a time: no temporaries as long as n
        part = order[start : start + per_slab]
        part[:] = part[np.argsort(centres_y[part], kind="stable")]
        node[start : start + len(part)] = first + np.arange(len(part)) // capacity
        first += -(-len(part) // capacity)
    return order, node


def rebuild(conn: sa.Connection, name: str, ids: np.ndarray, boxes: np.ndarray) -> None:
    """Replace the whole R*Tree ``name`` by one holding ``ids`` with ``boxes`` (float32).

    Levels are built bottom up and each is written as it is made, its nodes a few MiB at
    a time, so memory holds one level's entries, not the tree's pages.
    """
    node_size = conn.exec_driver_sql(
        f'SELECT length(data) FROM "{name}_node" WHERE nodeno = 1'
    ).scalar_one()
    capacity = (node_size - 4) // _CELL.itemsize
    sizes = [len(ids)]  # entries per level, bottom up; the top level fits in the root
    while sizes[-1] > capacity:
        sizes.append(_node_count(sizes[-1], capacity))
    top = len(sizes) - 1
    nodes = [*sizes[1:], 1]  # node count per level
    first = [1 + sum(nodes[depth + 1 :]) for depth in range(top + 1)]  # root 1, then down
    for table in ("node", "rowid", "parent"):
        conn.exec_driver_sql(f'DELETE FROM "{name}_{table}"')
    keys, level_boxes = np.asarray(ids, np.int64), np.asarray(boxes, np.float32)
    for depth in range(top + 1):
        if depth == top:
            node = np.zeros(len(keys), np.int64)
        else:
            cx = (level_boxes[:, 0] + level_boxes[:, 1]) / 2
            cy = (level_boxes[:, 2] + level_boxes[:, 3]) / 2
            order, node = _pack(cx, cy, capacity)
            del cx, cy
            keys, level_boxes = keys[order], level_boxes[order]
            del order
        if depth == 0:
            sql = f'INSERT INTO "{name}_rowid" (rowid, nodeno) VALUES (?, ?)'
        else:  # keys are the numbers of the nodes one level down
            sql = f'INSERT INTO "{name}_parent" (nodeno, parentnode) VALUES (?, ?)'
        _insert(conn, sql, keys, first[depth] + node)
        starts = np.searchsorted(node, np.arange(nodes[depth] + 1))
        del node
        _write_nodes(conn, name, node_size, first[depth], keys, level_boxes, starts, depth, top)
        if depth < top:
            parent_boxes = np.empty((nodes[depth], 4), np.float32)
            for k, reduce in enumerate((np.minimum, np.maximum) * 2):
                parent_boxes[:, k] = reduce.reduceat(level_boxes[:, k], starts[:-1])
            keys = first[depth] + np.arange(nodes[depth], dtype=np.int64)
            level_boxes = parent_boxes


def _write_nodes(conn, name, node_size, first_no, keys, boxes, starts, depth, top) -> None:
    """Write one level's nodes (node ``j`` holds entries ``starts[j]:starts[j + 1]``).

    Each blob is a 2-byte tree depth (root only), a 2-byte cell count, then the cells, zero
    padded to the node size; built a few MiB at a time.
    """
    capacity = (node_size - 4) // _CELL.itemsize
    sql = f'INSERT INTO "{name}_node" (nodeno, data) VALUES (?, ?)'
    step = max(1, _SLICE_BYTES // node_size)
    for a in range(0, len(starts) - 1, step):
        bounds = starts[a : a + step + 1]
        counts = np.diff(bounds)
        lo, hi = bounds[0], bounds[-1]
        blobs = np.zeros((len(counts), node_size), np.uint8)
        cells = blobs[:, 4 : 4 + capacity * _CELL.itemsize].view(_CELL)  # (nodes, capacity)
        local = np.repeat(np.arange(len(counts)), counts)
        slot = np.arange(hi - lo) - np.repeat(bounds[:-1] - lo, counts)
        cells["id"][local, slot] = keys[lo:hi]
        cells["box"][local, slot] = boxes[lo:hi]
        blobs[:, 2], blobs[:, 3] = counts >> 8, counts & 0xFF
        if depth == top:
            blobs[0, 0], blobs[0, 1] = depth >> 8, depth & 0xFF
        numbers = range(first_no + a, first_no + a + len(counts))
        conn.exec_driver_sql(sql, list(zip(numbers, [row.tobytes() for row in blobs], strict=True)))


def add(conn: sa.Connection, name: str, ids: np.ndarray, boxes: np.ndarray) -> None:
    """Add ``ids`` with float32 ``boxes`` (minx, maxx, miny, maxy) to the R*Tree ``name``.

    SQLite inserts them one at a time: for a few entries against a large index.
    """
    _insert(conn, f'INSERT INTO "{name}" VALUES (?, ?, ?, ?, ?)', ids, *np.asarray(boxes).T)


def _insert(conn: sa.Connection, sql: str, *columns: np.ndarray) -> None:
    """Insert the rows of numeric arrays ``columns`` a slice at a time.

    As Python rows, they take several times the memory of the arrays: slices of about
    ``_SLICE_BYTES`` keep that bounded whatever the size of the index.
    """
    step = _SLICE_BYTES // (8 * len(columns))
    for start in range(0, len(columns[0]), step):
        part = [c[start : start + step].tolist() for c in columns]
        conn.exec_driver_sql(sql, list(zip(*part, strict=True)))
