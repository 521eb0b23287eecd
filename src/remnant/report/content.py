"""What a report says: tables and figures computed from the store, before any layout.

One content model feeds both the HTML and the PDF, so the two cannot disagree. Every
table notes which records it counts; the provenance table identifies the store (path,
SHA-256, schema version, last audit entry) so each number can be traced back to records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from remnant.entities import ASSISTANCE_TYPES, BENEFICIARY_BANDS, PARTICIPANT_BANDS
from remnant.errors import ModelError
from remnant.labels import load as load_labels
from remnant.landrelease import by_kind, items_by_type, productivity, release_statistics
from remnant.report.figures import Figure
from remnant.store import Store
from remnant.translate import N_, _, current, day, language, number, percent, unit_name
from remnant.translate import year as year_text
from remnant.units import HECTARE, SQUARE_KM, in_area_unit
from remnant.workflow import RELEASED, remaining_areas

__all__ = [
    "Report",
    "Section",
    "Table",
    "build_report",
    "casualties_by_group",
    "casualties_by_year",
]

# The tables' columns as a reader names them; ``*_ha`` and ``*_km2`` add their unit.
COLUMNS = {
    "activities": N_("activities"),
    "adults": N_("adults"),
    "age_unknown": N_("age unknown"),
    "area": N_("area"),
    "areas": N_("areas"),
    "beneficiaries": N_("beneficiaries"),
    "beneficiaries_boys": N_("of whom boys"),
    "beneficiaries_girls": N_("of whom girls"),
    "beneficiaries_men": N_("of whom men"),
    "beneficiaries_women": N_("of whom women"),
    "boys_0_12": N_("boys under 13"),
    "boys_13_17": N_("boys 13 to 17"),
    "cancelled": N_("cancelled"),
    "casualties": N_("casualties"),
    "category": N_("category"),
    "category_unknown": N_("category unknown"),
    "child_share": N_("child share"),
    "children": N_("children"),
    "civilian_share": N_("civilian share"),
    "civilians": N_("civilians"),
    "cleared": N_("cleared"),
    "critical": N_("critical"),
    "deminers": N_("deminers"),
    "destroyed": N_("destroyed"),
    "during_use": N_("during use"),
    "female": N_("female"),
    "fired": N_("fired"),
    "found": N_("found"),
    "girls_0_12": N_("girls under 13"),
    "girls_13_17": N_("girls 13 to 17"),
    "hazard_area": N_("hazard area"),
    "hi90": N_("upper 90 % bound"),
    "injured": N_("injured"),
    "item": N_("item"),
    "items_destroyed": N_("items destroyed"),
    "kappa": N_("κ (concentration)"),
    "killed": N_("killed"),
    "kind": N_("kind"),
    "lo90": N_("lower 90 % bound"),
    "m2_per_team_day": N_("m² per team-day"),
    "major": N_("major"),
    "male": N_("male"),
    "mean": N_("mean"),
    "men": N_("men"),
    "method": N_("method"),
    "minor": N_("minor"),
    "munition": N_("munition"),
    "name": N_("name"),
    "open_areas": N_("open areas"),
    "original": N_("original"),
    "participants": N_("participants"),
    "people": N_("people"),
    "prior_mean": N_("prior mean"),
    "re_participants": N_("risk education participants"),
    "reduced": N_("reduced"),
    "released": N_("released"),
    "remaining": N_("remaining"),
    "remnants": N_("remnants"),
    "security_forces": N_("security forces"),
    "services": N_("services"),
    "sessions": N_("sessions"),
    "sex_unknown": N_("sex unknown"),
    "status": N_("status"),
    "still_open": N_("still open"),
    "strikes": N_("strikes"),
    "team_days": N_("team-days"),
    "total": N_("total"),
    "type": N_("type"),
    "unit": N_("unit"),
    "value": N_("value"),
    "when_unknown": N_("when unknown"),
    "women": N_("women"),
    "year": N_("year"),
}
# Values of these columns are enumerations shown by their label (labels.toml) in the
# report's language (kinds keep their codes, SHA and CHA, as IMAS writes them); the
# other words these columns can hold are translated here.
ENUMERATIONS = ("status", "method", "category", "type")
WORDED = (*ENUMERATIONS, "kind", "unit", "munition")
WORDS = {
    "total": N_("total"),
    "unknown": N_("unknown"),
    "unrecorded": N_("unrecorded"),
    "(none)": N_("(none)"),
    "none": N_("none"),
}
Format = Callable[[Any], str]


def whole(value) -> str:
    """A count, grouped as the language groups digits."""
    return number(value)


def decimal1(value) -> str:
    """One decimal, grouped."""
    return number(value, 1)


def decimal2(value) -> str:
    """Two decimals, grouped."""
    return number(value, 2)


def share(value) -> str:
    """A share as a whole percentage."""
    return percent(value)


def share1(value) -> str:
    """A share as a percentage with one decimal."""
    return percent(value, 1)


@dataclass
class Table:
    """A table: ``key`` becomes its HTML id; ``formats`` maps columns to how cells are written.

    The table speaks the language it was made in (``lang``), wherever it is laid out.
    """

    key: str
    title: str
    frame: pd.DataFrame
    note: str = ""
    formats: dict[str, Format] = field(default_factory=dict)
    lang: str = field(default_factory=current)

    def header(self) -> list[str]:
        """Column names as printed in the table's language: ``civilian_share`` → ``civilian share``.

        >>> Table("t", "T", pd.DataFrame(columns=["year", "cleared_ha"])).header()
        ['year', 'cleared (ha)']
        """
        with language(self.lang):
            return [_column(str(c)) for c in self.frame.columns]

    def cells(self) -> list[list[str]]:
        """The rows as the report prints them, in the table's language.

        >>> frame = pd.DataFrame({"kind": ["SHA", "total"], "areas": [1200, 3]})
        >>> Table("t", "T", frame, lang="uk").cells()[1]
        ['усього', '3']
        """
        labels = load_labels()
        with language(self.lang):
            return [
                [
                    _cell(v, c, self.formats.get(c), labels)
                    for c, v in zip(self.frame.columns, row, strict=True)
                ]
                for row in self.frame.itertuples(index=False)
            ]


def _column(name: str) -> str:
    base, _sep, unit = name.rpartition("_")
    if unit in ("ha", "km2") and base in COLUMNS:
        return f"{_(COLUMNS[base])} ({unit_name(unit, short=True)})"
    return _(COLUMNS[name]) if name in COLUMNS else name.replace("_", " ")


def _cell(value, column: str, fmt: Format | None, labels: dict) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if fmt:
        return fmt(value)
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return number(int(value))
    if isinstance(value, (float, np.floating)):
        return number(float(value), 2)
    if column in WORDED:
        if value in WORDS:
            return _(WORDS[value])
        lang = current().split("-")[0]
        choices = labels.get(lang, {}).get("choices", {}).get(column, {})
        english = labels["en"]["choices"].get(column, {})
        if column in ENUMERATIONS and value in english:
            return choices.get(value) or english[value]
    return str(value)


@dataclass
class Section:
    """A titled part of the report: paragraphs, then tables and figures in order."""

    title: str
    text: list[str]
    blocks: list[Table | Figure]


@dataclass
class Report:
    """The whole report, ready for :mod:`remnant.report.html` or :mod:`remnant.report.pdf`."""

    title: str
    subtitle: str
    synthetic: bool
    sections: list[Section]
    lang: str = "en"


def _categories(part: str = "contamination") -> dict:
    """A part of report/monitor.toml: the Monitor's category rules, edition and source."""
    text = resources.files("remnant.report").joinpath("monitor.toml").read_text("utf-8")
    return tomllib.loads(text)[part]


