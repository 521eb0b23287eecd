"""The records remnant keeps, and the one set of rules every record must pass.

Entities follow the GICHD minimum data requirements (docs/data-dictionary.md): strikes,
hazard areas, survey and clearance activities, items found, accidents and victims.
Import, export, the store and the web API all use the canonical field names defined here,
and every record that enters the store, from whatever door, goes through :func:`validate`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import re
import unicodedata
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from remnant.catalogue import UNKNOWN
from remnant.entities import ALLOWED_OUTCOMES, ENTITIES, Entity, Field, entity
from remnant.errors import Problem
from remnant.translate import N_

__all__ = [
    "ENTITIES",
    "Entity",
    "Field",
    "ValidationResult",
    "entity",
    "join_note",
    "metres_outside",
    "missing",
    "validate",
]

log = logging.getLogger(__name__)

EARLIEST_DATE = dt.date(1940, 1, 1)
MAX_VERTEX_GAP_M = 5_000.0  # GICHD geocheck: consecutive vertices more than 5 km apart
# Limits that keep one record from costing the store, the maps or the web server more than
# a record can be worth: a survey polygon has hundreds of vertices, a note a few lines.
MAX_VERTICES = 100_000
MAX_TEXT = 10_000  # characters in one text value
MAX_ID = 200  # characters in an id
MAX_INTEGER = 2**31 - 1  # what every backend's integer column holds
# Control characters other than tab, line feed and carriage return: never data.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_IN_ID = re.compile(r"[\x00-\x1f\x7f]")
_GEOD = Geod(ellps="WGS84")


@dataclass
class ValidationResult:
    """Typed, canonical records from an input, and what was wrong or doubtful in it.

    ``records`` holds the rows that passed, in EPSG:4326, with an ``id`` for each;
    ``rows`` their row numbers in the input; ``problems`` every rejected value;
    ``warnings`` values accepted with a change (unknown munition keys, labels matched
    to an enumeration's values); ``read_as`` by row number, each such label as given.
    """

    records: gpd.GeoDataFrame
    rows: np.ndarray
    problems: list[Problem]
    warnings: list[Problem]
    read_as: dict[int, dict[str, str]]


class _Collector:
    def __init__(self, file: str, rows: np.ndarray):
        self.file, self.rows = file, rows
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.flagged: set[tuple[int, str]] = set()
        self.read_as: dict[int, dict[str, str]] = {}

    def add(self, mask, field, values, message, /, *, warning=False, **params):
        """Record ``message`` (with ``params``) for each position where ``mask`` is true."""
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            value = values[i] if values is not None else None
            self.add_one(i, field, value, message, warning=warning, **params)

    def add_one(self, i, field, value, message, /, *, warning=False, **params):
        """Record ``message`` (English, ``{name}`` for each of ``params``) for position ``i``."""
        target = self.warnings if warning else self.problems
        problem = Problem(
            self.file, int(self.rows[i]), field, value, message, tuple(params.items())
        )
        target.append(problem)
        if not warning:
            self.flagged.add((int(i), field))

    def unflagged(self, field: str, n: int) -> np.ndarray:
        """Positions with no problem reported on ``field`` yet."""
        return np.array([(i, field) not in self.flagged for i in range(n)], dtype=bool)


def validate(
    ent: Entity | str,
    frame: pd.DataFrame,
    geometry: np.ndarray | None,
    *,
    file: str = "input",
    rows: np.ndarray | None = None,
    munitions=(),
    today: dt.date | None = None,
    labels: dict[str, list[str]] | None = None,
) -> ValidationResult:
    """Check and type one input's records against the rules of ``ent``.

    Parameters
    ----------
    ent : Entity or str
        The kind of record.
    frame : DataFrame
        Values as read, one column per canonical field (missing columns are blank);
        strings, numbers, dates or missing values.
    geometry : array of shapely geometries in EPSG:4326, or None
        One per row (None where a row has none); ignored for entities without geometry.
    file : str
        The input's name, used in every problem.
    rows : array of int, optional
        Each row's number in the input (default 1, 2, …).
    munitions : collection of str
        Catalogue keys; other keys are accepted as ``unknown`` with a warning.
    labels : dict, optional
        By field, the labels the input's door reads as the field's values (a profile's or
        ``--map-values``'s): a value that is neither is refused naming them too.
    today : date, optional
        Latest date accepted (default: today).

    Returns
    -------
    ValidationResult
        The good records and every problem. Cross-record rules (duplicate ids and
        geometries) are checked within the input; references to other records are
        checked by the store, which knows them.

    Examples
    --------
    >>> import pandas as pd, shapely
    >>> frame = pd.DataFrame({"munition": ["m77_m26"], "carriers": ["2"],
    ...                       "source_class": ["surveyed"], "date": ["2091-01-01"]})
    >>> result = validate("strikes", frame, [shapely.Point(35.5, 33.2)], file="s.csv")
    >>> print(result.problems[0])
    s.csv, row 1, field 'date': date is in the future (value '2091-01-01')
    """
    ent = entity(ent) if isinstance(ent, str) else ent
    n = len(frame)
    rows = np.arange(1, n + 1) if rows is None else np.asarray(rows)
    out = _Collector(file, rows)
    today = today or dt.date.today()
    typed = pd.DataFrame(index=range(n))
    for f in ent.fields:
        column = frame[f.name] if f.name in frame else pd.Series(np.full(n, None, object))
        raw, numbers = column.to_numpy(object), None
        if column.dtype.kind in "iuf":  # numbers as numbers (GDAL's, a spreadsheet's): no text
            numbers = column.to_numpy(float, na_value=np.nan)
        known = (labels or {}).get(f.name, ())
        typed[f.name], blank = _coerce(f, raw, out, today, numbers, known)
        if f.required:
            out.add(blank, f.name, None, N_("is required"))
    _entity_rules(ent, typed, out, set(munitions))
    geoms = None
    if ent.geometry is not None:
        geoms = _check_geometry(ent, geometry, n, out)
    typed["id"] = _ids(ent, typed, geoms)
    _check_duplicates(ent, typed, geoms, out)
    bad = np.isin(rows, sorted({p.row for p in out.problems}))
    keep = ~bad
    records = gpd.GeoDataFrame(
        typed[keep].reset_index(drop=True),
        geometry=None if geoms is None else gpd.GeoSeries(geoms[keep], crs=4326).values,
        crs=4326 if geoms is not None else None,
    )
    return ValidationResult(records, rows[keep], out.problems, out.warnings, out.read_as)


def _stripped(raw: np.ndarray, text: np.ndarray | None) -> np.ndarray:
    """Values with surrounding white space removed from strings (for parsing only).

    ``text``, where known, says which values are strings (the rest being missing).
    """
    if text is not None:
        out = raw.copy()
        out[text] = [v.strip() for v in raw[text]]
        return out
    return np.array([v.strip() if isinstance(v, str) else v for v in raw], dtype=object)


def _blank(raw: np.ndarray, missing: np.ndarray, text_only: bool) -> np.ndarray:
    """Which values are blank: missing, empty or only white space.

    >>> raw = np.array(["a", "", " ", None], object)
    >>> _blank(raw, pd.isna(raw), True).tolist()
    [False, True, True, True]
    """
    if not text_only:
        return missing | np.array([isinstance(v, str) and not v.strip() for v in raw], bool)
    blank = missing.copy()
    text = raw[~missing]
    spaces = np.fromiter(map(str.isspace, text), dtype=bool, count=len(text))
    blank[~missing] = (text == "") | spaces
    return blank


def _only_text(raw: np.ndarray) -> bool:
    """Whether every value is text or missing (as read from CSV), checked in compiled code.

    >>> _only_text(np.array(["a", None], object)), _only_text(np.array(["a", 1], object))
    (True, False)
    """
    return pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty")


_TRUTH = {"true": True, "yes": True, "y": True, "1": True, "1.0": True}
_TRUTH |= {"false": False, "no": False, "n": False, "0": False, "0.0": False}
_NOT_BOOLEAN = N_("must be true or false (also yes/no, 1/0)")


def _coerce(f: Field, raw: np.ndarray, out: _Collector, today: dt.date, numbers=None, labels=()):
    """Convert one column to its field's type; report every value that will not convert.

    ``numbers``, for a column of numbers, holds them as floats (NaN where missing);
    ``labels`` the input's labels for the field's values, named where a value is neither.
    Returns the typed values and which were blank (None, NaN or only white space).
    """
    n = len(raw)
    if numbers is not None and f.kind in ("integer", "real"):
        blank = np.isnan(numbers)
        return _checked_numbers(f, numbers.copy(), blank, raw, out), blank
    if numbers is not None and f.kind == "boolean":
        blank = np.isnan(numbers)
        values = np.full(n, None, object)
        values[numbers == 1], values[numbers == 0] = True, False
        out.add(~blank & pd.isna(values), f.name, raw, _NOT_BOOLEAN)
        return pd.Series(values, dtype=object), blank
    missing = pd.isna(raw)
    if missing.all():
        return _blank_column(f, n), missing
    text_only = _only_text(raw)
    if text_only:
        compound = np.zeros(n, dtype=bool)
    else:
        compound = np.array([isinstance(v, (list, tuple, dict, set, bytes)) for v in raw], bool)
        out.add(compound, f.name, raw, N_("must be a single value, not a list or object"))
        raw = blanked(raw, compound)
        missing = missing | compound
    blank = _blank(raw, missing, text_only)
    if f.kind == "text":
        if text_only:
            values = blanked(raw, blank)
        else:
            values = np.array(
                [
                    None if b else v if isinstance(v, str) else str(v)
                    for v, b in zip(raw, blank, strict=False)
                ],
                dtype=object,
            )
        if f.choices:
            loose = np.flatnonzero(~blank & ~np.isin(values, f.choices))
            if len(loose):
                values = _canonical_choices(f, values, loose, raw, out, labels)
        _check_text(f, values, blank, out)
        return pd.Series(values, dtype=object), blank & ~compound
    if f.kind in ("integer", "real"):
        v = _numbers(blanked(raw, blank), text_only)  # white space around a number is fine
        return _checked_numbers(f, v, blank, raw, out), blank
    stripped = _stripped(raw, ~blank if text_only else None)
    if f.kind == "date":
        return _coerce_dates(f, raw, stripped, blank, out, today), blank
    if f.kind == "boolean":
        values = np.array(
            [
                None if b else _TRUTH.get(str(v).lower())
                for v, b in zip(stripped, blank, strict=False)
            ],
            dtype=object,
        )
        bad = ~blank & pd.isna(values)
        out.add(bad, f.name, raw, _NOT_BOOLEAN)
        return pd.Series(values, dtype=object), blank
    raise ValueError(f"field {f.name}: unknown kind {f.kind!r}")


def _checked_numbers(f: Field, v: np.ndarray, blank, raw, out: _Collector) -> pd.Series:
    """``f``'s numbers from floats ``v`` (NaN where not a number), limits checked."""
    bad = ~blank & np.isnan(v)
    out.add(bad, f.name, raw, N_("is not a number"))
    infinite = ~blank & np.isinf(v)
    out.add(infinite, f.name, raw, N_("is not a finite number"))
    bad |= infinite
    lowest, highest = f.minimum, f.maximum
    if f.kind == "integer":
        with np.errstate(invalid="ignore"):
            frac = ~blank & ~bad & (v % 1 != 0)
        out.add(frac, f.name, raw, N_("must be a whole number"))
        bad |= frac
        lowest = -MAX_INTEGER if lowest is None else lowest
        highest = MAX_INTEGER if highest is None else highest
    for limit, below, message in (
        (lowest, True, N_("must not be less than {limit}")),
        (highest, False, N_("must not be more than {limit}")),
    ):
        if limit is not None:
            off = ~blank & ~bad & ((v < limit) if below else (v > limit))
            out.add(off, f.name, raw, message, limit=f"{limit:g}")
            bad |= off
    v[bad | blank] = np.nan
    numbers = pd.Series(v)
    return numbers.astype("Int64") if f.kind == "integer" else numbers


def _blank_column(f: Field, n: int) -> pd.Series:
    """A column of ``n`` missing values of ``f``'s type (what :func:`_coerce` gives blanks).

    >>> _blank_column(entity("strikes").field("carriers"), 2).tolist()
    [<NA>, <NA>]
    """
    if f.kind == "integer":
        return pd.Series(np.full(n, np.nan)).astype("Int64")
    if f.kind == "real":
        return pd.Series(np.full(n, np.nan))
    return pd.Series(np.full(n, None, dtype=object), dtype=object)


def choice_key(value: str) -> str:
    """How an enumeration value is matched: case, accents, spaces and hyphens aside.

    >>> choice_key("Worked-on"), choice_key("EOD spot"), choice_key("Démineur")
    ('worked_on', 'eod_spot', 'demineur')
    """
    plain = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[\s\-]+", "_", plain.strip()).casefold()


def _canonical_choices(f: Field, values, loose, raw, out: _Collector, labels=()) -> np.ndarray:
    """Values at ``loose`` matched to ``f``'s choices by :func:`choice_key`.

    A match is stored canonical with a warning naming both; no match is a problem naming
    the choices, the input's ``labels`` for them, and the nearest of either where one is
    close (a typing slip).
    """
    keys = {choice_key(c): c for c in f.choices or ()}
    values = values.copy()
    for i in loose:
        canonical = keys.get(choice_key(values[i]))
        if canonical is None:
            message, params = _not_a_choice(f.choices or (), labels, values[i])
            out.add_one(i, f.name, raw[i], message, **params)
        else:
            out.add_one(
                i, f.name, raw[i], N_("stored as {value}"), warning=True, value=repr(canonical)
            )
            out.read_as.setdefault(int(out.rows[i]), {})[f.name] = raw[i]
        values[i] = canonical
    return values


def _not_a_choice(choices, labels, value: str) -> tuple:
    """The message and its parameters for ``value``, none of ``choices`` nor ``labels``.

    >>> _not_a_choice(["live", "dud"], ["Unexploded"], "Unexplodedd")
    ('must be one of: {choices}, or a label read as one of them: {labels}; did you mean \
{suggestion}?', {'choices': 'live, dud', 'labels': 'Unexploded', 'suggestion': "'Unexploded'"})
    >>> _not_a_choice(["open", "closed"], [], "shut")[0]
    'must be one of: {choices}'
    """
    from rapidfuzz import fuzz, process  # only here: a value that is no choice

    known = {choice_key(c): c for c in [*labels, *choices]}
    near = process.extractOne(choice_key(value), list(known), scorer=fuzz.ratio, score_cutoff=80)
    params = {"choices": ", ".join(choices)}
    if labels:
        params["labels"] = ", ".join(dict.fromkeys(labels))
    if near:
        params["suggestion"] = repr(known[near[0]])  # (match, score, index)
    messages = {
        ("choices",): N_("must be one of: {choices}"),
        ("choices", "suggestion"): N_("must be one of: {choices}; did you mean {suggestion}?"),
        ("choices", "labels"): N_(
            "must be one of: {choices}, or a label read as one of them: {labels}"
        ),
        ("choices", "labels", "suggestion"): N_(
            "must be one of: {choices}, or a label read as one of them: {labels}; "
            "did you mean {suggestion}?"
        ),
    }
    return messages[tuple(params)], params


def _numbers(values: np.ndarray, text_only: bool = False) -> np.ndarray:
    """Numbers from text or numbers as floats; NaN where a value is not a number.

    Text is read in decimal notation only (``0x10`` and ``1_000`` are not numbers, as in
    a spreadsheet); booleans are not numbers (JSON's ``true`` is not 1); an integer beyond
    any float is infinite.

    >>> _numbers(np.array(["2.5", "0x10", True, 10**400, None, "\u00a03 "], dtype=object)).tolist()
    [2.5, nan, nan, inf, nan, 3.0]
    """
    out = np.full(len(values), np.nan)
    if text_only:
        text = pd.notna(values)
    else:
        text = np.array([isinstance(v, str) for v in values], dtype=bool)
    if text.any():
        given = values[text]
        read = pd.to_numeric(pd.Series(given), errors="coerce").to_numpy(float, copy=True)
        again = np.isnan(read)  # white space the parser does not skip (no-break spaces, …)
        if again.any():
            stripped = pd.Series([v.strip() for v in given[again]], dtype=object)
            read[again] = pd.to_numeric(stripped, errors="coerce").to_numpy(float)
        out[text] = read
    for i in np.flatnonzero(~text):
        v = values[i]
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            try:
                out[i] = float(v)
            except OverflowError:
                out[i] = np.inf
    return out


def _check_text(f: Field, values: np.ndarray, blank: np.ndarray, out: _Collector) -> None:
    """Refuse control characters and over-long values; an id must be short and one line."""
    limit, control = (MAX_ID, _CONTROL_IN_ID) if f.name == "id" else (MAX_TEXT, _CONTROL)
    present = np.flatnonzero(~blank & pd.notna(values))
    text = values[present].tolist()
    longest = max(map(len, text), default=0)
    if longest <= limit and not control.search("".join(text)):
        return  # the usual case, decided for the whole column at once
    for i in present:
        v = values[i]
        if v is None:
            continue
        if len(v) > limit:
            out.add_one(
                i,
                f.name,
                v,
                N_("is {length} characters long, over the limit of {limit}"),
                length=f"{len(v):,}",
                limit=f"{limit:,}",
            )
        elif control.search(v):
            out.add_one(i, f.name, v, N_("holds a control character (such as NUL); remove it"))
        else:
            continue
        values[i] = None


_YEAR_FIRST_SLASHED = re.compile(r"\d{4}/\d{2}/\d{2}(?![\d/])")


def blanked(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A copy of an object array with None where ``mask`` is true.

    >>> blanked(np.array(["a", "b"], object), np.array([True, False])).tolist()
    [None, 'b']
    """
    out = np.array(values, dtype=object, copy=True)
    out[mask] = None
    return out


def as_date(v) -> dt.date | None:
    """A date from a date, a datetime or ISO 8601 text; None if it is none of those.

    ISO's dashes may be slashes, as GDAL writes a date and time as text (a File
    Geodatabase's dates written to CSV or to a Shapefile's text field).

    >>> as_date("2023-06-01"), as_date("2023-06-01T10:00:00Z"), as_date(float("nan"))
    (datetime.date(2023, 6, 1), datetime.date(2023, 6, 1), None)
    >>> as_date("2024/01/15 00:00:00+00"), as_date("2024/01/15")
    (datetime.date(2024, 1, 15), datetime.date(2024, 1, 15))
    """
    if v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    text = str(v)
    if _YEAR_FIRST_SLASHED.match(text):
        text = text[:10].replace("/", "-") + text[10:]
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        return None


def _coerce_dates(f, raw, stripped, blank, out, today) -> pd.Series:
    values = np.full(len(raw), None, dtype=object)
    todo = np.flatnonzero(~blank)
    if len(todo) and _only_text(stripped[todo]):  # YYYY-MM-DD parsed in compiled code
        text = pd.Series(stripped[todo])
        parsed = pd.to_datetime(text, format="%Y-%m-%d", exact=True, errors="coerce")
        done = (parsed.notna() & (text.str.len() == 10)).to_numpy()
        values[todo[done]] = parsed[done].dt.date.to_numpy(object)
        todo = todo[~done]
    values[todo] = [as_date(v) for v in stripped[todo]]
    bad = ~blank & pd.isna(values)
    out.add(bad, f.name, raw, N_("is not a date (write it as YYYY-MM-DD)"))
    ok = ~blank & ~bad
    dated = np.flatnonzero(ok)
    future, early = np.zeros(len(values), dtype=bool), np.zeros(len(values), dtype=bool)
    future[dated] = values[dated] > today
    early[dated] = values[dated] < EARLIEST_DATE
    out.add(future, f.name, raw, N_("date is in the future"))
    out.add(early, f.name, raw, N_("date is before {date}"), date=EARLIEST_DATE.isoformat())
    values[future | early] = None
    return pd.Series(values, dtype=object)


def _entity_rules(ent: Entity, typed: pd.DataFrame, out: _Collector, munitions: set[str]):
    """Rules that tie fields of one record together."""
    if "munition" in typed:
        m = typed["munition"]
        unknown = (m.isna() | ~m.isin(munitions | {UNKNOWN})).to_numpy()
        if munitions:
            out.add(
                unknown & m.notna().to_numpy(),
                "munition",
                m.to_numpy(),
                N_("not in the catalogue: kept as 'unknown' (reported key kept in notes)"),
                warning=True,
            )
            reported = m.notna() & pd.Series(unknown)
            typed.loc[reported, "notes"] = [
                join_note(note, f"munition reported as {key!r}")
                for note, key in zip(typed.loc[reported, "notes"], m[reported], strict=True)
            ]
            typed.loc[unknown, "munition"] = UNKNOWN
    for low, high in ent.ordered:
        lo, hi = typed[low], typed[high]
        both = (lo.notna() & hi.notna()).to_numpy(bool)
        order = np.zeros(len(lo), bool)
        order[both] = hi[both].to_numpy() < lo[both].to_numpy()
        dated = ent.field(high).kind == "date"
        message = N_("is before {field}") if dated else N_("is less than {field}")
        out.add(order, high, hi.to_numpy(), message, field=low)
    for name, other, value in ent.needed_when:
        lacking = ((typed[other] == value) & typed[name].isna()).to_numpy(bool)
        out.add(
            lacking, name, None, N_("is needed where {field} is {value}"), field=other, value=value
        )
    for total, parts in ent.parts:
        given = typed[list(parts)]
        summed = given.fillna(0).sum(axis=1).where(given.notna().any(axis=1))
        over = (summed > typed[total]).fillna(False).to_numpy(bool)
        out.add(
            over,
            total,
            typed[total].to_numpy(),
            N_("is less than {field}"),
            field=" + ".join(parts),
        )
    if ent.name == "strikes":
        c, lo, hi = typed["carriers"], typed["carriers_min"], typed["carriers_max"]
        none = (c.isna() & (lo.isna() | hi.isna())).to_numpy() & out.unflagged("carriers", len(c))
        out.add(none, "carriers", None, N_("give carriers, or both carriers_min and carriers_max"))
        clash = (c.notna() & ((lo.notna() & (lo != c)) | (hi.notna() & (hi != c)))).fillna(False)
        out.add(
            clash.to_numpy(bool), "carriers", c.to_numpy(), N_("disagrees with carriers_min/max")
        )
        typed["carriers_min"] = lo.fillna(c)
        typed["carriers_max"] = hi.fillna(c)
        same = typed["carriers_min"] == typed["carriers_max"]
        typed["carriers"] = c.fillna(typed["carriers_min"].where(same.fillna(False)))
    if ent.name == "activities":
        kinds, outcomes = typed["type"].to_numpy(), typed["outcome"].to_numpy()
        refused = np.array(
            [
                k is not None and o is not None and o not in ALLOWED_OUTCOMES[k]
                for k, o in zip(kinds, outcomes, strict=True)
            ],
            dtype=bool,
        )
        for i in np.flatnonzero(refused):
            allowed = " / ".join(ALLOWED_OUTCOMES[kinds[i]])
            out.add_one(
                i,
                "outcome",
                outcomes[i],
                N_("a {kind} activity can only be {allowed}"),
                kind=kinds[i],
                allowed=allowed,
            )


def missing(value) -> bool:
    """Whether a value stands for "not given": None, pandas' NA or a float NaN.

    >>> [missing(v) for v in (None, float("nan"), pd.NA, 0, "", [1])]
    [True, True, True, False, False, False]
    """
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def join_note(note, extra: str) -> str:
    """A record's notes with ``extra`` added (or ``extra`` alone where there were none)."""
    return extra if note is None or pd.isna(note) else f"{note}; {extra}"


def _check_geometry(ent: Entity, geometry, n: int, out: _Collector) -> np.ndarray:
    geoms = np.full(n, None, object) if geometry is None else np.asarray(geometry, object)
    if len(geoms) != n:
        raise ValueError(f"{n} rows but {len(geoms)} geometries")
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    out.add(missing, "geometry", None, N_("has no geometry (give lon/lat, wkt or a geometry)"))
    vertices = shapely.get_num_coordinates(geoms)
    many = vertices > MAX_VERTICES
    out.add(
        many,
        "geometry",
        vertices,
        N_("has more than {limit} vertices; simplify it"),
        limit=f"{MAX_VERTICES:,}",
    )
    xyz, of = shapely.get_coordinates(blanked(geoms, many), include_z=True, return_index=True)
    nonfinite = np.zeros(n, bool)
    np.logical_or.at(nonfinite, of, ~np.isfinite(xyz[:, :2]).all(axis=1))
    out.add(
        nonfinite,
        "geometry",
        None,
        N_("coordinates must be finite numbers (not NaN or infinity)"),
    )
    missing |= many | nonfinite
    with_z = ~missing & shapely.has_z(geoms)
    out.add(with_z, "geometry", None, N_("height (z) dropped: records are 2-D"), warning=True)
    if with_z.any():
        geoms = np.where(with_z, shapely.force_2d(geoms), geoms)
    types = shapely.get_type_id(geoms)
    if ent.geometry == "POINT":
        wrong = ~missing & (types != shapely.GeometryType.POINT)
    else:
        poly = np.flatnonzero(types == shapely.GeometryType.POLYGON)
        geoms = geoms.copy()
        geoms[poly] = shapely.multipolygons(geoms[poly], indices=np.arange(len(poly)))
        wrong = ~missing & ~np.isin(types, [shapely.GeometryType.POLYGON, 6])
    names = np.full(n, None, object)
    names[wrong] = [g.geom_type for g in geoms[wrong]]
    out.add(
        wrong, "geometry", names, N_("must be a {geometry}"), geometry=str(ent.geometry).lower()
    )
    ok = _check_coordinates(geoms, ~missing & ~wrong, out)
    if ent.geometry == "MULTIPOLYGON":
        _check_polygons(geoms, ok, out)
    return geoms


def _check_coordinates(geoms: np.ndarray, ok: np.ndarray, out: _Collector) -> np.ndarray:
    """Report coordinates outside EPSG:4326's range; return which geometries are in it."""
    bounds = shapely.bounds(blanked(geoms, ~ok))
    with np.errstate(invalid="ignore"):
        bad_lon = ok & ((bounds[:, 0] < -180) | (bounds[:, 2] > 180))
        bad_lat = ok & ((bounds[:, 1] < -90) | (bounds[:, 3] > 90))
        swapped = (
            bad_lat
            & ~bad_lon
            & (bounds[:, 0] >= -90)
            & (bounds[:, 2] <= 90)
            & (bounds[:, 1] >= -180)
            & (bounds[:, 3] <= 180)
        )
    text = np.full(len(geoms), None, object)
    off = bad_lon | bad_lat
    text[off] = shapely.to_wkt(geoms[off], rounding_precision=6)
    out.add(swapped, "geometry", text, N_("latitude out of range: lon and lat look swapped"))
    out.add(
        (bad_lon | bad_lat) & ~swapped,
        "geometry",
        text,
        N_("coordinates out of range for EPSG:4326 (is the file's CRS right?)"),
    )
    return ok & ~(bad_lon | bad_lat)


def _check_polygons(geoms: np.ndarray, ok: np.ndarray, out: _Collector):
    """GICHD geocheck rules: valid, at least 3 vertices, no vertex gap over 5 km."""
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return
    g, n = geoms[idx], len(geoms)
    parts, part_of = shapely.get_parts(g, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    ring_geom = part_of[ring_of]
    few = np.zeros(len(g), bool)
    distinct = shapely.get_num_coordinates(shapely.remove_repeated_points(rings)) - 1
    np.logical_or.at(few, ring_geom, distinct < 3)
    out.add(_expand(few, idx, n), "geometry", None, N_("a ring has fewer than 3 vertices"))
    valid = shapely.is_valid(g)
    reasons = shapely.is_valid_reason(blanked(g, valid))
    out.add(
        _expand(~valid & ~few, idx, n),
        "geometry",
        _expand_values(reasons, idx, n),
        N_("invalid polygon"),
    )
    xy, of_ring = shapely.get_coordinates(rings, return_index=True)
    same = of_ring[1:] == of_ring[:-1]
    _, _, dist = _GEOD.inv(xy[:-1, 0][same], xy[:-1, 1][same], xy[1:, 0][same], xy[1:, 1][same])
    far_ring = of_ring[:-1][same][dist > MAX_VERTEX_GAP_M]
    far = np.zeros(len(g), bool)
    far[ring_geom[far_ring]] = True
    gaps = np.zeros(len(g))
    np.maximum.at(gaps, ring_geom[of_ring[:-1][same]], dist)
    out.add(
        _expand(far, idx, n),
        "geometry",
        _expand_values(np.round(gaps / 1000, 1), idx, n),
        N_("consecutive vertices more than {limit} km apart (km)"),
        limit=f"{MAX_VERTEX_GAP_M / 1000:g}",
    )


def _expand(mask, idx, n):
    full = np.zeros(n, bool)
    full[idx] = mask
    return full


def _expand_values(values, idx, n):
    full = np.full(n, None, object)
    full[idx] = values
    return full


def _ids(ent: Entity, typed: pd.DataFrame, geoms: np.ndarray | None) -> pd.Series:
    """Keep given ids; make the others from the external id, else the record's content.

    Either way a re-import of the same file or export matches what is stored.
    """
    ids = typed["id"].copy()
    external = ids.isna().to_numpy() & typed["external_id"].notna().to_numpy()
    if external.any():
        keys = typed.loc[external, "external_system"].fillna("") + "\x1f"
        keys = keys + typed.loc[external, "external_id"].astype(str)
        ids[external] = [
            f"{ent.prefix}-{hashlib.sha1(f'external|{k}'.encode()).hexdigest()[:12]}" for k in keys
        ]
    missing = ids.isna().to_numpy()
    if missing.any():
        wkb = (
            shapely.to_wkb(geoms[missing], hex=True)
            if geoms is not None
            else np.full(missing.sum(), "")
        )
        cols = [f.name for f in ent.fields if f.name != "id"]
        columns = [typed.loc[missing, c].tolist() for c in cols]
        values = ["\x1f".join(map(str, row)) for row in zip(*columns, strict=True)]
        ids[missing] = [
            f"{ent.prefix}-{hashlib.sha1(f'{v}|{w}'.encode()).hexdigest()[:12]}"
            for v, w in zip(values, wkb, strict=True)
        ]
    return ids


def _check_duplicates(ent: Entity, typed: pd.DataFrame, geoms, out: _Collector):
    first: dict[object, int] = {}
    dup_of = np.full(len(typed), -1)
    for i, key in enumerate(typed["id"]):
        dup_of[i] = first.setdefault(key, i)
    repeat = dup_of != np.arange(len(typed))
    ids = typed["id"].to_numpy()
    for j in np.flatnonzero(repeat):
        out.add_one(j, "id", ids[j], N_("repeats the id of row {row}"), row=out.rows[dup_of[j]])
    if ent.geometry == "MULTIPOLYGON" and geoms is not None:
        keys = shapely.to_wkb(shapely.normalize(geoms))
        seen: dict[bytes, int] = {}
        for i, k in enumerate(keys):
            if k is None or repeat[i]:
                continue
            first_at = seen.setdefault(k, i)
            if first_at != i:
                out.add_one(
                    i,
                    "geometry",
                    None,
                    N_("duplicates the geometry of row {row}"),
                    row=out.rows[first_at],
                )


def metres_outside(points: np.ndarray, areas: np.ndarray) -> np.ndarray:
    """Metres (on the WGS 84 ellipsoid) from each point to its area; 0 inside, NaN if none.

    >>> square = shapely.box(35.0, 33.0, 35.01, 33.01)
    >>> metres_outside(np.array([shapely.Point(35.005, 33.005), shapely.Point(35.01, 33.02),
    ...                         shapely.Point(33.005, 35.005), None]),
    ...               np.array([square, square, square, square])).round(-1).tolist()
    [0.0, 1110.0, 287960.0, nan]
    """
    metres = np.full(len(points), np.nan)
    given = ~(shapely.is_missing(points) | shapely.is_empty(points))
    given &= ~(shapely.is_missing(areas) | shapely.is_empty(areas))
    shapely.prepare(areas[given])  # each area once, however many points name it
    inside = np.zeros(len(points), bool)
    inside[given] = shapely.intersects(areas[given], points[given])
    metres[inside] = 0.0
    outside = given & ~inside
    ends = shapely.get_coordinates(shapely.shortest_line(points[outside], areas[outside]))
    ends = ends.reshape(-1, 4)
    metres[outside] = _GEOD.inv(ends[:, 0], ends[:, 1], ends[:, 2], ends[:, 3])[2]
    return metres
