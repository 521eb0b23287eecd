"""The plan command: rank hazard areas by harm averted per team-day and schedule teams."""

from __future__ import annotations

import click

from remnant.cli.options import overwrite_option, store_argument


def _pairs(values, option: str) -> dict[str, float]:
    """``NAME=NUMBER`` options as a dict, every number positive."""
    out = {}
    for value in values:
        key, _, number = value.partition("=")
        try:
            out[key.strip()] = float(number)
        except ValueError:
            out[key.strip()] = float("nan")
        if not out[key.strip()] > 0:  # also refuses a missing or non-numeric value (NaN)
            raise click.BadParameter(
                f"expected NAME=POSITIVE_NUMBER, got {value!r}", param_hint=option
            )
    return out


def show(result) -> None:
    """Print what a plan used, its top priorities and what it buys against the baselines."""
    from remnant.priority import BASELINES

    click.echo("exposure from: " + "; ".join(result.inputs))
    top = result.priorities.head(10)
    click.echo("highest priorities (harm averted per team-day):")
    for row in top.itertuples():
        click.echo(
            f"  {row.rank:>3}. {row.hazard_area}: {row.expected_items:,.1f} items expected on "
            f"{row.remaining_m2 / 1e4:,.1f} ha, exposure {row.exposure:,.2f}, "
            f"{row.team_days:,.1f} team-days by {row.method}, priority {row.priority:.3g}"
        )
    horizon = min(90.0, result.horizon)
    averted = result.averted(horizon)
    click.echo(f"harm averted in the first {horizon:.0f} days (relative units):")
    click.echo(f"  this plan {averted['plan']:,.3g}")
    for name in BASELINES:
        times = f"{averted['plan'] / averted[name]:,.1f}×" if averted[name] > 0 else "∞×"
        click.echo(f"  {name} {averted[name]:,.3g}: the plan averts {times} as much")


@click.command()
@store_argument
@click.option("--teams", type=click.IntRange(min=1), required=True, help="Teams to schedule.")
@click.option("--days", type=float, default=365.0, show_default=True, help="Planning horizon.")
@click.option(
    "--productivity",
    multiple=True,
    metavar="METHOD=M2_PER_DAY",
    help="m² per team-day for clearance or TS (default: measured in the store, else "
    "priority.toml). Repeatable.",
)
@click.option(
    "--population",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Population raster (GeoTIFF, any CRS): people per cell.",
)
@click.option(
    "--landuse",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Land-use polygons (any vector format) with a 'class' column.",
)
@click.option(
    "--landuse-weight",
    multiple=True,
    metavar="CLASS=W",
    help="Weight of a land-use class (overrides priority.toml). Repeatable.",
)
@click.option(
    "--hazard",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Hazard map GeoTIFF from remnant hazard (default: computed).",
)
@click.option(
    "--cell",
    type=float,
    default=50.0,
    show_default=True,
    help="Cell size (m) when the hazard map is computed here.",
)
@click.option(
    "--base",
    default=None,
    metavar="LON,LAT",
    help="Team base, for the 'nearest first' baseline (default: centre).",
)
@click.option(
    "--max-part-days",
    type=float,
    default=30.0,
    show_default=True,
    help="Split areas needing more team-days than this into parts.",
)
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder to write.")
@overwrite_option
def plan(
    store,
    teams,
    days,
    productivity,
    population,
    landuse,
    landuse_weight,
    hazard,
    cell,
    base,
    max_part_days,
    out,
    overwrite,
) -> None:
    """Rank STORE's open hazard areas by harm averted per team-day and schedule the teams.

    Writes priorities.csv (ranked, with every term), schedule.csv (team, area, start and
    end day) and plan.png (harm averted and farmland released over time against the
    baselines largest first, nearest first and random).
    """
    from rich.console import Console

    from remnant.priority import write_plan
    from remnant.store import open_store

    where = None
    if base:
        try:
            lon, lat = (float(v) for v in base.split(","))
        except ValueError:
            raise click.BadParameter(
                f"expected LON,LAT, got {base!r}", param_hint="--base"
            ) from None
        where = (lon, lat)
    with Console(stderr=True).status("mapping the hazard, ranking the areas, scheduling…"):
        result = write_plan(
            open_store(store),
            out,
            teams=teams,
            horizon=days,
            overwrite=overwrite,
            productivity=_pairs(productivity, "--productivity"),
            population=population,
            landuse=landuse,
            landuse_weights=_pairs(landuse_weight, "--landuse-weight"),
            hazard=hazard,
            cell=cell,
            base=where,
            max_part_days=max_part_days,
        )
    show(result)
    click.echo(f"wrote {out}/priorities.csv, schedule.csv, by_unit.csv and plan.png")


COMMANDS = [plan]
