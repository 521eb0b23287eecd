"""Events a report tells of, sentence by sentence, and the same event told twice as one.

An event is a strike (cluster munitions used on a place), a casualty incident (people
killed or injured), a find (unexploded submunitions found) or a statement that land is
contaminated. Each keeps the sentence it came from, the place as written with its
gazetteer matches (all of them when the name is ambiguous), the days, the munition as
written with the catalogue entries it may be, and the counts of dead and injured.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np

from remnant.desk.mentions import Rules, counts, dates, munitions
from remnant.desk.reading import Document, sentences
from remnant.places import NameIndex, find, name_index

__all__ = ["KINDS", "Event", "Place", "events", "group", "place_in"]

KINDS = ("strike", "casualty", "find", "contamination")
AMBIGUOUS_WITHIN = 3.0  # gazetteer scores this close to the best are equally likely (judgement)
CUTOFF = 88.0  # the least fuzzy score taken as a match (judgement: spelling, endings)
SAME_EVENT_DAYS = 3  # reports of one kind, place and munition this close are one event
_CAPITALISED = re.compile(
    r"(?<![\w'’-])([A-ZА-ЯІЇЄҐ][\w'’ʼ-]{2,}(?:[ -][A-ZА-ЯІЇЄҐ][\w'’ʼ-]+){0,2})"
)


@dataclass(frozen=True)
class Place:
    """A place as written and what it matched: best first, alternatives when ambiguous."""

    written: str
    name: str
    lon: float
    lat: float
    kind: str
    score: float
    alternatives: tuple[str, ...] = ()


@dataclass
class Event:
    """One event as one or more reports tell it."""

    kind: str
    quotes: list[str]
    sources: list[str]
    place: Place | None
    place_inherited: bool
    first: dt.date | None
    last: dt.date | None
    date_written: str
    munition_written: str
    munition_keys: tuple[str, ...]
    killed: tuple[int, int, str] | None = None
    injured: tuple[int, int, str] | None = None
    files: list[str] = field(default_factory=list)
    published: dt.date | None = None  # the day the (first) report was published
    context: str | None = None  # a casualty: during_use (the strike) or remnants (a dud)
    strike: Event | None = None  # a casualty of the strike the report told just before


def place_in(
    sentence: str, gazetteer: gpd.GeoDataFrame, r: Rules, names: NameIndex | None = None
) -> Place | None:
    """The place a sentence names that the gazetteer knows: the best-scoring name.

    Capitalised words (one to three) are looked up, in Cyrillic also without a case ending
    ("Херсоні" → "Херсон"); a name right after a place word ("in", "near", "village of")
    is preferred. Every place scoring within AMBIGUOUS_WITHIN of the best is kept.
    ``names``: the gazetteer's name index, where many sentences look in it.
    """
    names = names if names is not None else name_index(gazetteer)
    best: tuple[float, Place] | None = None
    lowered = sentence.lower()
    for m in _CAPITALISED.finditer(sentence):
        written = m.group(1)
        if m.start() == 0 and not _after_place_word(lowered, m.start(), r):
            continue  # the first word of a sentence is capitalised anyway
        for query in _variants(written):
            hits = find(gazetteer, query, limit=5, cutoff=CUTOFF, names=names)
            if hits.empty:
                continue
            top = float(hits["score"].iloc[0])
            bonus = 5.0 if _after_place_word(lowered, m.start(), r) else 0.0
            close = hits[hits["score"] >= top - AMBIGUOUS_WITHIN]
            place = Place(
                written,
                str(close["name"].iloc[0]),
                float(close["lon"].iloc[0]),
                float(close["lat"].iloc[0]),
                str(close["kind"].iloc[0] or "other"),
                top,
                tuple(
                    f"{n} ({lon:.4f}, {lat:.4f})"
                    for n, lon, lat in zip(
                        close["name"].iloc[1:],
                        close["lon"].iloc[1:],
                        close["lat"].iloc[1:],
                        strict=True,
                    )
                ),
            )
            if best is None or top + bonus > best[0]:
                best = (top + bonus, place)
            break
    return None if best is None else best[1]


def _variants(word: str) -> list[str]:
    """A name, and in Cyrillic the same without one or two letters of case ending."""
    if re.search("[А-ЯІЇЄҐа-яіїєґ]", word) and len(word) >= 5:
        return [word, word[:-1], word[:-2]]
    return [word]


def _after_place_word(lowered: str, start: int, r: Rules) -> bool:
    before = lowered[:start].rstrip()
    return any(before.endswith(" " + w) or before == w for w in r.place_before)


def events(
    doc: Document,
    gazetteer: gpd.GeoDataFrame,
    r: Rules,
    published: dt.date,
    source: str,
    names: NameIndex | None = None,
) -> list[Event]:
    """Every event ``doc`` tells of, in the order it tells them.

    ``names``: the gazetteer's name index, where many reports look in it.
    """
    names = names if names is not None else name_index(gazetteer)
    text_cluster = bool(r.cues["cluster"].search(doc.text))
    doc_munitions = munitions(doc.text)
    title_place = place_in(doc.title, gazetteer, r, names) if doc.title else None
    keys = {k for _, ks in doc_munitions for k in ks}
    named_in_text = doc_munitions[:1] if len(keys) == 1 else []  # one type named
    last_place, last_days = title_place, None
    last_strike: Event | None = None
    out: list[Event] = []
    for sentence in sentences(doc.text):
        place = place_in(sentence, gazetteer, r, names)
        inherited = place is None
        if place is None:
            place = last_place
        else:
            last_place = place
        cue = {k: bool(p.search(sentence)) for k, p in r.cues.items()}
        told = counts(sentence, r)
        kinds = []
        if cue["cluster"] and cue["attack"] and not cue["find"]:
            kinds.append("strike")
        if (told.killed or told.injured) and (cue["cluster"] or text_cluster):
            kinds.append("casualty")
        if cue["contaminated"] and (cue["cluster"] or text_cluster) and "casualty" not in kinds:
            kinds.append("contamination")  # a statement, even where it names what is there
        elif cue["find"] and cue["cluster"] and "casualty" not in kinds:
            kinds.append("find")
        days = dates(sentence, r, published)
        if days:
            last_days = days[0]
        elif last_days is not None and kinds == ["casualty"]:  # "Two were killed" then
            days = [last_days]
        if not kinds:
            continue
        named = munitions(sentence) or named_in_text
        for kind in kinds:
            out.append(
                event := Event(
                    kind,
                    [sentence],
                    [source],
                    place,
                    inherited,
                    days[0][0] if days else None,
                    days[0][1] if days else None,
                    days[0][2] if days else "",
                    named[0][0] if named else "",
                    named[0][1] if named else (),
                    told.killed if kind == "casualty" else None,
                    told.injured if kind == "casualty" else None,
                    [str(doc.path)],
                    published,
                )
            )
            if kind == "strike":
                last_strike = event
            elif kind == "casualty":
                dud = cue["find"] and not cue["attack"]
                event.context = "remnants" if dud else "during_use"
                if not dud and last_strike is not None and last_strike.place == event.place:
                    event.strike = last_strike
    return out


def group(found: list[Event]) -> list[Event]:
    """The same event told more than once, merged into one.

    Events of one kind at one place, with compatible munitions and days within
    SAME_EVENT_DAYS, are one: every quote and source is kept, the larger counts taken.
    """
    merged: list[Event] = []
    into: dict[int, Event] = {}  # id of an event merged away: the event it went into
    for e in found:
        twin = next((m for m in merged if _same(m, e)), None)
        if twin is None:
            merged.append(e)
            continue
        into[id(e)] = twin
        twin.strike = twin.strike or e.strike
        twin.quotes += [q for q in e.quotes if q not in twin.quotes]
        twin.sources += [s for s in e.sources if s not in twin.sources]
        twin.files += [f for f in e.files if f not in twin.files]
        twin.munition_keys = twin.munition_keys or e.munition_keys
        twin.munition_written = twin.munition_written or e.munition_written
        twin.killed = _larger(twin.killed, e.killed)
        twin.injured = _larger(twin.injured, e.injured)
        if twin.first is None:
            twin.first, twin.last, twin.date_written = e.first, e.last, e.date_written
    for e in merged:
        if e.strike is not None:
            e.strike = into.get(id(e.strike), e.strike)
    return merged


def _same(a: Event, b: Event) -> bool:
    if a.kind != b.kind or a.place is None or b.place is None or a.place.name != b.place.name:
        return False
    if a.munition_keys and b.munition_keys and not set(a.munition_keys) & set(b.munition_keys):
        return False
    if a.first is None or b.first is None:
        return a.first is None and b.first is None
    return abs((a.first - b.first).days) <= SAME_EVENT_DAYS


def _larger(a, b):
    if a is None or b is None:
        return a or b
    return a if (a[0], a[1]) >= (b[0], b[1]) else b


def distance_m(lon1, lat1, lon2, lat2) -> float:
    """Great-circle distance in metres (the mean Earth radius).

    >>> round(distance_m(30.0, 50.0, 30.0, 51.0))
    111195
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return float(2 * 6_371_008.8 * np.arcsin(np.sqrt(a)))
