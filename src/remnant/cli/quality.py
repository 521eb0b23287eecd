"""The qa-plan command: post-clearance inspection sampling and what acceptance says."""

from __future__ import annotations

import click
from rich.console import Console

from remnant.cli.command import command
from remnant.cli.options import overwrite_option
from remnant.cli.tables import new_table
from remnant.translate import N_, _, number, percent


@command("qa-plan")
@click.option(
    "--lot-area", type=float, required=True, metavar="M2", help="Area of the cleared lot, m²."
)
@click.option(
    "--sample-unit",
    type=float,
    required=True,
    metavar="M2",
    help="Area of one inspection unit, m².",
)
@click.option(
    "--confidence",
    type=float,
    default=0.95,
    show_default=True,
    help="Chance of rejecting a lot over the tolerance.",
)
@click.option(
    "--tolerated",
    type=int,
    default=0,
    show_default=True,
    help="Nonconforming units (with an item) the lot may hold.",
)
@click.option(
    "-c",
    "--acceptance",
    "c",
    type=int,
    default=0,
    show_default=True,
    help="Nonconforming units a sample may show and pass.",
)
@click.option(
    "--png",
    type=click.Path(dir_okay=False),
    default=None,
    help="Draw the operating characteristic curve.",
)
@click.option(
    "--store",
    default=None,
    metavar="STORE",
    help="With --lot: take the lot's expected residual items from the hazard model.",
)
@click.option(
    "--lot",
    default=None,
    metavar="ACTIVITY_ID",
    help="The clearance activity whose polygon is the lot.",
)
@click.option(
    "--cell", type=float, default=25.0, show_default=True, help="Hazard grid cell (m) for --lot."
)
@overwrite_option
def qa_plan(lot_area, sample_unit, confidence, tolerated, c, png, store, lot, cell, overwrite):
    """Sample size for inspecting a cleared lot, and the confidence it really buys.

    Prints the exact (hypergeometric) plan and the binomial one attribute-sampling tables
    in the manner of ISO 2859-1 rest on. With --store and --lot it also shows what an
    accepted sample says about the residual contamination the hazard model expects there.
    """
    from remnant.errors import InputError
    from remnant.outputs import refuse_existing
    from remnant.sampling import binomial_plan, hypergeometric_plan, oc_curve, what_acceptance_says

    refuse_existing(png, overwrite=overwrite)
    if (store is None) != (lot is None):
        raise InputError(N_("--store and --lot go together"))
    exact = hypergeometric_plan(lot_area, sample_unit, confidence, tolerated, c=c)
    approx = binomial_plan(lot_area, sample_unit, confidence, tolerated, c=c)
    console = Console()
    table = new_table(
        _(
            "lot of {units} units of {sample_unit:g} m²; reject more than {tolerated} bad "
            "units at {confidence}"
        ).format(
            units=number(exact.units),
            sample_unit=sample_unit,
            tolerated=tolerated,
            confidence=percent(confidence),
        ),
        (N_("plan"), N_("inspect n units"), N_("accept if bad ≤"), N_("area inspected")),
    )
    for plan in (exact, approx):
        table.add_row(plan.method, f"{plan.n:,}", str(plan.c), f"{plan.sampled_share:.1%}")
    console.print(table)
    if store:
        expected = _lot_expected_items(store, lot, cell)
        said = what_acceptance_says(exact, expected)
        console.print(
            _(
                "lot {lot}: the hazard model expects {expected:.3g} items left; P(any) "
                "{p_any_before} before inspection, {p_any_after} after an accepted sample (the "
                "plan accepts this lot with probability {p_accept}); expected bad units "
                "{expected_bad_before:.3g} → {expected_bad_after:.3g}"
            ).format(
                lot=lot,
                expected=expected,
                p_any_before=percent(said["p_any_before"], 1),
                p_any_after=percent(said["p_any_after"], 1),
                p_accept=percent(said["p_accept"], 1),
                expected_bad_before=said["expected_bad_before"],
                expected_bad_after=said["expected_bad_after"],
            )
        )
    if png:
        _draw(exact, approx, oc_curve, png)


def _lot_expected_items(store, lot: str, cell: float) -> float:
    import geopandas as gpd

    from remnant.hazard import area_sums
    from remnant.mapping import map_store
    from remnant.store import open_store

    opened = open_store(store)
    activity = opened.get("activities", lot)
    hazard_map, _ = map_store(opened, cell, samples=0)
    frame = gpd.GeoDataFrame({"id": [lot]}, geometry=[activity["geometry"]], crs=4326)
    return float(area_sums(hazard_map, frame)["expected"].iloc[0])


def _draw(exact, approx, oc_curve, png) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    for plan, style in ((exact, "-"), (approx, "--")):
        bad, p = oc_curve(plan)
        ax.plot(bad, p, style, label=f"{plan.method}: n = {plan.n:,}, c = {plan.c}")
    ax.axvline(exact.tolerated + 0.5, color="0.5", linewidth=0.8)
    ax.axhline(1 - exact.confidence, color="0.5", linewidth=0.8)
    ax.set_xlabel(f"nonconforming units in the lot (of {exact.units:,})")
    ax.set_ylabel("probability the lot is accepted")
    ax.set_title("Operating characteristic of the inspection plan")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.savefig(png, bbox_inches="tight")
    plt.close(fig)


COMMANDS = [qa_plan]
