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
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import shapely

from remnant import csvdialect, records
from remnant import labels as labels_file
from remnant.entities import ALLOWED_OUTCOMES
from remnant.errors import InputError, Problem
from remnant.gate import Submission
from remnant.translate import LANGUAGES, N_

__all__ = [
    "GPS_SIGMA",
    "REPEATS",
    "FormLayout",
    "Repeat",
    "SubmissionsReport",
    "build_form",
    "form_layout",
    "import_submissions",
    "read_submissions",
    "write_form",
]

# Android and so ODK report a fix's accuracy as the radius of a 68 % circle; for a
# circular normal error that radius is sqrt(-2 ln 0.32) ≈ 1.51 standard deviations per
# axis, the measure remnant's accuracy_m holds (docs/forms.md).
GPS_SIGMA = 1.0 / np.sqrt(-2.0 * np.log(0.32))
GEOMETRY = {"POINT": ("location", "geopoint"), "MULTIPOLYGON": ("area", "geoshape")}
_LEFT_OUT = ("external_id", "external_system")  # set by the import, not asked for
# Every form may take a photo, kept with the record it came with (docs/attachments.md);
# the phone scales it to 2048 pixels on its longer side, well inside the size limit.
PHOTO = "photo"
PHOTO_HINT = "a photo of what you record; kept with the record once it is approved"
_YES_NO = ("true", "false")


class Repeat(NamedTuple):
    """Records of ``layer`` asked for inside the form of the record they belong to."""

    layer: str  # the repeated layer, e.g. victims
    parent: str  # its field naming the record of the form, e.g. accident
    prefix: str  # before its fields' names, which must differ from the form's own


# An accident's form asks for its victims, one repeat each (as MDR-based forms do).
REPEATS = {"accidents": Repeat("victims", "accident", "victim_")}


