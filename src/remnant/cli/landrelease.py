"""Land release commands: record an activity, hand an area over, release statistics."""

from __future__ import annotations

import click
from rich.console import Console

from remnant.cli.command import command
from remnant.cli.options import csv_option, overwrite_option, store_argument, user_option
from remnant.cli.tables import new_table
from remnant.entities import ENTITIES
from remnant.translate import _, current
from remnant.units import in_area_unit

_ACTIVITY = ENTITIES["activities"]


def _choices(name: str) -> tuple[str, ...]:
    return _ACTIVITY.field(name).choices or ()


@command()
@store_argument
@click.option("--type", "kind", required=True, type=click.Choice(_choices("type")))
@click.option("--area", "hazard_area", default=None, metavar="ID", help="The hazard area's id.")
@click.option("--outcome", required=True, type=click.Choice(_choices("outcome")))
@click.option("--organisation", required=True)
@click.option("--start", required=True, metavar="YYYY-MM-DD")
@click.option("--end", default=None, metavar="YYYY-MM-DD")
@click.option("--method", default=None, type=click.Choice(_choices("method")))
@click.option("--depth-cm", default=None, help="Depth searched or cleared to (clearance: needed).")
@click.option("--team-days", default=None)
@click.option("--wkt", required=True, help="The polygon worked, as WKT.")
@click.option("--crs", default="EPSG:4326", show_default=True, help="CRS of the WKT coordinates.")
@click.option("--id", "record_id", default=None, help="Id to give it (default: from its content).")
@click.option("--notes", default=None)
@user_option
def activity(store, kind, hazard_area, outcome, wkt, crs, user, **fields) -> None:
    """Record one survey, clearance or QA activity on a hazard area.

    The land release workflow (IMAS 07.11) decides what it may do: an NTS cancels or
    confirms a suspected area, a TS reduces a confirmed one, clearance clears it; the area's
    kind and status follow, and anything else is refused with the reason.
    """
    from remnant.io import import_fields
    from remnant.store import open_store

    values = {"type": kind, "hazard_area": hazard_area, "outcome": outcome, **fields}
    values["id"] = values.pop("record_id")
    opened = open_store(store)
    report = import_fields(opened, "activities", values, wkt=wkt, crs=crs, user=user)
    written = report.written.inserted or report.written.unchanged
    recorded = _("recorded {id}") if report.written.inserted else _("{id} was already recorded")
    click.echo(recorded.format(id=written[0]))
    if hazard_area:
        area = opened.get("hazard_areas", hazard_area)
        click.echo(
            _("{hazard_area} is now {kind}, {status}").format(
                hazard_area=hazard_area, kind=area["kind"], status=status(area["status"])
            )
        )


@command("hand-over")
@store_argument
@click.argument("area_id", metavar="AREA")
@user_option
def hand_over(store, area_id, user) -> None:
    """Record that closed hazard AREA was handed over to its community."""
    from remnant.store import open_store

    opened = open_store(store)
    area = opened.get("hazard_areas", area_id)
    if area["status"] != "closed":
        raise click.ClickException(
            _("{area_id} is {status}: only a closed area is handed over").format(
                area_id=area_id, status=status(area["status"])
            )
        )
    opened.update(
        "hazard_areas",
        area_id,
        {"status": "handed_over"},
        user=user,
        expected_version=area["version"],
    )
    click.echo(_("{area_id} handed over").format(area_id=area_id))


@command("release-stats")
@store_argument
@click.option("--year", type=int, default=None, help="Only activities ending in this year.")
@click.option(
    "--by",
    default="year",
    show_default=True,
    help="Group by year, organisation, method, hazard_area or month.",
)
@csv_option
@overwrite_option
def release_stats(store, year, by, csv_path, overwrite) -> None:
    """Land released per group, items found by type, productivity per method.

    From STORE's activities: land cancelled, reduced and cleared (and released, their
    sum), items found and destroyed per munition, and m² per team-day per method. Tables
    show hectares, or km² where large; the CSV keeps m².
    """
    from remnant.landrelease import (
        by_kind,
        items_by_type,
        productivity,
        release_statistics,
        remaining,
    )
    from remnant.outputs import refuse_existing
    from remnant.store import open_store

    refuse_existing(csv_path, overwrite=overwrite)
    opened = open_store(store)
    table = release_statistics(opened, year=year, by=by)
    console = Console()
    title = _("land released by {by}, {year}") if year else _("land released by {by}")
    _print(console, title.format(by=by, year=year), table)
    _print(console, _("items found and destroyed by type"), items_by_type(opened, year=year))
    _print(console, _("productivity by method"), productivity(opened, year=year))
    _print(console, _("hazard areas: what remains"), by_kind(remaining(opened)))
    if csv_path:
        table.to_csv(csv_path, index=False)


def _print(console, title, frame) -> None:
    frame, _ = in_area_unit(frame)
    right = {str(c) for c in frame.columns if frame[c].dtype != object}
    table = new_table(title, [str(c) for c in frame.columns], right=right)
    for row in frame.itertuples(index=False):
        table.add_row(*(_number(v) if isinstance(v, float) else str(v) for v in row))
    console.print(table)


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def status(value: str) -> str:
    """A hazard area's status in words, in the language spoken, to stand in a sentence.

    >>> status("worked_on")
    'worked on'
    """
    from remnant.labels import label, load  # read only when a status is shown

    text = label(load(), "choices", "status", value, current())
    return text[:1].lower() + text[1:]


COMMANDS = [activity, hand_over, release_stats]