def _year_of(frame: pd.DataFrame, *columns: str) -> pd.Series:
    """The year of the first non-missing date among ``columns``, per row."""
    years = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    for c in reversed(columns):
        got = frame[c].map(lambda d: d.year if isinstance(d, dt.date) else pd.NA).astype("Int64")
        years = got.fillna(years)
    return years


def casualties_people(store: Store) -> pd.DataFrame:
    """One row per casualty: year, outcome, context, category, sex and age group.

    Victim records give each person's attributes and their accident's year and context
    (during use or from remnants); an accident's killed and injured beyond its victim
    records are people of unknown category, sex and age. Blank values become
    ``unknown``.
    """
    accidents = pd.DataFrame(store.read("accidents").drop(columns="geometry"))
    victims = pd.DataFrame(store.read("victims"))
    columns = ["year", "outcome", "context", "category", "sex", "age_group"]
    if accidents.empty:
        return pd.DataFrame(columns=columns)
    accidents["year"] = _year_of(accidents, "date")
    accidents = accidents.set_index("id")
    listed = victims.merge(accidents[["year", "context"]], left_on="accident", right_index=True)
    counted = listed.groupby(["accident", "outcome"]).size().unstack(fill_value=0)
    unlisted = []
    for outcome in ("killed", "injured"):
        seen = counted.get(outcome, pd.Series(dtype=int)).reindex(accidents.index, fill_value=0)
        more = (accidents[outcome].fillna(0).astype(int) - seen).clip(lower=0)
        rows = accidents.loc[np.repeat(accidents.index, more), ["year", "context"]]
        unlisted.append(rows.assign(outcome=outcome))
    people = pd.concat([listed[columns], *unlisted], ignore_index=True)
    return people.reindex(columns=columns).fillna(
        dict.fromkeys(("context", "category", "sex", "age_group"), "unknown")
    )


