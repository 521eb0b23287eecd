"""The release-stats command: land released by outcome, items found, productivity."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from remnant.cli.options import csv_option, overwrite_option, store_argument
from remnant.landrelease import BY


@click.command("release-stats")
@store_argument
@click.option("--year", type=int, default=None, help="Only activities ending in this year.")
@click.option("--by", type=click.Choice(BY), default="year", show_default=True, help="Group by.")
@csv_option
@overwrite_option
def release_stats(store, year, by, csv_path, overwrite) -> None:
    """Land released per group, items found by type, productivity per method.

    From STORE's activities: m² cancelled, reduced and cleared (and released, their sum),
    items found and destroyed per munition, and m² per team-day per method.
    """
    from pathlib import Path

    from remnant.hazard.output import refuse_existing
    from remnant.landrelease import items_by_type, productivity, release_statistics
    from remnant.store import open_store

    if csv_path:
        refuse_existing(Path(csv_path), overwrite)
    opened = open_store(store)
    table = release_statistics(opened, year=year, by=by)
    console = Console()
    _print(console, f"land released by {by}" + (f", {year}" if year else ""), table)
    _print(console, "items found and destroyed by type", items_by_type(opened, year=year))
    _print(console, "productivity by method", productivity(opened, year=year))
    if csv_path:
        table.to_csv(csv_path, index=False)


def _print(console, title, frame) -> None:
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column), justify="left" if frame[column].dtype == object else "right")
    for row in frame.itertuples(index=False):
        table.add_row(*(f"{v:,.0f}" if isinstance(v, float) else str(v) for v in row))
    console.print(table)


COMMANDS = [release_stats]
