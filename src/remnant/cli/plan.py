"""The plan command: rank hazard areas by harm averted per team-day and schedule teams."""

from __future__ import annotations

import click

from remnant.cli.command import command
from remnant.cli.options import overwrite_option, store_argument
from remnant.translate import _, number


def _pairs(values, option: str) -> dict[str, float]:
    """``NAME=NUMBER`` options as a dict, every number positive."""
    out = {}
    for value in values:
        key, _sep, amount = value.partition("=")
        try:
            out[key.strip()] = float(amount)
        except ValueError:
            out[key.strip()] = float("nan")
        if not out[key.strip()] > 0:  # also refuses a missing or non-numeric value (NaN)
            raise click.BadParameter(
                _("expected NAME=POSITIVE_NUMBER, got {value!r}").format(value=value),
                param_hint=option,
            )
    return out


def show(result) -> None:
    """Print what a plan used, its top priorities and what it buys against the baselines."""
    from remnant.priority import BASELINES

    click.echo(_("exposure from: {inputs}").format(inputs="; ".join(result.inputs)))
    top = result.priorities.head(10)
    click.echo(_("highest priorities (harm averted per team-day):"))
    for row in top.itertuples():
        click.echo(
            "  "
            + _(
                "{rank:>3}. {hazard_area}: {expected_items} items expected on "
                "{hectares} ha, exposure {exposure}, {team_days} team-days by "
                "{method}, priority {priority:.3g}"
            ).format(
                rank=row.rank,
                hazard_area=row.hazard_area,
                expected_items=number(row.expected_items, 1),
                hectares=number(row.remaining_m2 / 10000.0, 1),
                exposure=number(row.exposure, 2),
                team_days=number(row.team_days, 1),
                method=row.method,
                priority=row.priority,
            )
        )
    horizon = min(90.0, result.horizon)
    averted = result.averted(horizon)
    click.echo(
        _("harm averted in the first {horizon:.0f} days (relative units):").format(horizon=horizon)
    )
    click.echo("  " + _("this plan {plan:,.3g}").format(plan=averted["plan"]))
    for name in BASELINES:
        times = f"{averted['plan'] / averted[name]:,.1f}×" if averted[name] > 0 else "∞×"
        click.echo(
            "  "
            + _("{name} {value:,.3g}: the plan averts {times} as much").format(
                name=name, value=averted[name], times=times
            )
        )


@command()
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
                _("expected LON,LAT, got {base!r}").format(base=base), param_hint="--base"
            ) from None
        where = (lon, lat)
    with Console(stderr=True).status(_("mapping the hazard, ranking the areas, scheduling…")):
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
    click.echo(
        _("wrote {out}/priorities.csv, schedule.csv, by_unit.csv and plan.png").format(out=out)
    )


COMMANDS = [plan]
