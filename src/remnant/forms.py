"""Field forms: XLSForms made from remnant's rules, and their submissions read back.

A form is generated for one layer from :mod:`remnant.entities` — the one source of the
rules — so the phone asks for what the gate will check: types, required fields, ranges,
dates, choice lists from the enumerations (and the store's munition keys), a geopoint or
geoshape for the geometry. The XLSForm layout (sheets ``survey``, ``choices``,
``settings``; ``label::Language (code)`` columns) is the one ODK and KoboToolbox read
(https://xlsform.org); the tests compile every form with pyxform.

Labels come from :mod:`remnant.labels` (English), which a programme extends with its own
languages and wording (``labels=`` / ``--labels``).

Submissions come back as ODK Central and KoboToolbox export them (see docs/forms.md):

* ODK Central (the ODK Briefcase CSV layout): groups joined by ``-`` (``meta-instanceID``),
  a geopoint split into ``NAME-Latitude``, ``-Longitude``, ``-Altitude``, ``-Accuracy``,
  a geoshape as ``lat lon alt acc;…``, the instance id in ``KEY``/``meta-instanceID``;
* KoboToolbox ("XML values and headers"): groups joined by ``/``, ``;``-separated CSV or
  XLSX, a geopoint as ``lat lon alt acc`` with ``_NAME_latitude`` … ``_NAME_precision``,
  the instance id in ``_uuid``.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from remnant import labels as labels_file
from remnant import records
from remnant.errors import InputError, InvalidRecordsError, Problem
from remnant.gate import Submission

__all__ = [
    "GPS_SIGMA",
    "FormLayout",
    "build_form",
    "import_submissions",
    "read_submissions",
    "write_form",
]

# Android and so ODK report a fix's accuracy as the radius of a 68 % circle; for a
# circular normal error that radius is sqrt(-2 ln 0.32) ≈ 1.51 standard deviations per
# axis, the measure remnant's accuracy_m holds (docs/forms.md).
GPS_SIGMA = 1.0 / np.sqrt(-2.0 * np.log(0.32))
LANGUAGE_NAMES = {
    "en": "English",
    "uk": "Українська",
    "lo": "ລາວ",
    "vi": "Tiếng Việt",
    "ar": "العربية",
    "fr": "Français",
    "es": "Español",
}
GEOMETRY = {"POINT": ("location", "geopoint"), "MULTIPOLYGON": ("area", "geoshape")}
_LEFT_OUT = ("external_id", "external_system")  # set by the import, not asked for
_YES_NO = ("true", "false")


@dataclass(frozen=True)
class FormLayout:
    """What an import needs of a generated form: its layer, fields and geometry question."""

    layer: str
    fields: tuple[str, ...]
    geometry: str | None  # the geopoint/geoshape question's name


def build_form(
    layer: str,
    *,
    languages=("en",),
    munitions: dict[str, str] | None = None,
    labels: str | Path | None = None,
) -> dict[str, pd.DataFrame]:
    """The XLSForm of ``layer`` as its three sheets: survey, choices, settings.

    ``munitions`` gives the catalogue's keys and names (the munition question's choices,
    named in every language by the catalogue's name unless a labels file says otherwise).

    >>> sheets = build_form("strikes", munitions={"m77_m26": "M77 in M26 rocket"})
    >>> survey = sheets["survey"].set_index("name")
    >>> survey.loc[["date", "source_class", "location"], ["type", "required"]].values.tolist()
    [['date', ''], ['select_one source_class', 'yes'], ['geopoint', 'yes']]
    >>> survey.at["azimuth_deg", "constraint"]
    '. >= 0 and . <= 360'
    """
    ent = records.entity(layer)
    known = labels_file.load(labels)
    missing = [lang for lang in languages if lang not in known]
    if missing:
        raise InputError(
            f"no form labels in {', '.join(missing)}; add them to a labels file "
            "(docs/forms.md) and pass it with {option}",
            option="labels",
        )
    columns = {lang: f"label::{LANGUAGE_NAMES.get(lang, lang)} ({lang})" for lang in languages}

    def label(part: str, key: str, name: str) -> dict:
        out = {}
        for lang, column in columns.items():
            given = known[lang].get(part, {}).get(key, {})
            text = given.get(name) if isinstance(given, dict) else None
            out[column] = text or (
                known["en"].get(part, {}).get(key, {}).get(name) or labels_file.words(name)
            )
        return out

    survey, choices = [], []
    lists: dict[str, tuple[str, ...]] = {}
    for f in ent.fields:
        if f.name in _LEFT_OUT:
            continue
        row = {"name": f.name, "required": "yes" if f.required else "", "constraint": ""}
        row |= label("fields", layer, f.name)
        if "en" in columns:  # what the field means, from the rules (English only)
            row[columns["en"].replace("label::", "hint::")] = f.doc
        if f.name == "munition":
            lists["munition"] = tuple(sorted(set(munitions or {}) | {"unknown"}))
            row["type"] = "select_one munition"
        elif f.choices:
            lists[f.name] = f.choices
            row["type"] = f"select_one {f.name}"
        elif f.kind == "boolean":
            lists["yes_no"] = _YES_NO
            row["type"] = "select_one yes_no"
        else:
            row["type"] = {"integer": "integer", "real": "decimal", "date": "date"}.get(
                f.kind, "text"
            )
        rules = []
        if f.minimum is not None:
            rules.append(f". >= {f.minimum:g}")
        if f.maximum is not None:
            rules.append(f". <= {f.maximum:g}")
        if f.kind == "date":
            rules += [f". >= date('{records.EARLIEST_DATE.isoformat()}')", ". <= today()"]
        row["constraint"] = " and ".join(rules)
        survey.append(row)
    if ent.geometry:
        name, kind = GEOMETRY[ent.geometry]
        survey.append(
            {"type": kind, "name": name, "required": "yes", "constraint": ""}
            | label("fields", layer, name)
        )
    names = known["en"].setdefault("choices", {}).setdefault("munition", {})
    for key, name in (munitions or {}).items():  # the catalogue names its entries
        names.setdefault(key, name)
    for list_name, values in lists.items():
        for value in values:
            choices.append(
                {"list_name": list_name, "name": value, **label("choices", list_name, value)}
            )
    settings = {
        "form_title": f"remnant: {ent.name.replace('_', ' ')}",
        "form_id": f"remnant_{layer}",
        "version": dt.date.today().strftime("%Y%m%d"),
        "default_language": f"{LANGUAGE_NAMES.get(languages[0], languages[0])} ({languages[0]})",
    }
    return {
        "survey": pd.DataFrame(survey).fillna(""),
        "choices": pd.DataFrame(choices),
        "settings": pd.DataFrame([settings]),
    }


def write_form(path: str | Path, layer: str, **options) -> Path:
    """Write ``layer``'s XLSForm to ``path`` (.xlsx); ``options`` as :func:`build_form`."""
    path = Path(path)
    with pd.ExcelWriter(path, engine="openpyxl") as out:
        for sheet, frame in build_form(layer, **options).items():
            frame.to_excel(out, sheet_name=sheet, index=False)
    return path


