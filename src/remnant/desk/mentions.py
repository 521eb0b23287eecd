"""What one sentence of a report says: cues, counts of dead and injured, dates, munitions.

The words are in ``rules.toml`` per language and the munition names in the catalogue's
``aliases.toml``; this module only applies them. Each function takes a sentence and
returns what it found with the words as written, so a reviewer sees why.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = [
    "LANGUAGES",
    "Counts",
    "Rules",
    "aliases",
    "carriers_untold",
    "counts",
    "dates",
    "munitions",
    "place_accuracy",
    "rules",
]

_WORD = re.compile(r"[\w'’ʼ-]+|[.,;:!?()\-–]", re.UNICODE)


@dataclass(frozen=True)
class Rules:
    """One language's cues (compiled), numbers and date words."""

    lang: str
    cues: dict[str, re.Pattern]
    numbers: dict[str, int]
    ranges: dict[str, tuple[int, int]]
    people: tuple[str, ...]
    date_phrase: re.Pattern
    weekdays: dict[str, str]
    place_before: tuple[str, ...]
    range_words: str  # alternatives (a pattern) of the words that open a range: "between"
    range_joins: str  # and of those that join its ends: "and", "–"


def _stems(words) -> re.Pattern:
    """A pattern matching any of ``words`` at the start of a word, ignoring case."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w])(?:{alternatives})", re.IGNORECASE)


@cache
def _data() -> dict:
    return tomllib.loads(resources.files("remnant.desk").joinpath("rules.toml").read_text("utf-8"))


LANGUAGES = tuple(k for k in ("en", "uk") if k in _data())


def carriers_untold() -> int:
    """The carriers of a candidate strike whose report does not count them.

    >>> carriers_untold()
    1
    """
    return int(_data()["strike"]["carriers_untold"])


def place_accuracy(kind: str) -> float:
    """How far from a place of ``kind`` an event it names may lie, in metres.

    >>> place_accuracy("village"), place_accuracy("market square")
    (1000.0, 5000.0)
    """
    table = _data()["accuracy_m"]
    return float(table.get(kind, table["other"]))


@cache
def rules(lang: str) -> Rules:
    """The rules of ``lang`` (``en`` or ``uk``).

    >>> bool(rules("uk").cues["cluster"].search("обстріл касетними снарядами"))
    True
    """
    if lang not in LANGUAGES:
        raise ValueError(f"no desk rules for language {lang!r}; there are: {', '.join(LANGUAGES)}")
    d = _data()[lang]
    kinds = ("cluster", "attack", "killed", "injured", "find", "contaminated")
    cues = {k: _stems(d[k]) for k in kinds}
    months = tuple(d["dates"]["months"])
    month = "|".join(re.escape(m) for m in sorted(months, key=len, reverse=True))
    relative = "|".join(
        re.escape(p)
        for p in sorted([*d["dates"]["relative"], *d.get("weekdays", {})], key=len, reverse=True)
    )
    day = r"\d{1,2}(?:st|nd|rd|th)?"
    opens = "|".join(re.escape(w) for w in d["dates"]["range_words"])
    join = "|".join(re.escape(j) for j in d["dates"]["range_joins"])
    phrase = (
        rf"(?:(?:{opens})\s+)?{day}\s*(?:(?:{join})\s*{day}\s+)?"
        rf"(?:of\s+)?(?:{month})\.?(?:,?\s+\d{{4}})?"
        rf"|(?:{month})\.?\s+{day}(?:\s*(?:{join})\s*{day})?(?:,?\s+\d{{4}})?"
        rf"|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}"
        rf"|(?:{relative})|\b\w+\s+days?\s+ago"
    )
    return Rules(
        lang,
        cues,
        {k.lower(): int(v) for k, v in d["numbers"].items()},
        {k.lower(): (int(v[0]), int(v[1])) for k, v in d["ranges"].items()},
        tuple(d["people"]["words"]),
        re.compile(rf"(?<![\w])(?:{phrase})(?![\w])", re.IGNORECASE),
        {k.lower(): v for k, v in d.get("weekdays", {}).items()},
        tuple(d["place_before"]),
        opens,
        join,
    )


@dataclass(frozen=True)
class Counts:
    """Killed and injured as (low, high, as written); None where the sentence says nothing."""

    killed: tuple[int, int, str] | None
    injured: tuple[int, int, str] | None


def counts(sentence: str, r: Rules) -> Counts:
    """The dead and injured a sentence reports, in digits or words, ranges kept.

    A number belongs to the nearest cue after it ("two children were killed") or, where
    none comes before the cue, to the one just before it ("killed one civilian"); a number
    that is part of a date or a measure ("155 mm") is not a count.

    >>> c = counts("On 19 July an attack killed one civilian and injured 12.", rules("en"))
    >>> c.killed[:2], c.injured[:2]
    ((1, 1), (12, 12))
    >>> counts("Dozens were wounded and a boy died.", rules("en")).injured[:2]
    (24, 99)
    >>> counts("Внаслідок удару загинули двоє людей, ще п'ятеро поранені.", rules("uk")).killed[:2]
    (2, 2)
    """
    masked = r.date_phrase.sub(lambda m: " " * len(m.group()), sentence)
    tokens = [(m.group(), m.start()) for m in _WORD.finditer(masked)]
    words = [t.lower() for t, _ in tokens]
    numbers = {i: v for i, w in enumerate(words) if (v := _number(w, words, i, r)) is not None}
    used: set[int] = set()
    found: dict[str, tuple[int, int, str]] = {}
    cues = sorted(
        (m.start(), kind) for kind in ("killed", "injured") for m in r.cues[kind].finditer(masked)
    )
    for start, kind in cues:
        at = next((i for i, (_, s) in enumerate(tokens) if s >= start), len(tokens))
        pick = None
        for i in range(at - 1, max(-1, at - 6), -1):  # before the cue, nearest first
            if words[i] in {".", ";", ":"} or _is_cue(words[i], r):
                break
            if i in numbers and i not in used:
                pick = i
                break
        if pick is None:
            for i in range(at + 1, min(len(tokens), at + 3)):  # "killed two", "killing 4"
                if i in numbers and i not in used:
                    pick = i
                    break
        if pick is None:  # "a boy died", "загинув чоловік": one person
            near = words[max(0, at - 3) : at + 3]
            if any(w.startswith(p) for w in near for p in r.people) and kind not in found:
                found[kind] = (1, 1, " ".join(t for t, _ in tokens[max(0, at - 3) : at + 1]))
            continue
        used.add(pick)
        low, high = numbers[pick]
        if kind not in found:
            a, b = sorted((pick, min(at, len(tokens) - 1)))
            found[kind] = (low, high, sentence[tokens[a][1] : tokens[b][1] + len(tokens[b][0])])
    return Counts(found.get("killed"), found.get("injured"))


def _is_cue(word: str, r: Rules) -> bool:
    return any(r.cues[k].match(word) for k in ("killed", "injured"))


def _number(word: str, words: list[str], i: int, r: Rules) -> tuple[int, int] | None:
    """(low, high) if ``word`` is a count of people; None for other words and measures."""
    after = words[i + 1] if i + 1 < len(words) else ""
    if after in {"mm", "km", "m", "%", "percent", "metres", "meters", "kg", "км", "мм"}:
        return None
    if word.isdigit():
        n = int(word)
        return None if n > 999 else (n, n)
    two = f"{word} {after}"
    if two in r.numbers:
        return r.numbers[two], r.numbers[two]
    if two in r.ranges:
        return r.ranges[two]
    if word in r.numbers:
        return r.numbers[word], r.numbers[word]
    return r.ranges.get(word)


def dates(sentence: str, r: Rules, published: dt.date) -> list[tuple[dt.date, dt.date, str]]:
    """The days a sentence names, as (first, last, as written): a range where it gives one.

    Relative days ("yesterday", "last Tuesday", "вчора") are counted from ``published``;
    a day without a year is the latest such day on or before it.

    >>> dates("Between 3 and 5 March rockets fell; yesterday a boy died.", rules("en"),
    ...       dt.date(2022, 3, 20))
    [(datetime.date(2022, 3, 3), datetime.date(2022, 3, 5), 'Between 3 and 5 March'), \
(datetime.date(2022, 3, 19), datetime.date(2022, 3, 19), 'yesterday')]
    >>> dates("У вівторок окупанти обстріляли село", rules("uk"), dt.date(2023, 3, 16))
    [(datetime.date(2023, 3, 14), datetime.date(2023, 3, 14), 'У вівторок')]
    """
    import dateparser

    base = dt.datetime.combine(published, dt.time())
    settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "DATE_ORDER": "DMY"}
    out = []
    for m in r.date_phrase.finditer(sentence):
        text = m.group()
        phrase = r.weekdays.get(text.lower(), text)
        parts = _range_parts(phrase, r)
        days = []
        for part in parts:
            parsed = dateparser.parse(part, languages=[r.lang, "en"], settings=settings)
            if parsed is not None:
                days.append(parsed.date())
        if phrase.lower().startswith("on ") and days and (published - days[0]).days == 7:
            days = [published]  # "said on Tuesday" in Tuesday's paper: that day
        if len(days) == len(parts) and days and max(days) <= published:
            out.append((min(days), max(days), text))
    return out


def _range_parts(phrase: str, r: Rules) -> list[str]:
    """A range phrase as its two ends, each with the month and year it shares.

    >>> _range_parts("between 3 and 5 March 2022", rules("en"))
    ['3 March 2022', '5 March 2022']
    >>> _range_parts("March 3-5", rules("en")), _range_parts("19 July", rules("en"))
    (['March 3', 'March 5'], ['19 July'])
    """
    joins = r.range_joins
    text = re.sub(rf"^(?:{r.range_words})\s+", "", phrase.strip(), flags=re.IGNORECASE)
    m = re.fullmatch(rf"(\d{{1,2}})\s*(?:{joins})\s*(\d{{1,2}})\s+(.+)", text, re.IGNORECASE)
    if m:
        return [f"{m[1]} {m[3]}", f"{m[2]} {m[3]}"]
    m = re.fullmatch(rf"(\D+?)\s+(\d{{1,2}})\s*(?:{joins})\s*(\d{{1,2}})(.*)", text, re.IGNORECASE)
    if m:
        return [f"{m[1]} {m[2]}{m[4]}", f"{m[1]} {m[3]}{m[4]}"]
    return [text]


@cache
def aliases() -> dict[str, tuple[str, ...]]:
    """Each name reports use for a munition type, lower case: the catalogue keys it names.

    >>> aliases()["uragan"], aliases()["dpicm"]
    (('9n210_9m27k',), ('dpicm_m483a1', 'dpicm_m864'))
    """
    text = resources.files("remnant.catalogue").joinpath("aliases.toml").read_text("utf-8")
    out: dict[str, list[str]] = {}
    for key, entry in tomllib.loads(text)["aliases"].items():
        for name in entry["names"]:
            out.setdefault(name.lower(), []).append(key)
    return {k: tuple(v) for k, v in out.items()}


def munitions(sentence: str) -> list[tuple[str, tuple[str, ...]]]:
    """The munition names in a sentence, as written, with the catalogue keys each names.

    A Latin name matches as a whole word; a Cyrillic one also with an ending ("Ураганом").

    >>> munitions("Uragan rockets carrying 9N210 submunitions and DPICM shells")
    [('Uragan', ('9n210_9m27k',)), ('9N210', ('9n210_9m27k',)), \
('DPICM', ('dpicm_m483a1', 'dpicm_m864'))]
    >>> munitions("обстріляли з РСЗВ «Ураган»") == [("Ураган", ("9n210_9m27k",))]
    True
    """
    names = aliases()
    found: list[tuple[int, str, tuple[str, ...]]] = []
    taken: list[tuple[int, int]] = []
    for name, pattern in _alias_patterns():
        for m in pattern.finditer(sentence):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                taken.append((m.start(), m.end()))
                found.append((m.start(), m.group(), names[name]))
    return [(text, keys) for _, text, keys in sorted(found)]


@cache
def _alias_patterns() -> list[tuple[str, re.Pattern]]:
    """(name, pattern) for every alias, longest first."""
    out = []
    for name in sorted(aliases(), key=len, reverse=True):
        ending = r"\w*" if re.search("[а-яіїєґ]", name) else r"(?![\w-])"
        out.append((name, re.compile(rf"(?<![\w-]){re.escape(name)}{ending}", re.IGNORECASE)))
    return out
