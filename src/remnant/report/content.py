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
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from remnant.errors import ModelError
from remnant.landrelease import by_kind, items_by_type, productivity, release_statistics
from remnant.report.figures import Figure
from remnant.store import Store
from remnant.units import SQUARE_KM, UNIT_NAMES, in_area_unit
from remnant.workflow import RELEASED, remaining_areas

__all__ = ["Report", "Section", "Table", "build_report", "casualties_by_year"]

PERCENT = "{:.0%}"


@dataclass
class Table:
    """A table: ``key`` becomes its HTML id; ``formats`` maps columns to format strings."""

    key: str
    title: str
    frame: pd.DataFrame
    note: str = ""
    formats: dict[str, str] = field(default_factory=dict)

    def header(self) -> list[str]:
        """Column names as printed: ``civilian_share`` → ``civilian share``."""
        return [str(c).replace("_", " ") for c in self.frame.columns]

    def cells(self) -> list[list[str]]:
        """The rows as the report prints them."""
        out = []
        for row in self.frame.itertuples(index=False):
            out.append(
                [
                    _cell(v, self.formats.get(c))
                    for c, v in zip(self.frame.columns, row, strict=True)
                ]
            )
        return out


def _cell(value, fmt: str | None) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if fmt:
        return fmt.format(value)
    if isinstance(value, (int, np.integer)):
        return f"{value:,}"
    if isinstance(value, (float, np.floating)):
        return f"{value:,.2f}"
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


def _categories() -> dict:
    text = resources.files("remnant.report").joinpath("monitor.toml").read_text("utf-8")
    return tomllib.loads(text)["categories"]


def _year_of(frame: pd.DataFrame, *columns: str) -> pd.Series:
    """The year of the first non-missing date among ``columns``, per row."""
    years = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    for c in reversed(columns):
        got = frame[c].map(lambda d: d.year if isinstance(d, dt.date) else pd.NA).astype("Int64")
        years = got.fillna(years)
    return years


def casualties_by_year(store: Store, *, year: int | None = None) -> pd.DataFrame:
    """Casualties (killed + injured) per year of accident, with civilian and child shares and sex.

    Victim records give each person's attributes; an accident's killed and injured beyond
    its victim records count as people of unknown status, age and sex.
    """
    accidents = pd.DataFrame(store.read("accidents").drop(columns="geometry"))
    victims = pd.DataFrame(store.read("victims"))
    columns = ["year", "casualties", "killed", "injured", "civilians", "civilian_share"]
    columns += ["children", "child_share", "female", "male", "sex_unknown"]
    if accidents.empty:
        return pd.DataFrame(columns=columns)
    accidents["year"] = _year_of(accidents, "date")
    people = victims.merge(accidents[["id", "year"]], left_on="accident", right_on="id")
    people = people.assign(
        killed=people["outcome"] == "killed",
        injured=people["outcome"] == "injured",
        civilians=people["civilian"].map(lambda v: v is True),
        children=people["age_group"] == "child",
        female=people["sex"] == "female",
        male=people["sex"] == "male",
    )
    listed = people.groupby("accident")[["killed", "injured"]].sum()
    extra = accidents.set_index("id")[["year", "killed", "injured"]].fillna(0)
    extra[["killed", "injured"]] = (
        extra[["killed", "injured"]].sub(listed.reindex(extra.index, fill_value=0)).clip(lower=0)
    )
    counts = ["killed", "injured", "civilians", "children", "female", "male"]
    table = people.groupby("year")[counts].sum().astype(int)
    more = extra.groupby("year")[["killed", "injured"]].sum().astype(int)
    table = table.reindex(table.index.union(more.index), fill_value=0)
    table[["killed", "injured"]] += more.reindex(table.index, fill_value=0)
    table["casualties"] = table["killed"] + table["injured"]
    table["sex_unknown"] = table["casualties"] - table["female"] - table["male"]
    table["civilian_share"] = table["civilians"] / table["casualties"]
    table["child_share"] = table["children"] / table["casualties"]
    table = table.reset_index(names="year")
    if year is not None:
        table = table[table["year"] == year]
    return table[columns].reset_index(drop=True)


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


