"""The infer-strikes command: candidate strikes from clusters of unexplained finds."""

from __future__ import annotations

import click
from rich.console import Console

from remnant.cli.command import command
from remnant.cli.options import store_argument, user_option
from remnant.cli.tables import new_table
from remnant.translate import N_, _


@command("infer-strikes")
@store_argument
@click.option(
    "--min-items",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Finds a cluster needs to become a candidate strike.",
)
@user_option
def infer_strikes(store, min_items, user) -> None:
    """Propose strikes for STORE's clusters of finds that no recorded strike explains.

    Each candidate (position, azimuth where its finds are elongated, carriers from the
    count found given the dud rate, detection and the share of its footprint searched) is
    written as a pending strike with source class 'inferred' and its evidence in notes,
    for a reviewer to accept (remnant review). See docs/inferred-strikes.md.
    """
    from remnant.store import default_user, open_store
    from remnant.strikes_from_finds import infer_strikes as infer
    from remnant.strikes_from_finds import propose_strikes

    opened = open_store(store)
    with Console(stderr=True).status(_("looking for finds no strike explains…")):
        found = infer(opened, min_items=min_items)
    click.echo(str(found))
    if found.frame.empty:
        return
    table = new_table(
        _("candidate strikes (pending review)"),
        (
            N_("id"),
            N_("munition"),
            N_("lon"),
            N_("lat"),
            N_("finds"),
            N_("carriers"),
            N_("azimuth"),
            N_("accuracy m"),
        ),
    )
    for row in found.frame.itertuples():
        table.add_row(
            row.id,
            row.munition,
            f"{row.geometry.x:.5f}",
            f"{row.geometry.y:.5f}",
            str(len(found.items[row.id])),
            f"{row.carriers_min}–{row.carriers_max}",
            "—" if row.azimuth_deg != row.azimuth_deg else f"{row.azimuth_deg:.0f}°",
            f"{row.accuracy_m:g}",
        )
    Console().print(table)
    waiting = propose_strikes(opened, found, user=user or default_user())
    click.echo(
        _("{n} waiting for review: remnant review list {store}").format(n=len(waiting), store=store)
    )


COMMANDS = [infer_strikes]