def casualties_by_year(store: Store, *, year: int | None = None) -> pd.DataFrame:
    """Casualties per year of accident, the Monitor's way.

    Killed and injured, during use (an attack) or from remnants, with the civilian and
    child shares; shares are of all casualties, the unknown included.
    """
    people = casualties_people(store)
    columns = ["year", "casualties", "killed", "injured", *_CONTEXT_COLUMNS.values()]
    columns += ["civilian_share", "child_share"]
    if people.empty:
        return pd.DataFrame(columns=columns)
    table = _count(people, "outcome", {"killed": "killed", "injured": "injured"})
    table = table.join(_count(people, "context", _CONTEXT_COLUMNS))
    table["casualties"] = table["killed"] + table["injured"]
    share = people.groupby("year")[["category", "age_group"]]
    table["civilian_share"] = share.apply(lambda g: (g["category"] == "civilian").mean())
    table["child_share"] = share.apply(lambda g: (g["age_group"] == "child").mean())
    table = table.reset_index(names="year")
    if year is not None:
        table = table[table["year"] == year]
    return table[columns].reset_index(drop=True)


def casualties_by_group(store: Store, *, year: int | None = None) -> pd.DataFrame:
    """Casualties per year by the Monitor's categories, by age and by sex.

    Civilians, deminers and security forces; children (under 18) and adults; female and
    male. Each group adds up to the year's casualties, its unknowns included.
    """
    people = casualties_people(store)
    groups = {
        "category": _CATEGORY_COLUMNS,
        "age_group": {"child": "children", "adult": "adults", "unknown": "age_unknown"},
        "sex": {"female": "female", "male": "male", "unknown": "sex_unknown"},
    }
    columns = ["year", *(c for g in groups.values() for c in g.values())]
    if people.empty:
        return pd.DataFrame(columns=columns)
    table = pd.concat([_count(people, field, named) for field, named in groups.items()], axis=1)
    table = table.reset_index(names="year")
    if year is not None:
        table = table[table["year"] == year]
    return table[columns].reset_index(drop=True)


_CONTEXT_COLUMNS = {"during_use": "during_use", "remnants": "remnants", "unknown": "when_unknown"}
_CATEGORY_COLUMNS = {
    "civilian": "civilians",
    "deminer": "deminers",
    "security_forces": "security_forces",
    "unknown": "category_unknown",
}


def _count(people: pd.DataFrame, field: str, named: dict[str, str]) -> pd.DataFrame:
    """People per year and value of ``field``, one column per value (named ``named``).

    >>> people = pd.DataFrame({"year": [2023, 2023, 2024], "sex": ["male", "unknown", "male"]})
    >>> _count(people, "sex", {"female": "f", "male": "m", "unknown": "u"}).values.tolist()
    [[0, 1, 1], [0, 1, 0]]
    """
    table = people.groupby(["year", field]).size().unstack(fill_value=0)
    return table.reindex(columns=list(named), fill_value=0).rename(columns=named).astype(int)