def _area_formats(table: pd.DataFrame, unit: str) -> dict[str, str]:
    """How a table's area columns (``*_ha``, ``*_km2``) are written: two decimals."""
    return {c: "{:,.2f}" for c in table.columns if str(c).endswith(f"_{unit}")}


def category(km2: float) -> str:
    """The Cluster Munition Monitor's word for a country's total contamination."""
    c = _categories()
    if km2 > c["massive_km2"]:
        return f"massive (more than {c['massive_km2']:,.0f} km²)"
    if km2 >= c["heavy_km2"]:
        return f"heavy ({c['heavy_km2']:,.0f}–{c['massive_km2']:,.0f} km²)"
    return f"below heavy (under {c['heavy_km2']:,.0f} km²)"


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

    rows = [("store", str(store.backend)), ("schema version", str(store.schema_version()))]
    path = getattr(store.backend, "path", None)
    if path is not None:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        rows.append(("store SHA-256 (at report time)", digest))
    history = store.history_tail()
    if history is not None:
        rows.append(("last audit entry", f"{history['at']} by {history['user']}"))
    rows += [(f"{layer} records", f"{n:,}") for layer, n in store.counts().items()]
    rows.append(("made by", f"remnant {remnant.__version__}"))
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

    scope = f"{year}" if year else "all years recorded"
    synthetic = _is_synthetic(store)
    sections = []

    casualties = casualties_by_year(store, year=year)
    all_years = casualties_by_year(store)
    sections.append(
        Section(
            "Casualties",
            [
                "People killed or injured by explosive remnants, by year of the accident. "
                "Children are under 18. Shares are of all casualties, the unknown included."
            ],
            [
                Table(
                    "casualties",
                    f"Casualties, {scope}",
                    casualties,
                    "From the accidents and victims layers (killed and injured without a "
                    "victim record count as unknown status, age and sex).",
                    {"civilian_share": PERCENT, "child_share": PERCENT, "year": "{}"},
                ),
                *figures.casualties(all_years),
            ],
        )
    )

    per_kind, per_area = contamination(store, year=year)
    total = float(per_kind["remaining_m2"].iloc[-1]) / SQUARE_KM if len(per_kind) else 0.0
    kinds, unit = in_area_unit(per_kind)
    when = f"at the end of {year}" if year else "as recorded now"
    sections.append(
        Section(
            "Contamination",
            [
                f"Remaining suspected (SHA) and confirmed (CHA) hazardous area {when}: "
                f"{total:,.2f} km², which the Cluster Munition Monitor would call "
                f"{category(total)}. Kinds are the areas' kinds as recorded now."
            ],
            [
                Table(
                    "contamination",
                    f"Hazardous areas {when} ({UNIT_NAMES[unit]})",
                    kinds,
                    "Remaining = recorded polygon − land cancelled, reduced and cleared, "
                    "measured in an equal-area projection.",
                    {
                        **_area_formats(kinds, unit),
                        "areas": "{:,.0f}",
                        "open_areas": "{:,.0f}",
                    },
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
            "Land release",
            [
                "Land released (IMAS 07.11) by the year the activity ended: cancelled by "
                "non-technical survey, reduced by technical survey, cleared by clearance. "
                "Released = cancelled + reduced + cleared (checked)."
            ],
            [
                Table(
                    "land_release",
                    f"Land released ({UNIT_NAMES[unit]}), {scope}",
                    released,
                    "From the activities layer.",
                    {**_area_formats(released, unit), "year": "{}"},
                ),
                *figures.land_release(released_all),
                Table(
                    "productivity",
                    "Productivity by method (m² per team-day)",
                    productivity(store, year=year),
                    "Activities that recorded team-days; area in m².",
                    {"area_m2": "{:,.0f}", "team_days": "{:,.0f}", "m2_per_team_day": "{:,.0f}"},
                ),
            ],
        )
    )

    destroyed = destroyed_by_type(store, year=year)
    found = items_by_type(store, year=year)
    sections.append(
        Section(
            "Cluster munition remnants destroyed",
            [
                f"{int(destroyed['destroyed'].sum()) if len(destroyed) else 0:,} items "
                f"destroyed, {scope}, by year found and type (the catalogue key; "
                "'unknown' where the type was not identified)."
            ],
            [
                Table(
                    "destroyed",
                    "Items destroyed by type",
                    destroyed,
                    "From the items layer.",
                    {"year": "{}"},
                ),
                Table("found", "Items found and destroyed by type", found, "From the items layer."),
            ],
        )
    )

    sections.append(_dud_rate_section(store, fit))

    ncr, visits = quality(store, year=year)
    sections.append(
        Section(
            "Quality management",
            [
                f"{visits:,} quality assurance visits, {scope}; the non-conformities they "
                "found, by type and severity, and how many still await their corrective "
                "action's verification."
            ],
            [Table("nonconformities", "Non-conformities", ncr, "From the nonconformities layer.")],
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
    sections.append(
        Section(
            "Convention on Cluster Munitions, Article 7",
            [
                "Areas under the programme's control still containing, or suspected to "
                "contain, cluster munition remnants (Article 7.1(h)), with the land "
                f"released from each; {len(listing):,} areas"
                + (f", the largest {len(shown)} listed" if len(shown) < len(listing) else "")
                + ". Destruction by type is in the section above (Article 7.1(i))."
            ],
            [
                Table(
                    "article7",
                    f"Areas containing cluster munition remnants ({UNIT_NAMES[unit]})",
                    shown,
                    "From the hazard_areas and activities layers.",
                    _area_formats(shown, unit),
                )
            ],
        )
    )
    sections.append(
        Section(
            "Provenance",
            ["Every number above is computed from this store's records."],
            [Table("provenance", "Records behind this report", provenance(store))],
        )
    )
    title = "Cluster munition remnants: casualties, contamination and clearance"
    subtitle = f"{scope.capitalize()}; made {dt.date.today().isoformat()} from {store.backend}"
    return Report(title, subtitle, synthetic, sections)


def _dud_rate_section(store: Store, fit) -> Section:
    from remnant.dudrate import forest_plot
    from remnant.mapping import fit_store

    text = [
        "How often each submunition type failed, estimated from what clearance found "
        "against what was fired, with the catalogue's published figures as prior "
        "(a hierarchical Bayesian model, described in remnant's docs/dud-rate-model.md)."
    ]
    if fit is None:
        try:
            fit = fit_store(store)
        except ModelError as exc:
            return Section("Field dud rates", [*text, f"Not available: {exc}."], [])
    table = fit.table().drop(columns="data")
    png = io.BytesIO()
    forest_plot(fit, store.catalogue(), png, title="Field dud rates against catalogue priors")
    return Section(
        "Field dud rates",
        text,
        [
            Table(
                "dud_rates",
                "Field dud rate estimates",
                table,
                "From strikes, activities and items; 90 % credible intervals.",
                {
                    "mean": "{:.1%}",
                    "lo90": "{:.1%}",
                    "hi90": "{:.1%}",
                    "fired": "{:,.0f}",
                    "found": "{:,.0f}",
                    "kappa": "{:,.0f}",
                    "prior_mean": "{:.1%}",
                },
            ),
            Figure("dud_rate_plot", "Field dud rates", png.getvalue()),
        ],
    )


def _is_synthetic(store: Store) -> bool:
    strikes = store.read("strikes", limit=50)
    return bool(len(strikes)) and strikes["source"].fillna("").str.startswith("SYNTHETIC").any()
