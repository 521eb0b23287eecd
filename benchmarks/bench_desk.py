"""Desk assessment against hand-annotated reports: precision and recall of events, and
accuracy of place (within 5 km), date, munition and casualty counts.

By default the SYNTHETIC reports of ``tests/data/desk/synthetic`` (invented by remnant's
developers, who also wrote the rules: figures on them are optimistic). ``--corpus DIR``
takes any folder laid out the same way: the reports, ``annotations.csv`` (file, lang,
event, place, lon, lat, first, last, munition, killed, injured, sentence) and
``published.csv`` (file, published). The gazetteer is GeoNames' towns of ``--country``.

An event found in a report matches an annotated event of the same report and kind whose
place lies within 5 km, each used once; the place, date, munition and counts are then
scored on the matched pairs where the annotation gives them.

    .venv/bin/python benchmarks/bench_desk.py [--corpus DIR] [--country UA]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from remnant.desk.evaluation import evaluate
from remnant.places import geonames

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests/data/desk/synthetic")
    parser.add_argument("--country", default="UA")
    args = parser.parse_args()
    r = evaluate(args.corpus, geonames(args.country))
    label = "SYNTHETIC " if "synthetic" in str(args.corpus) else ""
    print(f"{label}corpus {args.corpus}: {r['annotated']} annotated events")
    precision = r["matched"] / r["found"] if r["found"] else float("nan")
    recall = r["matched"] / r["annotated"] if r["annotated"] else float("nan")
    print(f"events found {r['found']}, matched {r['matched']}")
    print(f"precision {precision:.2f} (target >= 0.8), recall {recall:.2f} (target >= 0.7)")
    for name, hits in r["scores"].items():
        if hits:
            print(f"{name:10s} accuracy {sum(hits) / len(hits):.2f} ({sum(hits)}/{len(hits)})")


if __name__ == "__main__":
    main()
