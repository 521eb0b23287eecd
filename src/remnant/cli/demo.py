"""The demo command: build the synthetic scenario and show what it holds."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from remnant.cli.dudrate import show
from remnant.cli.hazard import summary
from remnant.cli.options import overwrite_option
from remnant.cli.plan import show as show_plan
from remnant.cli.tables import new_table


@click.command()
@click.argument("folder", type=click.Path(file_okay=False), default="demo")
@click.option("--seed", default=7, show_default=True, help="Seed of the synthetic scenario.")
@click.option(
    "--scale",
    type=click.Choice(["district", "national"]),
    default="district",
    show_default=True,
    help="district: the full demo (models, plan, report); national: 600,000 km², 50,000 "
    "strikes, mapped at 100 m tile by tile.",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="local|tcp://HOST:PORT",
    help="With --scale national: map the tiles on Dask.",
)
@overwrite_option
def demo(folder: str, seed: int, scale: str, scheduler: str | None, overwrite: bool) -> None:
    """Build a SYNTHETIC scenario in FOLDER (default ./demo) and summarise it.

    The store FOLDER/remnant.gpkg holds strikes, hazard areas, survey and clearance,
    items found, accidents and victims; FOLDER/truth.json the hidden truth behind them.
    With --scale national, FOLDER/national.gpkg, its hazard map FOLDER/national.tif and
    its back-test FOLDER/backtest.png/.csv.
    """
    from remnant.demo import build_demo

    if scale == "national":
        _national(Path(folder), scheduler, overwrite)
        return

    console = Console()
    with console.status("building the synthetic scenario, fitting dud rates, mapping…"):
        result = build_demo(folder, seed=seed, overwrite=overwrite)
    scenario, counts = result["scenario"], result["counts"]
    console.print(f"[bold]SYNTHETIC demo[/bold] (seed {seed}) in {Path(folder).resolve()}")
    table = new_table(
        "records in remnant.gpkg (all synthetic)", ("layer", "records"), right={"records"}
    )
    for layer, n in counts.items():
        table.add_row(layer, str(n))
    console.print(table)
    truth = scenario.truth
    by_type = scenario.strikes["munition"].value_counts()
    found = scenario.items["munition"].value_counts()
    columns = ("munition", "strikes", "duds (hidden)", "found", "true dud rate (hidden)")
    table = new_table("strikes by type, with the hidden true dud rates", columns, right=columns[1:])
    for key, rate in truth["true_dud_rates"].items():
        table.add_row(
            key,
            str(by_type.get(key, 0)),
            str(truth["duds_by_type"][key]),
            str(found.get(key, 0)),
            f"{rate:.1%}",
        )
    console.print(table)
    show(result["fit"], result["store"].catalogue(), truth=truth["true_dud_rates"])
    hazard_map, hazard_table, rates = result["hazard"]
    summary(hazard_map, hazard_table, rates, Path(folder) / "hazard.tif")
    console.print(
        f"hidden truth (synthetic): {truth['duds_total'] - truth['duds_found']:,} duds remain; "
        f"the map expects {hazard_map.remaining:,.0f} "
        "from the field dud rates fitted to what clearance found"
    )
    released = scenario.activities.groupby("outcome").size().to_dict()
    console.print(
        f"hazard areas: {(scenario.hazard_areas['kind'] == 'CHA').sum()} CHA, "
        f"{(scenario.hazard_areas['kind'] == 'SHA').sum()} SHA; activities by outcome: {released}; "
        f"duds found {truth['duds_found']} of {truth['duds_total']}"
    )
    console.print(f"back-test (demo/backtest.png): {result['backtest']}")
    inferred = result["inferred"]
    console.print(
        f"strikes left out of the records (truth.json: held_back_strikes): "
        f"{', '.join(truth['held_back_strikes'])}; infer-strikes: {inferred}, "
        "waiting for review (remnant review list demo/remnant.gpkg)"
    )
    console.print("[bold]plan[/bold] for 4 teams over a year (demo/plan/):")
    show_plan(result["plan"])
    console.print(
        f"report: {Path(folder) / 'report.html'} and report.pdf; in Ukrainian report.uk.html, "
        "in Arabic report.ar.html and report.ar.pdf (machine-drafted translations)"
    )


def _national(folder: Path, scheduler: str | None, overwrite: bool) -> None:
    from rich.progress import Progress

    from remnant.backtest import backtest, calibration_plot
    from remnant.mapping import write_hazard
    from remnant.national import BACKTEST_BEFORE, build_national

    console = Console()
    with console.status("building the synthetic national scenario…"):
        store = build_national(folder, overwrite=overwrite)
    console.print(
        f"[bold]SYNTHETIC national scenario[/bold] in {folder.resolve()}: {store.counts()}"
    )
    with Progress(console=Console(stderr=True), transient=True) as bar:
        tiles = bar.add_task("hazard map tiles (100 m)", total=None)
        hazard_map, table, rates = write_hazard(
            store,
            100.0,
            folder / "national.tif",
            samples=0,
            overwrite=overwrite,
            scheduler=scheduler,
            title="SYNTHETIC national scenario",
            tile_progress=lambda n, total: bar.update(tiles, completed=n, total=total),
        )
    summary(hazard_map, table, rates, folder / "national.tif")
    with console.status("back-testing the map on the later searches…"):
        past = backtest(store, BACKTEST_BEFORE, cell=100.0, samples=200)
        past.searches.to_csv(folder / "backtest.csv", index=False)
        calibration_plot(
            past,
            folder / "backtest.png",
            title=f"SYNTHETIC national: map of {BACKTEST_BEFORE}, "
            f"{len(past.searches)} later searches",
        )
    console.print(f"back-test ({folder / 'backtest.png'}): {past}")


COMMANDS = [demo]