@dataclass(frozen=True)
class FormLayout:
    """What an import needs of a generated form: its layer, questions and labels.

    ``names`` maps every label the form gives a question (any language) to its name,
    ``choices`` each question's choice labels to values: KoboToolbox exports may carry
    labels instead of names.
    """

    layer: str
    fields: tuple[str, ...]
    geometry: str | None  # the geopoint/geoshape question's name
    repeat: Repeat | None
    names: dict[str, str]
    choices: dict[str, dict[str, str]]


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
    Rules that tie fields together (``Entity.ordered``, ``needed_when``, the outcomes an
    activity type allows) become constraints, conditional requirements and a choice
    filter, so the phone refuses what the gate would.

    >>> sheets = build_form("strikes", munitions={"m77_m26": "M77 in M26 rocket"})
    >>> survey = sheets["survey"].set_index("name")
    >>> survey.loc[["date", "source_class", "location"], ["type", "required"]].values.tolist()
    [['date', ''], ['select_one source_class', 'yes'], ['geopoint', 'yes']]
    >>> survey.at["azimuth_deg", "constraint"]
    '. >= 0 and . <= 360'
    >>> survey.at["carriers_max", "constraint"]
    ". >= 1 and (${carriers_min} = '' or . >= ${carriers_min})"
    """
    known = labels_file.load(labels)
    missing = [lang for lang in languages if lang not in known]
    if missing:
        raise InputError(
            N_(
                "no form labels in {missing}; add them to a labels file (docs/forms.md) and pass "
                "it with {option}"
            ),
            option="labels",
            missing=", ".join(missing),
        )
    columns = {lang: f"label::{LANGUAGES.get(lang, lang)} ({lang})" for lang in languages}

    def label(part: str, group: str, name: str) -> dict:
        return {c: labels_file.label(known, part, group, name, lang) for lang, c in columns.items()}

    ent = records.entity(layer)
    lists: dict[str, tuple[str, ...]] = {}
    survey = _questions(ent, label, lists, columns, munitions)
    if ent.geometry:
        name, kind = GEOMETRY[ent.geometry]
        survey.append(
            {"type": kind, "name": name, "required": "yes"} | label("fields", layer, name)
        )
    photo = {"type": "image", "name": PHOTO, "required": "", "parameters": "max-pixels=2048"}
    survey.append(photo | label("fields", layer, PHOTO) | _hints(columns, PHOTO_HINT))
    if layer in REPEATS:
        child = REPEATS[layer]
        survey.append(
            {"type": "begin_repeat", "name": child.layer} | label("fields", layer, child.layer)
        )
        survey += _questions(
            records.entity(child.layer),
            label,
            lists,
            columns,
            munitions,
            child.prefix,
            child.parent,
        )
        survey.append({"type": "end_repeat", "name": ""})
    names = known["en"].setdefault("choices", {}).setdefault("munition", {})
    for key, name in (munitions or {}).items():  # the catalogue names its entries
        names.setdefault(key, name)
    choices = []
    for list_name, values in lists.items():
        for value in values:
            row = {"list_name": list_name, "name": value, **label("choices", list_name, value)}
            if (layer, list_name) == ("activities", "outcome"):  # the choice filter's column
                row["for_type"] = " ".join(k for k, v in ALLOWED_OUTCOMES.items() if value in v)
            choices.append(row)
    settings = {
        "form_title": f"remnant: {ent.name.replace('_', ' ')}",
        "form_id": f"remnant_{layer}",
        "version": dt.date.today().strftime("%Y%m%d"),
        "default_language": f"{LANGUAGES.get(languages[0], languages[0])} ({languages[0]})",
    }
    return {
        "survey": pd.DataFrame(survey).fillna(""),
        "choices": pd.DataFrame(choices).fillna(""),
        "settings": pd.DataFrame([settings]),
    }


def _questions(ent, label, lists, columns, munitions, prefix="", parent=None) -> list[dict]:
    """The survey rows asking for ``ent``'s fields (names after ``prefix``)."""
    rows = []
    for f in ent.fields:
        if f.name in _LEFT_OUT or f.derived or f.name == parent:
            continue
        row = {"name": prefix + f.name, "required": "yes" if f.required else ""}
        row |= label("fields", ent.name, f.name) | _hints(columns, f.doc)
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
        for low, high in ent.ordered:
            if f.name == high:
                rules.append(f"(${{{prefix}{low}}} = '' or . >= ${{{prefix}{low}}})")
        for total, parts in ent.parts:
            if f.name == total:
                added = " + ".join(f"coalesce(${{{prefix}{p}}}, 0)" for p in parts)
                rules.append(f". >= {added}")
        row["constraint"] = " and ".join(rules)
        for name, other, value in ent.needed_when:
            if f.name == name:
                row["required"] = f"${{{prefix}{other}}} = '{value}'"
        if (ent.name, f.name) == ("activities", "outcome"):
            row["choice_filter"] = f"selected(for_type, ${{{prefix}type}})"
        rows.append(row)
    return rows


def _hints(columns: dict[str, str], text: str) -> dict[str, str]:
    """What a question means, from the rules: in English, in every language's hint column.

    The rules' wording is English only; a language without it would miss the column, so
    each shows the English, as a label without a translation does.
    """
    return {c.replace("label::", "hint::"): text for c in columns.values()}


def write_form(path: str | Path, layer: str, **options) -> Path:
    """Write ``layer``'s XLSForm to ``path`` (.xlsx); ``options`` as :func:`build_form`."""
    path = Path(path)
    with pd.ExcelWriter(path, engine="openpyxl") as out:
        for sheet, frame in build_form(layer, **options).items():
            frame.to_excel(out, sheet_name=sheet, index=False)
    return path


