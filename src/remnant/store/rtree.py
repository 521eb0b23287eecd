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

__all__ = ["float32_boxes", "rebuild"]

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


def _pack(centres_x, centres_y, capacity: int) -> tuple[np.ndarray, np.ndarray]:
    """Sort-Tile-Recursive order of entries and the node each falls in."""
    n = len(centres_x)
    nodes = math.ceil(n / capacity)
    slabs = math.ceil(math.sqrt(nodes))
    per_slab = slabs * capacity
    by_x = np.argsort(centres_x, kind="stable")
    slab = np.arange(n) // per_slab
    order = by_x[np.lexsort((centres_y[by_x], slab))]
    # Nodes fill slab by slab, so that no node spans two slabs.
    counts = np.bincount(slab)
    first_node = np.r_[0, np.cumsum(-(-counts // capacity))[:-1]]
    node = first_node[slab] + (np.arange(n) - slab * per_slab) // capacity
    return order, node


def rebuild(conn: sa.Connection, name: str, ids: np.ndarray, boxes: np.ndarray) -> None:
    """Replace the whole R*Tree ``name`` by one holding ``ids`` with ``boxes`` (float32)."""
    node_size = conn.exec_driver_sql(
        f'SELECT length(data) FROM "{name}_node" WHERE nodeno = 1'
    ).scalar_one()
    capacity = (node_size - 4) // _CELL.itemsize
    levels: list = []  # bottom up: (entry ids or child nodes, their boxes, their node, node count)
    keys, level_boxes = np.asarray(ids, np.int64), np.asarray(boxes, np.float32)
    while True:
        if len(keys) <= capacity:
            levels.append((keys, level_boxes, np.zeros(len(keys), np.int64), 1))
            break
        cx = (level_boxes[:, 0] + level_boxes[:, 1]) / 2
        cy = (level_boxes[:, 2] + level_boxes[:, 3]) / 2
        order, node = _pack(cx, cy, capacity)
        del cx, cy
        keys, level_boxes = keys[order], level_boxes[order]
        del order
        n_nodes = int(node[-1]) + 1
        levels.append((keys, level_boxes, node, n_nodes))
        parent_boxes = np.empty((n_nodes, 4), np.float32)
        starts = np.searchsorted(node, np.arange(n_nodes))
        parent_boxes[:, 0] = np.minimum.reduceat(level_boxes[:, 0], starts)
        parent_boxes[:, 1] = np.maximum.reduceat(level_boxes[:, 1], starts)
        parent_boxes[:, 2] = np.minimum.reduceat(level_boxes[:, 2], starts)
        parent_boxes[:, 3] = np.maximum.reduceat(level_boxes[:, 3], starts)
        keys = np.arange(n_nodes, dtype=np.int64)  # local node numbers, renumbered below
        level_boxes = parent_boxes
    # Number the nodes top down: the root is 1, then each level in order.
    first = {}
    next_no = 1
    for depth in range(len(levels) - 1, -1, -1):
        first[depth] = next_no
        next_no += levels[depth][3]
    for table in ("node", "rowid", "parent"):
        conn.exec_driver_sql(f'DELETE FROM "{name}_{table}"')
    for depth, (keys, level_boxes, node, n_nodes) in enumerate(levels):
        numbers = first[depth] + node
        if depth > 0:  # keys are local numbers of nodes one level down
            keys = first[depth - 1] + keys
            sql = f'INSERT INTO "{name}_parent" (nodeno, parentnode) VALUES (?, ?)'
            _insert(conn, sql, keys, numbers)
        else:
            _insert(
                conn, f'INSERT INTO "{name}_rowid" (rowid, nodeno) VALUES (?, ?)', keys, numbers
            )
        blobs = np.zeros((n_nodes, node_size), np.uint8)
        cells = blobs[:, 4 : 4 + capacity * _CELL.itemsize].view(_CELL)  # (n_nodes, capacity)
        slot = np.arange(len(keys)) - np.searchsorted(node, node)
        cells["id"][node, slot] = keys
        cells["box"][node, slot] = level_boxes
        levels[depth] = None  # written into the blobs: let go of the level's arrays
        del keys, level_boxes, slot
        counts = np.bincount(node, minlength=n_nodes)
        blobs[:, 2] = counts >> 8
        blobs[:, 3] = counts & 0xFF
        if depth == len(levels) - 1:
            blobs[0, 0], blobs[0, 1] = depth >> 8, depth & 0xFF
        nodes = np.arange(first[depth], first[depth] + n_nodes)
        _insert(conn, f'INSERT INTO "{name}_node" (nodeno, data) VALUES (?, ?)', nodes, blobs)
        del blobs, cells, node


def _insert(conn: sa.Connection, sql: str, first: np.ndarray, second: np.ndarray) -> None:
    """Insert the pairs of two arrays (a 2-D ``second``: one blob a row), a slice at a time.

    As Python rows, the pairs take several times the memory of the arrays: slices of
    about ``_SLICE_BYTES`` keep that bounded whatever the size of the index.
    """
    step = max(1, _SLICE_BYTES // max(1, second[:1].nbytes + 8))
    for start in range(0, len(first), step):
        end = start + step
        column = second[start:end]
        values = [row.tobytes() for row in column] if column.ndim == 2 else column.tolist()
        conn.exec_driver_sql(sql, list(zip(first[start:end].tolist(), values, strict=True)))
