"""Desk assessment: reports and news turned into candidate records for a researcher to accept.

:func:`assess` reads reports (plain text, HTML, PDF), finds the strikes, casualty
incidents, finds of unexploded submunitions and statements about contaminated land they
tell of (:mod:`remnant.desk.events`), and merges the same event told by several reports.
:func:`candidates` turns them into records: strikes (``source_class`` media), accidents
with their dead and injured, and evidence points (a find: ``submunition``; a statement:
``witness``), each with its quotes, its place as written and the gazetteer's matches, its
days and its munition as written in ``notes``. :func:`propose` queues them for review:
nothing reaches the maps until an admin approves it (``remnant review``).
The words it looks for are data (``rules.toml``; munition names in the catalogue's
``aliases.toml``); docs/desk.md says what it does and does not read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from remnant import gate
from remnant.desk.events import Event, events, group
from remnant.desk.mentions import LANGUAGES, carriers_untold, place_accuracy, rules
from remnant.desk.reading import documents
from remnant.places import name_index

__all__ = ["LANGUAGES", "Assessment", "assess", "candidates", "propose"]

LAYERS = {"strike": "strikes", "casualty": "accidents", "find": "evidence"}
LAYERS |= {"contamination": "evidence"}


@dataclass
class Assessment:
    """Events found (merged across reports) and those without a place the gazetteer knows."""

    events: list[Event]
    unplaced: list[Event]
    reports: int


def assess(
    paths,
    gazetteer: gpd.GeoDataFrame,
    *,
    lang: str = "en",
    published: dt.date | None = None,
    source: str | None = None,
) -> Assessment:
    """Read the reports at ``paths`` and find the events they tell of.

    ``published`` is the day relative dates count from (default: the day a report gives
    itself, in an HTML page's metadata, else today); ``source`` names the reports
    (default: each report's title and file name).
    """
    r = rules(lang)
    found: list[Event] = []
    docs = documents(paths)
    names = name_index(gazetteer)
    for doc in docs:
        label = source or f"{doc.title or doc.path.stem} ({doc.path.name})"
        day = published or doc.published or dt.date.today()
        found += events(doc, gazetteer, r, day, label, names)
    placed = [e for e in found if e.place is not None]
    return Assessment(group(placed), [e for e in found if e.place is None], len(docs))


def candidates(assessment: Assessment) -> dict:
    """The events as records, by layer (GeoDataFrames in EPSG:4326), ready for the gate.

    An accident (whose date is required) without a day in its report takes the day the
    report was published, and its notes say so.
    """
    rows: dict[str, list[dict]] = {"strikes": [], "accidents": [], "evidence": []}
    points: dict[str, list] = {k: [] for k in rows}
    for e in assessment.events:
        assert e.place is not None
        layer = LAYERS[e.kind]
        key = e.munition_keys[0] if len(e.munition_keys) == 1 else "unknown"
        confidence = (
            "low" if (e.place.alternatives or e.place_inherited or not e.first) else "medium"
        )
        common: dict[str, object] = {
            "id": record_id(e),
            "date": e.first,
            "munition": key,
            "source": "; ".join(e.sources),
            "notes": notes(e),
        }
        row: dict[str, object]
        if layer == "strikes":
            row = common | {
                "source_class": "media",
                "carriers": carriers_untold(),
                "accuracy_m": place_accuracy(e.place.kind),
                "confidence": confidence,
            }
        elif layer == "accidents":
            row = common | {
                "date": e.first or e.published,
                "killed": e.killed[0] if e.killed else None,
                "injured": e.injured[0] if e.injured else None,
                "context": e.context,
                "strike": record_id(e.strike) if e.strike is not None else None,
            }
        else:
            row = common | {
                "type": "submunition" if e.kind == "find" else "witness",
                "description": e.quotes[0][:500],
                "confidence": confidence,
            }
        rows[layer].append(row)
        points[layer].append(shapely.Point(e.place.lon, e.place.lat))
    return {
        layer: gpd.GeoDataFrame(pd.DataFrame(rows[layer]), geometry=points[layer], crs=4326)
        for layer in rows
        if rows[layer]
    }


def record_id(e: Event) -> str:
    """An id that is the same every time the same event is found: kind, place, day, munition."""
    assert e.place is not None
    text = f"{e.kind}|{e.place.name}|{e.first}|{','.join(e.munition_keys)}"
    return "DESK-" + hashlib.sha256(text.encode()).hexdigest()[:10].upper()


def notes(e: Event) -> str:
    """What a reviewer needs beside the record: the quotes, and every reading as written."""
    assert e.place is not None
    lines = [f"desk assessment candidate ({e.kind})"]
    lines += [f'quote: "{q}"' for q in e.quotes]
    where = f"place as written: {e.place.written} -> {e.place.name} (score {e.place.score:g})"
    if e.place_inherited:
        where += ", named in an earlier sentence"
    lines.append(where)
    if e.place.alternatives:
        lines.append("also matches: " + "; ".join(e.place.alternatives))
    if e.date_written:
        span = f" ({e.first} to {e.last})" if e.first and e.last and e.first != e.last else ""
        lines.append(f"date as written: {e.date_written}{span}")
    elif e.kind == "casualty":
        lines.append(f"date: none in the text; the day the report was published, {e.published}")
    else:
        lines.append("date: none in the text")
    if e.munition_written:
        lines.append(f"munition as written: {e.munition_written} -> {', '.join(e.munition_keys)}")
    for what, told in (("killed", e.killed), ("injured", e.injured)):
        if told:
            span = f"{told[0]}" if told[0] == told[1] else f"{told[0]}-{told[1]}"
            lines.append(f"{what}: {span} (as written: {told[2]})")
    lines += [f"report: {f}" for f in e.files]
    return "\n".join(lines)


def propose(store, assessment: Assessment, *, user: str):
    """Queue the candidates for review, leaving those stored, waiting or rejected before.

    Returns the ids now waiting by layer, the gate's problems and its warnings
    (:class:`remnant.store.review.Queued`).
    """
    frames = candidates(assessment)
    reviews = store.reviews()
    parts = []
    for layer in ("strikes", "accidents", "evidence"):
        if layer not in frames:
            continue
        frame = frames[layer]
        seen = reviews[(reviews["layer"] == layer) & (reviews["state"] != "approved")]
        known = set(seen["record_id"]) | store.ids(layer)
        fresh = frame[~frame["id"].isin(known)]
        if len(fresh):
            parts.append((layer, gate.Submission.of(layer, fresh, file="desk candidates")))
    return store.propose_inserts(parts, user=user, skip_invalid=True)