def form_layout(path: str | Path) -> FormLayout:
    """The layer, questions and labels of a form :func:`write_form` made."""
    path = Path(path)
    try:
        sheets = pd.read_excel(path, sheet_name=["survey", "choices", "settings"], dtype=str)
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(N_("not an XLSForm: {exc}"), file=path.name, exc=exc) from None
    form_id = str(sheets["settings"].get("form_id", pd.Series([""])).iloc[0])
    layer = form_id.removeprefix("remnant_")
    if not form_id.startswith("remnant_") or layer not in records.ENTITIES:
        raise InputError(
            N_("form_id {form_id!r} is not one of remnant's forms (remnant forms makes them)"),
            file=path.name,
            form_id=form_id,
        )
    survey = sheets["survey"].fillna("")
    label_columns = [c for c in survey.columns if c == "label" or c.startswith("label::")]
    names = {survey.at[i, c]: survey.at[i, "name"] for c in label_columns for i in survey.index}
    by_list: dict[str, dict[str, str]] = {}
    for _, row in sheets["choices"].fillna("").iterrows():
        for c in label_columns:
            by_list.setdefault(row["list_name"], {})[row.get(c, "")] = row["name"]
    choices = {
        name: by_list.get(kind.split()[1], {})
        for name, kind in zip(survey["name"], survey["type"], strict=True)
        if kind.startswith("select_one ")
    }
    geo = [
        n
        for n, t in zip(survey["name"], survey["type"], strict=True)
        if t in ("geopoint", "geoshape")
    ]
    repeat = REPEATS.get(layer)
    if repeat is not None and repeat.layer not in set(survey["name"]):
        repeat = None
    fields = set(records.entity(layer).field_names)
    return FormLayout(
        layer,
        tuple(n for n in survey["name"] if n in fields),
        geo[0] if geo else None,
        repeat,
        {k: v for k, v in names.items() if k},
        choices,
    )


def read_submissions(path: str | Path, form: str | Path) -> list[tuple[str, Submission]]:
    """The records in an ODK Central or KoboToolbox export of a form made by remnant.

    Returns ``(layer, submission)`` for the form's layer and, where the form has a
    repeat, for the repeated layer. Each record's ``external_id`` is its submission's
    instance id (``external_system``: ``odk`` or ``kobo``), a repeat's that id with
    ``/NAME[n]`` after it (ODK's KEY); its ``id`` is that external id where the form's
    id was left blank.
    """
    return _submissions(_read_export(path, form))


class _Export(NamedTuple):
    """An export as read once: its form, tables, main table and the records' ids."""

    path: Path
    layout: FormLayout
    tables: dict[str, pd.DataFrame]
    raw: pd.DataFrame
    kobo: bool
    instance: pd.Series
    frame: pd.DataFrame
    rows: np.ndarray


def _read_export(path: str | Path, form: str | Path) -> _Export:
    path = Path(path)
    layout = form_layout(form)
    tables = _read_tables(path, layout)
    raw = _named(next(iter(tables.values())), layout)
    kobo = "_uuid" in raw.columns
    instance = raw["_uuid"] if kobo else raw[_instance_column(raw, path)]
    frame, rows = _values(raw, layout.layer, layout, "", instance, kobo)
    return _Export(path, layout, tables, raw, kobo, instance, frame, rows)


def _submissions(export: _Export) -> list[tuple[str, Submission]]:
    path, layout, raw, frame = export.path, export.layout, export.raw, export.frame
    if layout.geometry is not None:
        geometry, sigma = _geometry(raw, layout.geometry, path.name)
        if "accuracy_m" in records.entity(layout.layer).field_names and sigma is not None:
            given = frame.get("accuracy_m", pd.Series(None, index=frame.index, dtype=object))
            blank = given.isna() | (given.astype(str).str.strip() == "")
            frame["accuracy_m"] = given.where(~blank, pd.Series(sigma, index=frame.index).round(1))
    else:
        geometry = None
    parts = [(layout.layer, Submission(path.name, frame, geometry, export.rows))]
    if layout.repeat is not None and _has_repeats(raw, export.tables, layout.repeat, export.kobo):
        parent_ids = dict(zip(export.instance, frame["id"], strict=True))
        parts.append(_repeat(export.tables, layout, parent_ids, export.kobo, path.name))
    return parts


def _has_repeats(raw, tables, repeat: Repeat, kobo: bool) -> bool:
    """Whether the export may hold repeated records.

    It may where it has a sheet or file of them or a ``SET-OF-NAME`` link in ODK's main
    file; a KoboToolbox CSV cannot say.
    """
    if len(tables) > 1:
        return True
    links = [c for c in raw.columns if str(c).endswith(f"SET-OF-{repeat.layer}")]
    return kobo or any(raw[c].notna().any() for c in links)


