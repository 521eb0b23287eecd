"""The hazard command: the map of expected unexploded submunitions, and per-area risk."""

from __future__ import annotations

import click
from rich.console import Console
from rich.progress import Progress

from remnant.cli.command import command
from remnant.cli.options import overwrite_option, store_argument, user_option
from remnant.cli.tables import new_table
from remnant.translate import N_, _, number


@command()
@store_argument
@click.option("--cell", type=float, required=True, metavar="METRES", help="Cell size in metres.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="The Cloud-Optimized GeoTIFF to write.",
)
@click.option(
    "--png", type=click.Path(dir_okay=False), default=None, help="Also draw the map as a PNG."
)
@click.option(
    "--samples",
    type=click.IntRange(min=0),
    default=200,
    show_default=True,
    help="Monte Carlo draws for the per-area bands (0: none).",
)
@click.option(
    "--truncate",
    type=float,
    default=4.0,
    show_default=True,
    help="Kernel truncation in standard deviations.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed of the Monte Carlo draws."
)
@click.option(
    "--tile",
    type=click.IntRange(min=256),
    default=1024,
    show_default=True,
    help="Tile size in cells: memory is bounded by the tile, not the extent.",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="local|tcp://HOST:PORT",
    help="Run the tiles on Dask: a LocalCluster here, or the scheduler at that address.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes of the local Dask cluster (default: one per core).",
)
@overwrite_option
@user_option
def hazard(
    store, cell, out, png, samples, truncate, seed, tile, scheduler, workers, overwrite, user
):
    """Map expected unexploded submunitions remaining per cell from STORE's strikes.

    Writes OUT (a COG of expected items per cell; P(any) = 1 − exp(−value)), the
    per-hazard-area sums with 5th/50th/95th percentiles into the store's hazard_area_risk
    layer, and with --png a map. The grid is computed tile by tile, in this process or on
    a Dask cluster (--scheduler), with the same result.
    """
    from remnant.mapping import write_hazard
    from remnant.store import open_store

    opened = open_store(store)
    with Progress(console=Console(stderr=True), transient=True) as bar:
        tiles = bar.add_task(_("tiles"), total=None)
        draws = bar.add_task(_("Monte Carlo draws"), total=samples or None)
        hazard_map, table, rates = write_hazard(
            opened,
            cell,
            out,
            png=png,
            samples=samples,
            truncate=truncate,
            seed=seed,
            overwrite=overwrite,
            user=user,
            progress=lambda k: bar.advance(draws, k),
            tile=tile,
            scheduler=scheduler,
            workers=workers,
            tile_progress=lambda n, total: bar.update(tiles, completed=n, total=total),
        )
    summary(hazard_map, table, rates, out)


def summary(hazard_map, table, rates, out) -> None:
    """Print what the map holds: the rates used, where the expected total went, the top areas."""
    console = Console()
    g = hazard_map.grid
    console.print(
        _("wrote {out}: {height} × {width} cells of {cell:g} m").format(
            out=out, height=number(g.height), width=number(g.width), cell=g.cell
        )
    )
    t = new_table(_("dud rates used"), (N_("munition"), N_("mean"), N_("source")), right={"mean"})
    for key, r in rates.items():
        t.add_row(key, f"{r['mean']:.1%}", r["source"])
    console.print(t)
    remaining = hazard_map.remaining
    console.print(
        _(
            "expected unexploded submunitions remaining on the grid: {remaining} (lost beyond "
            "kernel truncation {truncated:.3g}, off the grid {outside:.3g})"
        ).format(
            remaining=number(remaining), truncated=hazard_map.truncated, outside=hazard_map.outside
        )
    )
    if table.empty:
        console.print(_("the store has no hazard areas: no per-area sums"))
        return
    top = table.sort_values("expected", ascending=False).head(5)
    console.print(
        _("hazard areas with most items expected: {areas}").format(
            areas=", ".join(
                f"{r.hazard_area} {number(r.expected)}"
                + (f" (90 %: {number(r.p05)}–{number(r.p95)})" if r.p05 == r.p05 else "")
                for r in top.itertuples()
            )
        )
    )


COMMANDS = [hazard]
