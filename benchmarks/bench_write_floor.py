"""How fast an import could be at best: only the work no import avoids, per audit design.

``bench_import.py`` measures remnant's import at about a third of pyogrio's raw write of
the same records. This bench asks how much of that is the design rather than the code.
It imports synthetic strikes once with remnant, then times on fresh copies of an empty
store only what any import with that audit must do, every value already typed: reading
the CSV (pandas, all text), inserting the records, serialising them as remnant does
(JSON), inserting the audit entries and chaining them by SHA-256 (remnant's own
``audit.link``), and the commit. No checks, no spatial index (its triggers are dropped).
Four audit designs:

* ``none``: no audit at all;
* ``record``: an entry per record holding the record (remnant's: the audit keeps what
  each record held, so one changed with the triggers off shows in ``remnant verify`` and
  can be put back from ``remnant history``);
* ``hash``: an entry per record holding only a SHA-256 of it (such a change shows, what
  the record held before it is lost);
* ``write``: one entry per write holding one SHA-256 of all its records (such a change
  shows, not in which record).

Against pyogrio's raw write in the same run, it prints the best ratio each design leaves
room for (``bench_import.py``'s target: 0.5). Synthetic data.

    .venv/bin/python benchmarks/bench_write_floor.py [--rows 100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import orjson
import pandas as pd
import pyogrio

from bench_import import best_of, synthetic_strikes
from remnant import gate, records
from remnant.io import import_file, read_table
from remnant.store import create_store
from remnant.store.audit import GENESIS, link

_AUDIT = ("at", "user", "entity", "record_id", "action", "before", "after", "hash")


def prebuilt(source: Path):
    """What remnant wrote: the records (column names, rows as stored), their audit entries."""
    with sqlite3.connect(source) as conn:
        names = [r[1] for r in conn.execute("PRAGMA table_info(strikes)") if r[1] != "fid"]
        rows = conn.execute(f"SELECT {', '.join(names)} FROM strikes ORDER BY fid").fetchall()
        entries = conn.execute(
            f"SELECT {', '.join(_AUDIT[:-1])} FROM audit WHERE entity = 'strikes' ORDER BY fid"
        ).fetchall()
    return names, rows, entries


def empty_copy(template: Path, target: Path) -> sqlite3.Connection:
    """A fresh copy of an empty store, opened as remnant opens one, without its triggers."""
    shutil.copy(template, target)
    conn = sqlite3.connect(target, isolation_level=None)
    for pragma in ("journal_mode = DELETE", "synchronous = FULL", "cache_size = -65536"):
        conn.execute(f"PRAGMA {pragma}")
    triggers = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for (name,) in triggers:  # the R-tree's call GeoPackage functions plain sqlite3 lacks
        conn.execute(f"DROP TRIGGER {name}")
    return conn


def entries_for(design: str, entries: list[tuple], plain: dict[str, list]):
    """The audit rows one write appends under ``design``, chained.

    ``plain``: the records' values by field as remnant serialises them (``plain_columns``).
    """
    keys = list(plain)  # each design serialises the records as remnant does
    after = [
        orjson.dumps(dict(zip(keys, row, strict=True))) for row in zip(*plain.values(), strict=True)
    ]
    if design == "record":
        content = [(*e[:6], a.decode()) for e, a in zip(entries, after, strict=True)]
    elif design == "hash":
        sha = hashlib.sha256
        content = [(*e[:6], sha(a).hexdigest()) for e, a in zip(entries, after, strict=True)]
    else:
        whole = hashlib.sha256(b"".join(after)).hexdigest()
        content = [(*entries[0][:3], f"{len(after)} records", "insert", None, whole)]
    chained, previous = [], GENESIS
    for c in content:
        previous = link(previous, c)
        chained.append((*c, previous))
    return chained


def floor(template, folder, design, names, rows, entries, plain, k) -> float:
    """Seconds for the records, the audit entries of ``design`` and the commit."""
    conn = empty_copy(template, folder / f"{design}-{k}.gpkg")
    insert = f"INSERT INTO strikes ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(insert, rows)
    if design != "none":
        audit = f"INSERT INTO audit ({', '.join(_AUDIT)}) VALUES ({', '.join('?' * 8)})"
        conn.executemany(audit, entries_for(design, entries, plain))
    conn.execute("COMMIT")
    taken = time.perf_counter() - start
    conn.close()
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n = args.rows
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv = folder / "strikes.csv"
        synthetic_strikes(n).to_csv(csv, index=False)
        template = folder / "empty.gpkg"
        create_store(template)
        source = create_store(folder / "source.gpkg")
        import_file(source, csv, "strikes", user="bench")
        names, rows, entries = prebuilt(folder / "source.gpkg")
        table = read_table(csv, "strikes")
        frame = records.validate("strikes", table.frame, table.geometry, rows=table.rows).records
        plain = gate.plain_columns(records.entity("strikes"), frame)

        def read(k):
            pd.read_csv(csv, dtype=str, keep_default_na=False)

        def raw(k):
            pyogrio.write_dataframe(frame, folder / f"raw{k}.gpkg", layer="strikes", driver="GPKG")

        read_s, raw_s = best_of(args.repeats, read, raw)
        designs = ["none", "record", "hash", "write"]
        taken: dict[str, list[float]] = {d: [] for d in designs}
        for k in range(args.repeats):  # in turns, as best_of does; each times itself
            for d in designs:
                taken[d].append(floor(template, folder, d, names, rows, entries, plain, k))
        floors = [min(taken[d]) for d in designs]

    print(f"rows: {n:,} synthetic strikes; best of {args.repeats}")
    print(f"reading the CSV (pandas, all text)            {read_s:6.2f} s")
    print(f"pyogrio write_dataframe to GPKG (raw write)   {raw_s:6.2f} s")
    print("audit design     records + audit + commit   with reading   best ratio to raw write")
    for design, seconds in zip(designs, floors, strict=True):
        total = seconds + read_s
        print(f"{design:16s} {seconds:18.2f} s {total:12.2f} s {raw_s / total:14.2f}")
    print(
        "('none': no audit at all. An import also reads the shapes, checks every field and "
        "builds the spatial index; bench_import.py's target is a ratio of 0.5 or more.)"
    )


if __name__ == "__main__":
    main()