def _values(raw, layer, layout, prefix, instance, kobo) -> tuple[pd.DataFrame, np.ndarray]:
    """The fields of ``layer`` in ``raw`` (questions named ``prefix`` + field), with ids."""
    columns = {_last(c): c for c in raw.columns}
    frame = pd.DataFrame(index=raw.index)
    for f in records.entity(layer).fields:
        column = columns.get(prefix + f.name)
        if column is not None and f.name not in _LEFT_OUT and not f.derived:
            values = raw[column]
            labelled = layout.choices.get(prefix + f.name)
            frame[f.name] = values.map(lambda v, m=labelled: m.get(v, v)) if labelled else values
    instance = pd.Series(np.asarray(instance, dtype=object), index=raw.index)
    frame["external_id"] = instance
    frame["external_system"] = "kobo" if kobo else "odk"
    given = frame["id"] if "id" in frame else pd.Series(None, index=raw.index, dtype=object)
    frame["id"] = given.where(given.fillna("").astype(str).str.strip() != "", instance)
    rows = np.arange(2, len(raw) + 2)  # the header is row 1 of the file
    return frame.reset_index(drop=True), rows


def _repeat(tables, layout, parent_ids, kobo, file) -> tuple[str, Submission]:
    """The repeated records, each naming its parent record and keyed as ODK keys them."""
    repeat = layout.repeat
    name = next((n for n in list(tables)[1:] if n.rsplit("-", 1)[-1] == repeat.layer), None)
    if name is None:
        raise InputError(
            N_(
                "the form has a {layer!r} repeat but the export has no sheet or file for it: "
                "export ODK Central's submissions as a .zip of CSV files, KoboToolbox's as XLSX "
                "(its CSV export leaves repeats out)"
            ),
            file=file,
            layer=repeat.layer,
        )
    raw = _named(tables[name], layout)
    if kobo:
        parent = raw["_submission__uuid"]
        order = raw.groupby(parent, sort=False).cumcount() + 1
        key = parent + f"/{repeat.layer}[" + order.astype(str) + "]"
    else:
        parent, key = raw["PARENT_KEY"], raw["KEY"]
    frame, rows = _values(raw, repeat.layer, layout, repeat.prefix, key, kobo)
    frame[repeat.parent] = parent.map(parent_ids).to_numpy(object)
    return repeat.layer, Submission(name, frame, None, rows)


def _read_tables(path: Path, layout: FormLayout) -> dict[str, pd.DataFrame]:
    """The export's tables by name, the main one first.

    XLSX sheets; a CSV and the CSV files of its repeats beside it (``NAME-REPEAT.csv``);
    the CSV files of a .zip.
    """
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError(N_("no such file"), file=path)
    try:
        if suffix == ".xlsx":
            return pd.read_excel(path, sheet_name=None, dtype=str, **_ONLY_BLANK_IS_NA)
        if suffix == ".csv":
            tables = {path.name: _read_csv(path.read_bytes())}
            if layout.repeat is not None:
                beside = path.with_name(f"{path.stem}-{layout.repeat.layer}.csv")
                if beside.exists():
                    tables[beside.stem] = _read_csv(beside.read_bytes())
            return tables
        if suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                files = sorted(
                    (n for n in archive.namelist() if n.lower().endswith(".csv")), key=len
                )
                if not files:
                    raise ValueError("no CSV file in it")
                return {Path(n).stem: _read_csv(archive.read(n)) for n in files}
    except (OSError, ValueError, csv.Error, UnicodeDecodeError, zipfile.BadZipFile) as exc:
        raise InputError(N_("not a readable export: {exc}"), file=path.name, exc=exc) from None
    raise InputError(
        N_("submissions come as .csv, .xlsx or .zip, not {suffix!r}"), file=path.name, suffix=suffix
    )