def form_layout(path: str | Path) -> FormLayout:
    """The layer, fields and geometry question of a form :func:`write_form` made."""
    path = Path(path)
    try:
        sheets = pd.read_excel(path, sheet_name=["survey", "settings"], dtype=str)
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"not an XLSForm: {exc}", file=path.name) from None
    form_id = str(sheets["settings"].get("form_id", pd.Series([""])).iloc[0])
    layer = form_id.removeprefix("remnant_")
    if not form_id.startswith("remnant_") or layer not in records.ENTITIES:
        raise InputError(
            f"form_id {form_id!r} is not one of remnant's forms (remnant forms makes them)",
            file=path.name,
        )
    survey = sheets["survey"].fillna("")
    names = tuple(survey["name"])
    geo = [
        n
        for n, t in zip(survey["name"], survey["type"], strict=True)
        if t in ("geopoint", "geoshape")
    ]
    ent = records.entity(layer)
    return FormLayout(
        layer, tuple(n for n in names if n in ent.field_names), geo[0] if geo else None
    )


def read_submissions(path: str | Path, form: str | Path) -> tuple[str, Submission]:
    """The records in an ODK Central or KoboToolbox export of a form made by remnant.

    Returns the layer and a :class:`~remnant.gate.Submission` whose ``external_id`` is
    each submission's instance id (``external_system``: ``odk`` or ``kobo``) and whose
    ``id`` is that instance id where the form's id was left blank.
    """
    path = Path(path)
    layout = form_layout(form)
    raw = _read_table(path)
    columns = {_last(c): c for c in raw.columns}
    kobo = "_uuid" in raw.columns
    frame = pd.DataFrame(index=raw.index)
    for name in layout.fields:
        if name in columns:
            frame[name] = raw[columns[name]]
    instance = raw[columns.get("_uuid") if kobo else _instance_column(raw, path)]
    frame["external_id"] = instance
    frame["external_system"] = "kobo" if kobo else "odk"
    if "id" in frame:
        frame["id"] = frame["id"].where(frame["id"].fillna("").str.strip() != "", instance)
    else:
        frame["id"] = instance
    geometry = None
    rows = np.arange(2, len(raw) + 2)  # the header is row 1 of the file
    if layout.geometry is not None:
        geometry, sigma = _geometry(raw, layout.geometry, path.name)
        ent = records.entity(layout.layer)
        if "accuracy_m" in ent.field_names and sigma is not None:
            given = frame.get("accuracy_m", pd.Series([None] * len(frame), index=frame.index))
            blank = given.isna() | (given.astype(str).str.strip() == "")
            frame["accuracy_m"] = given.where(~blank, pd.Series(sigma, index=frame.index).round(1))
    return layout.layer, Submission(path.name, frame.reset_index(drop=True), geometry, rows)


