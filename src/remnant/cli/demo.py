"""The demo command: build the synthetic scenario and show what it holds."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from remnant.cli.command import command
from remnant.cli.dudrate import show
from remnant.cli.hazard import summary
from remnant.cli.options import overwrite_option
from remnant.cli.plan import show as show_plan
from remnant.cli.tables import new_table
from remnant.translate import N_, _, number


@command()
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
    with console.status(_("building the synthetic scenario, fitting dud rates, mapping…")):
        result = build_demo(folder, seed=seed, overwrite=overwrite)
    scenario, counts = result["scenario"], result["counts"]
    console.print(
        _("[bold]SYNTHETIC demo[/bold] (seed {seed}) in {folder}").format(
            seed=seed, folder=Path(folder).resolve()
        )
    )
    table = new_table(
        _("records in remnant.gpkg (all synthetic)"),
        (N_("layer"), N_("records")),
        right={"records"},
    )
    for layer, n in counts.items():
        table.add_row(layer, str(n))
    console.print(table)
    truth = scenario.truth
    by_type = scenario.strikes["munition"].value_counts()
    found = scenario.items["munition"].value_counts()
    columns = (
        N_("munition"),
        N_("strikes"),
        N_("duds (hidden)"),
        N_("found"),
        N_("true dud rate (hidden)"),
    )
    table = new_table(
        _("strikes by type, with the hidden true dud rates"), columns, right=columns[1:]
    )
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
        _(
            "hidden truth (synthetic): {left} duds remain; the map expects {remaining} from "
            "the field dud rates fitted to what clearance found"
        ).format(
            left=number(truth["duds_total"] - truth["duds_found"]),
            remaining=number(hazard_map.remaining),
        )
    )
    released = scenario.activities.groupby("outcome").size().to_dict()
    console.print(
        _(
            "hazard areas: {cha} CHA, {sha} SHA; activities by outcome: {released}; "
            "duds found {duds_found} of {duds_total}"
        ).format(
            cha=(scenario.hazard_areas["kind"] == "CHA").sum(),
            sha=(scenario.hazard_areas["kind"] == "SHA").sum(),
            released=released,
            duds_found=truth["duds_found"],
            duds_total=truth["duds_total"],
        )
    )
    console.print(
        _("back-test (demo/backtest.png): {backtest}").format(backtest=result["backtest"])
    )
    inferred = result["inferred"]
    console.print(
        _(
            "strikes left out of the records (truth.json: held_back_strikes): {strikes}; "
            "infer-strikes: {inferred}, waiting for review (remnant review list demo/remnant.gpkg)"
        ).format(strikes=", ".join(truth["held_back_strikes"]), inferred=inferred)
    )
    console.print(_("[bold]plan[/bold] for 4 teams over a year (demo/plan/):"))
    show_plan(result["plan"])
    console.print(
        _(
            "report: {report} and report.pdf; in Ukrainian report.uk.html, in Arabic "
            "report.ar.html and report.ar.pdf (machine-drafted translations)"
        ).format(report=Path(folder) / "report.html")
    )


def _national(folder: Path, scheduler: str | None, overwrite: bool) -> None:
    from rich.progress import Progress

    from remnant.backtest import backtest, calibration_plot
    from remnant.mapping import write_hazard
    from remnant.national import BACKTEST_BEFORE, build_national

    console = Console()
    with console.status(_("building the synthetic national scenario…")):
        store = build_national(folder, overwrite=overwrite)
    console.print(
        _("[bold]SYNTHETIC national scenario[/bold] in {folder}: {counts}").format(
            folder=folder.resolve(), counts=store.counts()
        )
    )
    with Progress(console=Console(stderr=True), transient=True) as bar:
        tiles = bar.add_task(_("hazard map tiles (100 m)"), total=None)
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
    with console.status(_("back-testing the map on the later searches…")):
        past = backtest(store, BACKTEST_BEFORE, cell=100.0, samples=200)
        past.searches.to_csv(folder / "backtest.csv", index=False)
        calibration_plot(
            past,
            folder / "backtest.png",
            title=f"SYNTHETIC national: map of {BACKTEST_BEFORE}, "
            f"{len(past.searches)} later searches",
        )
    console.print(
        _("back-test ({figure}): {past}").format(figure=folder / "backtest.png", past=past)
    )


COMMANDS = [demo]