# Text such as "NA" or "nan" is what the team entered (the gate judges it), not a blank.
_ONLY_BLANK_IS_NA = {"keep_default_na": False, "na_values": [""]}


def _read_csv(data: bytes) -> pd.DataFrame:
    text = data.decode("utf-8-sig")
    sep = csvdialect.separator(text.split("\n", 1)[0])
    return pd.read_csv(io.StringIO(text), dtype=str, sep=sep, **_ONLY_BLANK_IS_NA)


def _named(raw: pd.DataFrame, layout: FormLayout) -> pd.DataFrame:
    """``raw`` with headers that are question labels renamed to the questions' names.

    A KoboToolbox export with labels writes group labels before ``/``.

    >>> layout = FormLayout("strikes", (), "location", None, {"Where?": "location"}, {})
    >>> list(_named(pd.DataFrame(columns=["Details/Where?", "_Where?_latitude"]), layout))
    ['location', '_location_latitude']
    """
    renamed = {}
    for column in raw.columns:
        if _last(column) in layout.names.values():
            continue
        text = str(column)
        part = re.fullmatch(r"(.*/)?_(.+)_(latitude|longitude|altitude|precision)", text)
        if part and part[2] in layout.names:
            renamed[column] = f"_{layout.names[part[2]]}_{part[3]}"
        elif text in layout.names:
            renamed[column] = layout.names[text]
        elif text.rsplit("/", 1)[-1] in layout.names:
            renamed[column] = layout.names[text.rsplit("/", 1)[-1]]
    return raw.rename(columns=renamed)


def _last(column: str) -> str:
    """A column's field name without its groups (``group-field``, ``group/field``).

    >>> _last("survey/munition"), _last("details-carriers"), _last("_uuid")
    ('munition', 'carriers', '_uuid')
    """
    return str(column).replace("/", "-").rsplit("-", 1)[-1]


def _instance_column(raw: pd.DataFrame, path: Path) -> str:
    for name in ("meta-instanceID", "KEY", "instanceID", "meta/instanceID"):
        if name in raw.columns:
            return name
    raise InputError(
        N_(
            "no instance id column (meta-instanceID or KEY from ODK Central, _uuid from "
            "KoboToolbox): export the submissions as those servers do"
        ),
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
            c
            for c in raw.columns
            if str(c).endswith(f"{name}-{odk}") or str(c).endswith(f"_{name}_{kb}")
        ]
        if found:
            text = raw[found[0]].fillna("").astype(str).str.strip()
            parts[part] = pd.to_numeric(text, errors="coerce").to_numpy(float)
            parts[f"{part} blank"] = (text == "").to_numpy()
    whole = [c for c in raw.columns if _last(c) == name]
    if "lat" in parts and "lon" in parts:  # no fix where blank; the gate judges the rest
        geoms = shapely.points(parts["lon"], parts["lat"])
        geoms = records.blanked(geoms, parts["lon blank"] & parts["lat blank"])
        sigma = parts["acc"] * GPS_SIGMA if "acc" in parts else None
        return geoms, sigma
    if not whole:
        raise InputError(N_("no column for the form's {name!r} question"), file=file, name=name)
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
    """What an import of submissions did.

    Per layer, records read and proposals made (new ones, waiting for an admin); the
    refused records' problems.
    """

    file: str
    read: dict[str, int]
    pending: dict[str, list[str]]
    problems: list[Problem]
    photos: list[str] = field(default_factory=list)  # new attachments waiting for review
    photo_problems: list[str] = field(default_factory=list)  # photos missing or refused
    warnings: list[Problem] = field(default_factory=list)  # the gate's, as a write gets them

    def __str__(self) -> str:
        parts = [
            f"{n} {'submissions of ' + layer if i == 0 else layer}, "
            f"{len(self.pending.get(layer, []))} new waiting for review"
            for i, (layer, n) in enumerate(self.read.items())
        ]
        text = f"{self.file}: " + "; ".join(parts)
        if self.photos:
            text += f"; {len(self.photos)} new photo(s) waiting for review"
        if self.problems:
            text += f", {len({(p.file, p.row) for p in self.problems})} refused"
        return text