def _read_table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError("no such file", file=path)
    try:
        if suffix == ".xlsx":
            return pd.read_excel(path, sheet_name=0, dtype=str)
        if suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                dialect = csv.Sniffer().sniff(handle.readline(), delimiters=",;")
            return pd.read_csv(path, dtype=str, sep=dialect.delimiter, encoding="utf-8-sig")
    except (OSError, ValueError, csv.Error, UnicodeDecodeError) as exc:
        raise InputError(f"not a readable export: {exc}", file=path.name) from None
    raise InputError(f"submissions come as .csv or .xlsx, not {suffix!r}", file=path.name)


def _last(column: str) -> str:
    """A column's field name without its groups (``group-field``, ``group/field``).

    >>> _last("survey/munition"), _last("details-carriers"), _last("_uuid")
    ('munition', 'carriers', '_uuid')
    """
    return column.replace("/", "-").rsplit("-", 1)[-1]


def _instance_column(raw: pd.DataFrame, path: Path) -> str:
    for name in ("meta-instanceID", "KEY", "instanceID", "meta/instanceID"):
        if name in raw.columns:
            return name
    raise InputError(
        "no instance id column (meta-instanceID or KEY from ODK Central, _uuid from "
        "KoboToolbox): export the submissions as those servers do",
        file=path.name,
    )


