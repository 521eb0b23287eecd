"""How well desk assessment finds the events people annotated by hand in a set of reports.

A corpus is a folder of reports with ``annotations.csv`` (file, lang, event, place, lon,
lat, first, last, munition, killed, injured, sentence: one row per event a reader finds)
and ``published.csv`` (file, published). An event found in a report matches an annotated
event of the same report and kind whose place lies within WITHIN_M, each used once;
place, date, munition and counts are then scored on the matched pairs where the
annotation gives them. ``benchmarks/bench_desk.py`` prints the figures.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd

from remnant.desk.events import distance_m, events
from remnant.desk.mentions import rules
from remnant.desk.reading import read_document
from remnant.places import name_index

__all__ = ["WITHIN_M", "evaluate"]

WITHIN_M = 5000.0


def _keys(text) -> frozenset:
    return frozenset(str(text).split("|")) if isinstance(text, str) and text else frozenset()


def evaluate(corpus: Path, gazetteer: gpd.GeoDataFrame) -> dict:
    """Events annotated, found and matched, and per field the hits on the matches.

    Returns ``{"annotated": n, "found": n, "matched": n, "scores": {"place": [bool, …],
    "date": […], "munition": […], "casualties": […]}}``.
    """
    truth = pd.read_csv(corpus / "annotations.csv", dtype=str, keep_default_na=False)
    published = pd.read_csv(corpus / "published.csv", dtype=str).set_index("file")["published"]
    found, matched = 0, []
    names = name_index(gazetteer)
    for file, day in published.items():
        doc = read_document(corpus / file)
        langs = set(truth.loc[truth["file"] == file, "lang"]) or {"en"}
        got = events(doc, gazetteer, rules(langs.pop()), dt.date.fromisoformat(day), file, names)
        placed = [(e, e.place) for e in got if e.place is not None]
        found += len(placed)
        todo = truth[truth["file"] == file].to_dict("records")
        for e, place in placed:
            for t in todo:
                near = distance_m(place.lon, place.lat, float(t["lon"]), float(t["lat"]))
                if t["event"] == e.kind and near <= WITHIN_M:
                    matched.append((e, t, near))
                    todo.remove(t)
                    break
    scores: dict[str, list[bool]] = {"place": [], "date": [], "munition": [], "casualties": []}
    for e, t, near in matched:
        scores["place"].append(near <= WITHIN_M)
        if t["first"]:
            first, last = dt.date.fromisoformat(t["first"]), dt.date.fromisoformat(t["last"])
            scores["date"].append((e.first, e.last) == (first, last))
        if t["munition"]:
            scores["munition"].append(frozenset(e.munition_keys) == _keys(t["munition"]))
        if t["killed"] or t["injured"]:
            told = (e.killed[0] if e.killed else 0, e.injured[0] if e.injured else 0)
            scores["casualties"].append(told == (int(t["killed"] or 0), int(t["injured"] or 0)))
    return {"annotated": len(truth), "found": found, "matched": len(matched), "scores": scores}