def import_submissions(
    store,
    path: str | Path,
    form: str | Path,
    *,
    user: str,
    skip_invalid: bool = False,
    media: str | Path | None = None,
) -> SubmissionsReport:
    """Queue the submissions in an export of ``form`` for review, through the gate.

    Each record becomes a pending insert (:mod:`remnant.store.review`): an admin
    approves it before it reaches a map. The gate's verdict is that of every door; any
    problem refuses the whole file unless ``skip_invalid``, which queues the good
    records and reports the others (a repeat's records with a refused parent among
    them). Importing the same export again adds nothing.

    A submission's photo waits for review with its record, checked as every attachment
    is; it is read from the export's ``media/`` folder (ODK Central's .zip "with media"),
    or from ``media`` (a folder of downloaded files, searched by file name), else from a
    ``media`` folder beside the export. A photo missing or refused is reported, and its
    record still comes in.
    """
    from remnant.store import attachments

    export = _read_export(path, form)
    parts = _submissions(export)
    queue = store.reviews("pending")
    before = set(zip(queue["layer"], queue["record_id"], strict=True)) if len(queue) else set()
    waiting, problems, warnings = store.propose_inserts(parts, user=user, skip_invalid=skip_invalid)
    layer = parts[0][0]
    queued = set(waiting.get(layer, []))
    photos, photo_problems = [], []
    for record_id, name, data in _photo_files(export, media):
        if record_id not in queued:
            continue  # its record was refused
        if data is None:
            photo_problems.append(
                f"{record_id}: photo {name} is not in the export; export with media, or "
                "give the folder of downloaded files (--media)"
            )
            continue
        try:
            att_id = attachments.add(
                store, layer, record_id, name, data, user=user, kind="photo", pending=True
            )
        except InputError as exc:
            photo_problems.append(f"{record_id}: photo refused: {exc}")
            continue
        if ("attachments", att_id) not in before:
            photos.append(att_id)
    return SubmissionsReport(
        Path(path).name,
        {name: len(offered.rows) for name, offered in parts},
        {name: [i for i in ids if (name, i) not in before] for name, ids in waiting.items()},
        problems,
        photos,
        photo_problems,
        warnings,
    )


def _photo_files(export: _Export, media: str | Path | None) -> list[tuple[str, str, bytes | None]]:
    """The photo each submission names: its record's id, the file name and the bytes.

    The bytes are None where the export's media do not hold the file. The .zip and the
    media folder are each looked through once.
    """
    raw = export.raw
    column = next((c for c in raw.columns if _last(str(c)) == PHOTO), None)
    if column is None:
        return []
    wanted = [
        (record_id, name, str(key).removeprefix("uuid:"))
        for record_id, key, name in zip(
            export.frame["id"], export.instance, raw[column], strict=True
        )
        if isinstance(name, str) and name.strip()
    ]
    names = {name for _, name, _ in wanted}
    folder = Path(media) if media is not None else export.path.parent / "media"
    files: dict[str, list[Path]] = {}
    if folder.is_dir():
        for p in sorted(folder.rglob("*")):
            if p.name in names and p.is_file():
                files.setdefault(p.name, []).append(p)
    out: list[tuple[str, str, bytes | None]] = []
    archive = zipfile.ZipFile(export.path) if export.path.suffix.lower() == ".zip" else None
    try:
        members: dict[str, str] = {}
        for n in sorted(archive.namelist() if archive else [], key=len, reverse=True):
            members[n.rsplit("/", 1)[-1]] = n  # the shortest path of each name wins
        for record_id, name, key in wanted:
            if archive is not None and name in members:
                out.append((record_id, name, archive.read(members[name])))
                continue
            # where two files share the name, the one under a folder named for the submission
            found = files.get(name, [])
            mine = [p for p in found if key in str(p)]
            out.append((record_id, name, (mine or found)[0].read_bytes() if found else None))
    finally:
        if archive is not None:
            archive.close()
    return out