def destroyed_by_type(store: Store, *, year: int | None = None) -> pd.DataFrame:
    """Submunitions and other items destroyed, per year (of finding) and munition type."""
    items = pd.DataFrame(store.read("items").drop(columns="geometry"))
    items = items[items["destroyed"].map(lambda v: v is True)] if len(items) else items
    if items.empty:
        return pd.DataFrame(columns=["year", "munition", "category", "destroyed"])
    acts = pd.DataFrame(store.read("activities").drop(columns="geometry"))
    when = items.merge(acts[["id", "end", "start"]], left_on="activity", right_on="id", how="left")
    items = items.assign(year=_year_of(when, "date", "end", "start").to_numpy())
    if year is not None:
        items = items[items["year"] == year]
    table = (
        items.assign(category=items["category"].fillna("unrecorded"))
        .groupby(["year", "munition", "category"], dropna=False)
        .size()
        .rename("destroyed")
        .reset_index()
    )
    return table.sort_values(["year", "destroyed"], ascending=[True, False], ignore_index=True)


def contamination(
    store: Store, *, year: int | None = None
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Remaining SHA and CHA at the end of ``year`` (or now), per kind, and per area."""
    areas = store.read("hazard_areas")
    acts = store.read("activities")
    if year is not None:
        end = dt.date(year, 12, 31)
        areas = areas[areas["date"].map(lambda d: not isinstance(d, dt.date) or d <= end)]
        done = [
            e if isinstance(e, dt.date) else s
            for s, e in zip(acts["start"], acts["end"], strict=True)
        ]
        acts = acts[[d <= end for d in done]]
    per_area = remaining_areas(areas, acts)
    table = by_kind(per_area)
    if len(table):
        total = table.drop(columns="kind").sum().to_frame().T.assign(kind="total")
        table = pd.concat([table, total[table.columns]], ignore_index=True)
    if len(per_area):
        per_area["released_m2"] = per_area[[f"{o}_m2" for o in RELEASED]].sum(axis=1)
    return table, per_area


def _area_formats(table: pd.DataFrame, unit: str) -> dict[str, Format]:
    """How a table's area columns (``*_ha``, ``*_km2``) are written: two decimals."""
    return {c: decimal2 for c in table.columns if str(c).endswith(f"_{unit}")}


def category(km2: float) -> str:
    """The Cluster Munition Monitor's word for a country's total contamination."""
    c = _categories()
    massive, heavy = number(c["massive_km2"]), number(c["heavy_km2"])
    if km2 > c["massive_km2"]:
        return _("massive (more than {massive} km²)").format(massive=massive)
    if km2 >= c["heavy_km2"]:
        return _("heavy ({heavy}–{massive} km²)").format(heavy=heavy, massive=massive)
    return _("below heavy (under {heavy} km²)").format(heavy=heavy)


def risk_education(store: Store, *, year: int | None = None) -> pd.DataFrame:
    """Risk education sessions per year, with participants by sex and age band."""
    sessions = pd.DataFrame(store.read("risk_education").drop(columns="geometry"))
    bands = list(PARTICIPANT_BANDS)
    columns = ["year", "sessions", "participants", *bands]
    if sessions.empty:
        return pd.DataFrame(columns=columns)
    sessions["year"] = _year_of(sessions, "date")
    if year is not None:
        sessions = sessions[sessions["year"] == year]
    table = sessions.groupby("year")[bands].sum(min_count=0).astype(int)
    table["sessions"] = sessions.groupby("year").size()
    table["participants"] = table[bands].sum(axis=1)
    return table.reset_index(names="year")[columns]


def victim_assistance(store: Store, *, year: int | None = None) -> tuple[pd.DataFrame, int]:
    """Assistance given per type (services, people), and people with needs unmet.

    The second value counts the people whose latest assistance record names needs.
    """
    given = pd.DataFrame(store.read("victim_assistance"))
    columns = ["type", "services", "people"]
    if given.empty:
        return pd.DataFrame(columns=columns), 0
    given["year"] = _year_of(given, "date")
    if year is not None:
        given = given[given["year"] == year]
    table = given.groupby("type").agg(services=("id", "size"), people=("victim", "nunique"))
    order = [t for t in ASSISTANCE_TYPES if t in table.index]
    latest = given.sort_values("date").groupby("victim").tail(1)
    return table.loc[order].reset_index()[columns], int(latest["needs"].notna().sum())


def beneficiaries(store: Store) -> pd.DataFrame:
    """People who use the land released (areas closed or handed over), by sex and age."""
    areas = pd.DataFrame(store.read("hazard_areas").drop(columns="geometry"))
    parts = [f"beneficiaries_{b}" for b in BENEFICIARY_BANDS]
    columns = ["status", "areas", "beneficiaries", *parts]
    areas = areas[areas["status"].isin(["closed", "handed_over"])] if len(areas) else areas
    if areas.empty:
        return pd.DataFrame(columns=columns)
    table = areas.groupby("status")[["beneficiaries", *parts]].sum(min_count=1)
    table["areas"] = areas.groupby("status").size()
    return table.reset_index()[columns]


def by_unit(store: Store, level: int = 1) -> pd.DataFrame:
    """Per administrative unit of ``level`` (docs/admin-units.md), as recorded now.

    Open hazard areas and their remaining area, land released, items destroyed,
    casualties (killed and injured) and risk education participants; records outside
    every unit count under ``none``. Areas are in hectares, as programmes report them.
    Without units of ``level`` the table is empty (nothing is computed).
    """
    key = f"admin{level}"
    names = ["open_areas", "remaining_ha", "released_ha", "items_destroyed", "casualties"]
    names.append("re_participants")
    units = store.admin_units()
    units = units[units["level"] == level]
    if units.empty:
        return pd.DataFrame(columns=["unit", "name", *names])
    per_area = contamination(store)[1]
    counts = {}
    if len(per_area):
        open_areas = per_area[per_area["remaining_m2"] >= 1.0]
        counts["open_areas"] = open_areas.groupby(key, dropna=False).size()
        counts["remaining_ha"] = per_area.groupby(key, dropna=False)["remaining_m2"].sum() / HECTARE
        counts["released_ha"] = per_area.groupby(key, dropna=False)["released_m2"].sum() / HECTARE
    items = pd.DataFrame(store.read("items").drop(columns="geometry"))
    if len(items):
        destroyed = items[items["destroyed"].map(lambda v: v is True)]
        counts["items_destroyed"] = destroyed.groupby(key, dropna=False).size()
    accidents = pd.DataFrame(store.read("accidents").drop(columns="geometry"))
    if len(accidents):
        hurt = accidents[["killed", "injured"]].fillna(0).sum(axis=1)
        counts["casualties"] = hurt.groupby(accidents[key], dropna=False).sum()
    sessions = pd.DataFrame(store.read("risk_education").drop(columns="geometry"))
    if len(sessions):
        people = sessions[list(PARTICIPANT_BANDS)].fillna(0).sum(axis=1)
        counts["re_participants"] = people.groupby(sessions[key], dropna=False).sum()
    table = pd.DataFrame({n: counts.get(n, pd.Series(dtype=float)) for n in names})
    table.index = table.index.map(lambda c: "none" if pd.isna(c) else c)
    order = [*units["code"], *(["none"] if "none" in table.index else [])]
    table = table.reindex(order).fillna(0)
    whole = [n for n in names if not n.endswith("_ha")]
    table[whole] = table[whole].astype(int)
    outside = [_("outside every unit")] * (len(order) - len(units))
    table.insert(0, "name", [*units["name"], *outside])
    return table.reset_index(names="unit")


def quality(store: Store, *, year: int | None = None) -> tuple[pd.DataFrame, int]:
    """Non-conformities by type and severity (with how many are still open), and QA visits."""
    acts = store.read("activities")
    visits = acts[acts["type"] == "QA"]
    found = pd.DataFrame(store.read("nonconformities"))
    if year is not None:
        visits = visits[_year_of(visits, "end", "start") == year]
        found = found[_year_of(found, "date") == year] if len(found) else found
    columns = ["type", "minor", "major", "critical", "total", "still_open"]
    if found.empty:
        return pd.DataFrame(columns=columns), len(visits)
    table = found.pivot_table(index="type", columns="severity", values="id", aggfunc="count")
    table = table.reindex(columns=["minor", "major", "critical"]).fillna(0).astype(int)
    table["total"] = table.sum(axis=1)
    still_open = found[found["closed_on"].isna()].groupby("type").size()
    table["still_open"] = still_open.reindex(table.index, fill_value=0).astype(int)
    return table.reset_index(names="type")[columns], len(visits)


def provenance(store: Store) -> pd.DataFrame:
    """What the report was made from: the store's identity and its records per layer."""
    import remnant

    rows = [(_("store"), str(store.backend)), (_("schema version"), str(store.schema_version()))]
    path = getattr(store.backend, "path", None)
    if path is not None:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        rows.append((_("store SHA-256 (at report time)"), digest))
    history = store.history_tail()
    if history is not None:
        entry = _("{at} by {user}").format(at=history["at"], user=history["user"])
        rows.append((_("last audit entry"), entry))
    records = _("{layer} records")
    rows += [(records.format(layer=layer), number(n)) for layer, n in store.counts().items()]
    rows.append((_("made by"), f"remnant {remnant.__version__}"))
    return pd.DataFrame(rows, columns=["item", "value"])


def build_report(
    store: Store, *, year: int | None = None, hazard: str | Path | None = None, fit=None
) -> Report:
    """Compute every table and figure of the report from ``store``.

    ``hazard`` is a hazard map GeoTIFF (from ``remnant hazard``) to draw under the areas;
    ``fit`` a :class:`remnant.dudrate.DudRateFit` already made (else fitted here when the
    store holds clearance results).
    """
    from remnant.report import figures

    scope = year_text(year) if year else _("all years recorded")
    synthetic = _is_synthetic(store)
    sections = []

    casualties = casualties_by_year(store, year=year)
    all_years = casualties_by_year(store)
    rules = _categories("casualties")
    sections.append(
        Section(
            _("Casualties"),
            [
                _(
                    "People killed or injured by cluster munitions, by year of the accident, "
                    "split as the Cluster Munition Monitor splits them: during use (at the "
                    "time of an attack) or from remnants (later); civilians, deminers and "
                    "security forces; children are under 18. Shares are of all casualties, "
                    "the unknown included. Categories as in {edition} ({source})."
                ).format(edition=rules["edition"], source=rules["source"])
            ],
            [
                Table(
                    "casualties",
                    _("Casualties, {scope}").format(scope=scope),
                    casualties,
                    _(
                        "From the accidents and victims layers (killed and injured without a "
                        "victim record count as of unknown category, age and sex; an accident "
                        "without its context counts as when unknown)."
                    ),
                    {"civilian_share": share, "child_share": share, "year": year_text},
                ),
                Table(
                    "casualty_groups",
                    _("Casualties by category, age and sex, {scope}").format(scope=scope),
                    casualties_by_group(store, year=year),
                    _("Each group adds up to the year's casualties."),
                    {"year": year_text},
                ),
                *figures.casualties(all_years, casualties_by_group(store)),
            ],
        )
    )

    per_kind, per_area = contamination(store, year=year)
    total = float(per_kind["remaining_m2"].iloc[-1]) / SQUARE_KM if len(per_kind) else 0.0
    kinds, unit = in_area_unit(per_kind)
    when = _("at the end of {year}").format(year=year_text(year)) if year else _("as recorded now")
    sections.append(
        Section(
            _("Contamination"),
            [
                _(
                    "Remaining suspected (SHA) and confirmed (CHA) hazardous area {when}: "
                    "{total} km², which the Cluster Munition Monitor would call {category} "
                    "(thresholds: {edition}). Kinds are the areas' kinds as recorded now."
                ).format(
                    when=when,
                    total=number(total, 2),
                    category=category(total),
                    edition=_categories()["edition"],
                )
            ],
            [
                Table(
                    "contamination",
                    _("Hazardous areas {when} ({unit})").format(when=when, unit=unit_name(unit)),
                    kinds,
                    _(
                        "Remaining = recorded polygon − land cancelled, reduced and cleared, "
                        "measured in an equal-area projection."
                    ),
                    _area_formats(kinds, unit),
                ),
                *figures.area_map(per_area, store.read("strikes"), hazard),
            ],
        )
    )

    released = release_statistics(store, year=year)
    released_all = release_statistics(store)
    released, unit = in_area_unit(released)
    sections.append(
        Section(
            _("Land release"),
            [
                _(
                    "Land released (IMAS 07.11) by the year the activity ended: cancelled by "
                    "non-technical survey, reduced by technical survey, cleared by clearance. "
                    "Released = cancelled + reduced + cleared (checked)."
                )
            ],
            [
                Table(
                    "land_release",
                    _("Land released ({unit}), {scope}").format(unit=unit_name(unit), scope=scope),
                    released,
                    _("From the activities layer."),
                    {**_area_formats(released, unit), "year": year_text},
                ),
                *figures.land_release(released_all),
                Table(
                    "beneficiaries",
                    _("Beneficiaries of the land released, by sex and age (areas as now)"),
                    beneficiaries(store),
                    _(
                        "From the hazard_areas layer: areas closed or handed over; the parts "
                        "by sex and age add up to at most the total (checked on every write)."
                    ),
                ),
                Table(
                    "productivity",
                    _("Productivity by method (m² per team-day)"),
                    productivity(store, year=year).rename(columns={"area_m2": "area"}),
                    _("Activities that recorded team-days; area in m²."),
                    {"area": whole, "team_days": whole, "m2_per_team_day": whole},
                ),
            ],
        )
    )

    destroyed = destroyed_by_type(store, year=year)
    found = items_by_type(store, year=year)
    count = int(destroyed["destroyed"].sum()) if len(destroyed) else 0
    sections.append(
        Section(
            _("Cluster munition remnants destroyed"),
            [
                _(
                    "{count} items destroyed, {scope}, by year found and type (the "
                    "catalogue key; 'unknown' where the type was not identified)."
                ).format(count=number(count), scope=scope)
            ],
            [
                Table(
                    "destroyed",
                    _("Items destroyed by type"),
                    destroyed,
                    _("From the items layer."),
                    {"year": year_text},
                ),
                Table(
                    "found",
                    _("Items found and destroyed by type"),
                    found,
                    _("From the items layer."),
                ),
            ],
        )
    )

    sections.append(_dud_rate_section(store, fit))

    ncr, visits = quality(store, year=year)
    sections.append(
        Section(
            _("Quality management"),
            [
                _(
                    "{visits} quality assurance visits, {scope}; the non-conformities they "
                    "found, by type and severity, and how many still await their corrective "
                    "action's verification."
                ).format(visits=number(visits), scope=scope)
            ],
            [
                Table(
                    "nonconformities",
                    _("Non-conformities"),
                    ncr,
                    _("From the nonconformities layer."),
                )
            ],
        )
    )

    open_areas = per_area[per_area["remaining_m2"] >= 1.0] if len(per_area) else per_area
    listing = pd.DataFrame(
        {
            "hazard_area": open_areas.get("id", []),
            "name": open_areas.get("name", []),
            "kind": open_areas.get("kind", []),
            "status": open_areas.get("status", []),
            "remaining_m2": open_areas.get("remaining_m2", pd.Series(dtype=float)),
            "released_m2": open_areas.get("released_m2", pd.Series(dtype=float)),
        }
    ).sort_values("remaining_m2", ascending=False, ignore_index=True)
    shown, unit = in_area_unit(listing.head(200))
    if len(shown) < len(listing):
        listed = _("{count} areas, the largest {shown} listed").format(
            count=number(len(listing)), shown=number(len(shown))
        )
    else:
        listed = _("{count} areas").format(count=number(len(listing)))
    sections.append(
        Section(
            _("Convention on Cluster Munitions, Article 7"),
            [
                _(
                    "Areas under the programme's control still containing, or suspected to "
                    "contain, cluster munition remnants (Article 7.1(h)), with the land "
                    "released from each; {listed}. Destruction by type is in the section "
                    "above (Article 7.1(i))."
                ).format(listed=listed)
            ],
            [
                Table(
                    "article7",
                    _("Areas containing cluster munition remnants ({unit})").format(
                        unit=unit_name(unit)
                    ),
                    shown,
                    _("From the hazard_areas and activities layers."),
                    _area_formats(shown, unit),
                )
            ],
        )
    )
    units = store.admin_units()
    if len(units):
        level = int(units["level"].min())
        sections.append(
            Section(
                _("By administrative unit"),
                [
                    _(
                        "Per level-{level} unit (remnant's docs/admin-units.md), as recorded "
                        "now: open hazard areas and what remains of them, land released, "
                        "items destroyed, casualties and risk education participants. Each "
                        "record counts in the unit holding it (a polygon: the unit holding "
                        "most of it)."
                    ).format(level=level)
                ],
                [
                    Table(
                        "by_unit",
                        _("By level-{level} administrative unit ({unit})").format(
                            level=level, unit=unit_name("ha")
                        ),
                        by_unit(store, level),
                        _("From every layer's admin codes; 'none': outside every unit."),
                        {"remaining_ha": decimal1, "released_ha": decimal1},
                    )
                ],
            )
        )

    educated = risk_education(store, year=year)
    assisted, needs = victim_assistance(store, year=year)
    article7 = _categories("article7")["source"]
    sessions = int(educated["sessions"].sum()) if len(educated) else 0
    reached = int(educated["participants"].sum()) if len(educated) else 0
    sections.append(
        Section(
            _("Risk education and victim assistance (Article 7.1 (j) and (k))"),
            [
                _(
                    "{sessions} risk education sessions, {scope}, reached {reached} people "
                    "(girls and boys under 13 and 13 to 17, women and men). Victim assistance "
                    "by type, {scope}; {needs} people's latest assistance record names needs "
                    "still unmet. Reported as the Convention asks: {article7}."
                ).format(
                    sessions=number(sessions),
                    scope=scope,
                    reached=number(reached),
                    needs=number(needs),
                    article7=article7,
                ),
            ],
            [
                Table(
                    "risk_education",
                    _("Risk education, {scope}").format(scope=scope),
                    educated,
                    _("From the risk_education layer."),
                    {"year": year_text},
                ),
                Table(
                    "victim_assistance",
                    _("Victim assistance, {scope}").format(scope=scope),
                    assisted,
                    _("From the victim_assistance layer; people counts each victim once per type."),
                ),
            ],
        )
    )
    sections.append(
        Section(
            _("Provenance"),
            [_("Every number above is computed from this store's records.")],
            [Table("provenance", _("Records behind this report"), provenance(store))],
        )
    )
    title = _("Cluster munition remnants: casualties, contamination and clearance")
    subtitle = _("{scope}; made {day} from {store}").format(
        scope=scope[:1].upper() + scope[1:], day=day(dt.date.today()), store=store.backend
    )
    return Report(title, subtitle, synthetic, sections, current())


def _dud_rate_section(store: Store, fit) -> Section:
    from remnant.dudrate import forest_plot
    from remnant.mapping import fit_store
    from remnant.report.figures import fonts

    text = [
        _(
            "How often each submunition type failed, estimated from what clearance found "
            "against what was fired, with the catalogue's published figures as prior "
            "(a hierarchical Bayesian model, described in remnant's docs/dud-rate-model.md)."
        )
    ]
    title = _("Field dud rates")
    if fit is None:
        try:
            fit = fit_store(store)
        except ModelError as exc:
            return Section(title, [*text, _("Not available: {why}.").format(why=exc)], [])
    table = fit.table().drop(columns="data").rename(columns={"type": "munition"})
    png = io.BytesIO()
    with fonts():
        forest_plot(
            fit, store.catalogue(), png, title=_("Field dud rates against catalogue priors")
        )
    return Section(
        title,
        text,
        [
            Table(
                "dud_rates",
                _("Field dud rate estimates"),
                table,
                _("From strikes, activities and items; 90 % credible intervals."),
                {
                    "mean": share1,
                    "lo90": share1,
                    "hi90": share1,
                    "fired": whole,
                    "found": whole,
                    "kappa": whole,
                    "prior_mean": share1,
                },
            ),
            Figure("dud_rate_plot", title, png.getvalue()),
        ],
    )


def _is_synthetic(store: Store) -> bool:
    strikes = store.read("strikes", limit=50)
    return bool(len(strikes)) and strikes["source"].fillna("").str.startswith("SYNTHETIC").any()
