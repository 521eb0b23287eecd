"""The report's plots and map, drawn with matplotlib and kept as PNG bytes.

Text is drawn in the report's language with fonts that cover its script: DejaVu Sans
(Latin, Cyrillic, Vietnamese), Noto Sans Arabic and Noto Sans Lao (Debian's
fonts-noto-core) — the language's own script font first — shaped by the libraqm that
matplotlib carries, so Arabic joins and runs right to left and Lao's marks sit on their
letters, in the PNGs and in the PDF alike.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from remnant.errors import InputError
from remnant.translate import N_, _, current, number, unit_name
from remnant.translate import year as year_text
from remnant.units import in_area_unit

__all__ = ["FONTS", "Figure", "area_map", "casualties", "fonts", "land_release"]

DPI = 130
# The fonts tried in turn for each character, after the language's own script font.
FONTS = ["DejaVu Sans", "Noto Sans Arabic", "Noto Sans Lao"]
# The script fonts a language cannot be written without.
NEEDS = {"ar": "Noto Sans Arabic", "lo": "Noto Sans Lao"}


@dataclass
class Figure:
    """A plot or map as PNG bytes."""

    key: str
    title: str
    png: bytes
    note: str = ""


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@contextlib.contextmanager
def fonts():
    """Draw with the language's script font, then :data:`FONTS`; refuse it if not installed.

    >>> with fonts():
    ...     import matplotlib
    ...     matplotlib.rcParams["font.family"][0]
    'DejaVu Sans'
    """
    import matplotlib
    from matplotlib import font_manager

    needed = NEEDS.get(current().split("-")[0])
    if needed:
        try:
            font_manager.findfont(needed, fallback_to_default=False)
        except ValueError:
            raise InputError(
                N_(
                    "the font {needed!r} is not installed, and the report's language needs it: "
                    "install Debian's fonts-noto-core (if it is installed, remove matplotlib's "
                    "font cache, ~/.cache/matplotlib, so that it is found)"
                ),
                option="--lang",
                needed=needed,
            ) from None
    _pyplot()
    family = [needed, *(f for f in FONTS if f != needed)] if needed else FONTS
    with matplotlib.rc_context({"font.family": family, "axes.unicode_minus": False}):
        yield


def _numbers(axis) -> None:
    """Tick labels of ``axis`` in the language's digits and grouping."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(
        FuncFormatter(lambda v, _pos: number(v) if v == int(v) else number(v, 1))
    )


def _png(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, bbox_inches="tight")
    _pyplot().close(fig)
    return out.getvalue()


def casualties(table: pd.DataFrame, groups: pd.DataFrame) -> list[Figure]:
    """Killed and injured per year, stacked, with the children among them marked."""
    if table.empty:
        return []
    table = table.merge(groups[["year", "children"]], on="year")
    plt = _pyplot()
    with fonts():
        fig, ax = plt.subplots(figsize=(7, 3.2))
        years = [year_text(y) for y in table["year"].astype(int)]
        ax.bar(years, table["killed"], color="#8c2d04", label=_("killed"))
        ax.bar(years, table["injured"], bottom=table["killed"], color="#fd8d3c", label=_("injured"))
        ax.plot(years, table["children"], "o", color="black", label=_("of whom children"))
        ax.set_ylabel(_("casualties"))
        ax.yaxis.get_major_locator().set_params(integer=True)
        _numbers(ax.yaxis)
        ax.legend(frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_title(_("Casualties by year"))
        return [Figure("casualties_plot", _("Casualties by year"), _png(fig))]


def land_release(table: pd.DataFrame) -> list[Figure]:
    """Land cancelled, reduced and cleared per year, stacked (hectares, or km² where large)."""
    if table.empty:
        return []
    table, unit = in_area_unit(table)
    plt = _pyplot()
    with fonts():
        fig, ax = plt.subplots(figsize=(7, 3.2))
        years = [year_text(y) for y in table["year"].astype(int)]
        bottom = np.zeros(len(table))
        for outcome, colour, name in (
            ("cancelled", "#9ecae1", _("cancelled")),
            ("reduced", "#4292c6", _("reduced")),
            ("cleared", "#08519c", _("cleared")),
        ):
            values = table[f"{outcome}_{unit}"].to_numpy()
            ax.bar(years, values, bottom=bottom, color=colour, label=name)
            bottom += values
        ax.set_ylabel(_("{unit} released").format(unit=unit_name(unit)))
        _numbers(ax.yaxis)
        ax.legend(frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_title(_("Land released by year and outcome"))
        return [Figure("land_release_plot", _("Land released by year"), _png(fig))]


def area_map(per_area, strikes, hazard) -> list[Figure]:
    """Remaining hazard areas by kind, released land, strikes, and the hazard grid if given."""
    if per_area.empty and strikes.empty:
        return []
    with fonts():
        return [_area_map(per_area, strikes, hazard)]


def _area_map(per_area, strikes, hazard) -> Figure:
    from remnant.grid import equal_area_crs

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 6.5))
    note = _("No hazard map was given for this report.")
    if hazard is not None:
        crs, note = _draw_hazard(ax, hazard, fig)
    else:
        frame = per_area if len(per_area) else strikes
        lon, lat = frame.total_bounds.reshape(2, 2).mean(axis=0)
        crs = equal_area_crs(lon, lat)
    if len(per_area):
        for kind, colour in (("SHA", "#fdae6b"), ("CHA", "#d62728")):
            part = per_area[(per_area["kind"] == kind) & (per_area["remaining_m2"] >= 1.0)]
            if len(part):
                part.to_crs(crs).plot(
                    ax=ax, facecolor="none", edgecolor=colour, linewidth=0.8, label=kind
                )
    if len(strikes):
        s = strikes.to_crs(crs)
        ax.scatter(s.geometry.x, s.geometry.y, s=4, c="#2ca02c", marker="+", linewidths=0.5)
    handles = [
        plt.Line2D([], [], color="#fdae6b", label=_("suspected hazardous area (remaining)")),
        plt.Line2D([], [], color="#d62728", label=_("confirmed hazardous area (remaining)")),
        plt.Line2D([], [], color="#2ca02c", marker="+", linestyle="", label=_("reported strike")),
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.9)
    ax.set_aspect("equal")
    ax.set_xlabel(_("easting (m)"))
    ax.set_ylabel(_("northing (m)"))
    _numbers(ax.xaxis)
    _numbers(ax.yaxis)
    ax.tick_params(labelsize=6)
    ax.set_title(_("Hazard areas as they remain"))
    return Figure("map", _("Map of hazard areas"), _png(fig), note)


def _draw_hazard(ax, path, fig):
    """The hazard GeoTIFF's band 1 (cells merged for large grids), log colour scale."""
    from remnant.hazard.output import read_coarse
    from remnant.mapstyle import COLOURMAP, FLOOR, hazard_norm

    band, grid = read_coarse(path, 1500)
    left, bottom, right, top = grid.bounds
    values = np.ma.masked_less_equal(band, FLOOR)
    image = ax.imshow(
        values,
        extent=(left, right, bottom, top),
        cmap=COLOURMAP,
        norm=hazard_norm(values.max() if values.count() else 1.0),
        interpolation="nearest",
    )
    cell = number(grid.cell)
    label = _("expected unexploded items per {cell} m cell").format(cell=cell)
    fig.colorbar(image, ax=ax, shrink=0.7, label=label)
    note = _("Hazard map from {path} (cells merged to {cell} m for the page).").format(
        path=path, cell=cell
    )
    return grid.crs, note
