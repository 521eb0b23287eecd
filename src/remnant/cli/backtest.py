"""The backtest command: the map made from the past, checked against later clearance."""

from __future__ import annotations

import click
from rich.console import Console

from remnant.cli.command import command
from remnant.cli.options import csv_option, overwrite_option, store_argument
from remnant.cli.tables import new_table
from remnant.translate import N_, _, number, percent


@command()
@store_argument
@click.option(
    "--before",
    required=True,
    help="Make the map from what was known before this date (YYYY-MM-DD).",
)
@csv_option
@click.option(
    "--png",
    type=click.Path(dir_okay=False),
    default=None,
    help="Draw the calibration plot (predicted against found) and the PIT histogram.",
)
@click.option("--cell", type=float, default=25.0, show_default=True, help="Cell size (m).")
@click.option("--samples", type=int, default=400, show_default=True, help="Monte Carlo draws.")
@overwrite_option
def backtest(store, before, csv_path, png, cell, samples, overwrite) -> None:
    """Check STORE's hazard map on its own later clearance and technical survey.

    Makes the map and the field dud rates from what was known before --before, predicts
    the items each later search would find in its polygon (mean and 5-95 % band) and
    compares with what it found (docs/backtest.md says how to read the result).
    """
    from remnant.backtest import backtest as run
    from remnant.backtest import calibration_plot
    from remnant.outputs import refuse_existing
    from remnant.store import open_store

    refuse_existing(csv_path, png, overwrite=overwrite)
    with Console(stderr=True).status(_("making the map of the past and its predictions…")):
        result = run(open_store(store), before, cell=cell, samples=samples)
    s = result.summary
    table = new_table(
        _("back-test: map of what was known before {before}").format(before=result.before),
        (N_("measure"), N_("value")),
    )
    rows = [
        (_("searches after the date"), number(s["searches"])),
        (
            _("items found (mapped types)"),
            _("{found} (all types: {all})").format(
                found=number(s["found"]), all=number(s["items_later"])
            ),
        ),
        (
            _("items predicted (5-95 % band)"),
            f"{number(s['predicted'], 1)} "
            f"({number(s['predicted_p05'])}-{number(s['predicted_p95'])})",
        ),
        (_("finds within the 5-95 % band"), percent(s["in_band"])),
        (
            _("PIT coverage, 50 % interval"),
            f"{percent(s['coverage_50'])} ± {percent(s['coverage_50_se'])}",
        ),
        (
            _("PIT coverage, 90 % interval"),
            f"{percent(s['coverage_90'])} ± {percent(s['coverage_90_se'])}",
        ),
        (_("Spearman's rank correlation"), _maybe(s["spearman"], "{:.2f}")),
        (
            _("items found in the top {share} of searched area").format(
                share=percent(s["top_area_share"])
            ),
            _maybe(s["top_share"], "{:.0%}"),
        ),
    ]
    for row in rows:
        table.add_row(*row)
    Console().print(table)
    if csv_path:
        result.searches.to_csv(csv_path, index=False)
    if png:
        calibration_plot(result, png)


def _maybe(value, form: str) -> str:
    return "—" if value is None else form.format(value)


COMMANDS = [backtest]