def _geometry(raw: pd.DataFrame, name: str, file: str):
    """Shapes in EPSG:4326 and, for points, each fix's σ per axis (m) from its accuracy."""
    parts = {}
    for part, odk, kb in (
        ("lat", "Latitude", "latitude"),
        ("lon", "Longitude", "longitude"),
        ("acc", "Accuracy", "precision"),
    ):
        found = [
            c for c in raw.columns if c.endswith(f"{name}-{odk}") or c.endswith(f"_{name}_{kb}")
        ]
        if found:
            parts[part] = pd.to_numeric(raw[found[0]], errors="coerce").to_numpy(float)
    whole = [c for c in raw.columns if _last(c) == name]
    if "lat" in parts and "lon" in parts:
        geoms = shapely.points(parts["lon"], parts["lat"])
        geoms = records.blanked(geoms, np.isnan(parts["lon"]) | np.isnan(parts["lat"]))
        sigma = parts["acc"] * GPS_SIGMA if "acc" in parts else None
        return geoms, sigma
    if not whole:
        raise InputError(f"no column for the form's {name!r} question", file=file)
    text = raw[whole[0]].fillna("").astype(str).to_numpy()
    geoms = np.array([_shape(t) for t in text], dtype=object)
    sigma = None
    if all(g is None or g.geom_type == "Point" for g in geoms):
        acc = [float(t.split()[3]) if len(t.split()) > 3 else np.nan for t in text]
        sigma = np.asarray(acc) * GPS_SIGMA
    return geoms, sigma


def _shape(text: str):
    """A geopoint or geoshape as ODK writes it: ``lat lon alt acc`` (``;`` between points).

    >>> _shape("33.3 35.5 120 5").wkt, _shape("")
    ('POINT (35.5 33.3)', None)
    >>> _shape("33 35 0 0;33 35.01 0 0;33.01 35.01 0 0;33 35 0 0;").geom_type
    'MultiPolygon'
    """
    points = [p.split() for p in text.strip().strip(";").split(";") if p.strip()]
    try:
        xy = [(float(p[1]), float(p[0])) for p in points]
    except (ValueError, IndexError):
        return shapely.Point()  # the gate reports an empty geometry
    if not xy:
        return None
    if len(xy) == 1:
        return shapely.Point(xy[0])
    if len(xy) < 4:
        return shapely.Point()
    return shapely.MultiPolygon([shapely.Polygon(xy)])


@dataclass
class SubmissionsReport:
    """What an import of submissions did: proposals made, and the refused ones."""

    file: str
    layer: str
    read: int
    pending: list[str]  # new proposals, waiting for an admin
    problems: list[Problem]

    def __str__(self) -> str:
        text = f"{self.file}: {self.read} submissions of {self.layer}, "
        text += f"{len(self.pending)} new waiting for review"
        if self.problems:
            text += f", {len({p.row for p in self.problems})} refused"
        return text


def import_submissions(
    store, path: str | Path, form: str | Path, *, user: str, skip_invalid: bool = False
) -> SubmissionsReport:
    """Queue the submissions in an export of ``form`` for review, through the gate.

    Each submission becomes a pending insert (:mod:`remnant.store.review`): an admin
    approves it before it reaches a map. The gate's verdict is that of every door; any
    problem refuses the whole file unless ``skip_invalid``, which queues the good
    submissions and reports the others. Importing the same export again adds nothing.
    """
    layer, offered = read_submissions(path, form)
    queue = store.reviews("pending")
    before = set(queue.loc[queue["layer"] == layer, "record_id"]) if len(queue) else set()
    try:
        pending = store.propose(layer, "insert", user=user, offered=offered)
        problems: list[Problem] = []
    except InvalidRecordsError as refused:
        if not skip_invalid:
            raise
        problems = refused.problems
        bad = np.isin(offered.rows, sorted({p.row for p in problems}))
        good = Submission(
            offered.file,
            offered.frame[~bad].reset_index(drop=True),
            None if offered.geometry is None else offered.geometry[~bad],
            offered.rows[~bad],
        )
        pending = store.propose(layer, "insert", user=user, offered=good) if len(good.rows) else []
    new = [i for i in pending if i not in before]
    return SubmissionsReport(Path(path).name, layer, len(offered.rows), new, problems)
