"""The report's plots and map, drawn with matplotlib and kept as PNG bytes."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from remnant.units import UNIT_NAMES, in_area_unit

__all__ = ["Figure", "area_map", "casualties", "land_release"]

DPI = 130


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
    fig, ax = plt.subplots(figsize=(7, 3.2))
    years = table["year"].astype(int).astype(str)
    ax.bar(years, table["killed"], color="#8c2d04", label="killed")
    ax.bar(years, table["injured"], bottom=table["killed"], color="#fd8d3c", label="injured")
    ax.plot(years, table["children"], "o", color="black", label="of whom children")
    ax.set_ylabel("casualties")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("Casualties by year")
    return [Figure("casualties_plot", "Casualties by year", _png(fig))]


def land_release(table: pd.DataFrame) -> list[Figure]:
    """Land cancelled, reduced and cleared per year, stacked (hectares, or km² where large)."""
    if table.empty:
        return []
    table, unit = in_area_unit(table)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    years = table["year"].astype(int).astype(str)
    bottom = np.zeros(len(table))
    for outcome, colour in (
        ("cancelled", "#9ecae1"),
        ("reduced", "#4292c6"),
        ("cleared", "#08519c"),
    ):
        values = table[f"{outcome}_{unit}"].to_numpy()
        ax.bar(years, values, bottom=bottom, color=colour, label=outcome)
        bottom += values
    ax.set_ylabel(f"{UNIT_NAMES[unit]} released")
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title("Land released by year and outcome")
    return [Figure("land_release_plot", "Land released by year", _png(fig))]


def area_map(per_area, strikes, hazard) -> list[Figure]:
    """Remaining hazard areas by kind, released land, strikes, and the hazard grid if given."""
    if per_area.empty and strikes.empty:
        return []
    from remnant.grid import equal_area_crs

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 6.5))
    note = "No hazard map was given for this report."
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
        plt.Line2D([], [], color="#fdae6b", label="suspected hazardous area (remaining)"),
        plt.Line2D([], [], color="#d62728", label="confirmed hazardous area (remaining)"),
        plt.Line2D([], [], color="#2ca02c", marker="+", linestyle="", label="reported strike"),
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.9)
    ax.set_aspect("equal")
    ax.ticklabel_format(style="plain", useOffset=False)
    ax.tick_params(labelsize=6)
    ax.set_title("Hazard areas as they remain")
    return [Figure("map", "Map of hazard areas", _png(fig), note)]


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
    label = f"expected unexploded items per {grid.cell:,.0f} m cell"
    fig.colorbar(image, ax=ax, shrink=0.7, label=label)
    note = f"Hazard map from {path} (cells merged to {grid.cell:,.0f} m for the page)."
    return grid.crs, note
