"""The dudrate command: field dud rates per submunition type from clearance results."""

from __future__ import annotations

import click
from rich.console import Console

from remnant.cli.command import command
from remnant.cli.options import csv_option, overwrite_option, store_argument
from remnant.cli.tables import new_table
from remnant.translate import N_, _, number, percent


@command()
@store_argument
@csv_option
@click.option(
    "--png",
    type=click.Path(dir_okay=False),
    default=None,
    help="Draw a forest plot of priors and estimates.",
)
@overwrite_option
def dudrate(store: str, csv_path: str | None, png: str | None, overwrite: bool) -> None:
    """Estimate the field dud rate of each submunition type from STORE's clearance results.

    Uses every strike whose footprint clearance or technical survey covered, the items of
    its type found there and the detection probability of the search; prints the posterior
    mean and 90 % credible interval next to the catalogue's published ranges.
    """
    from remnant.dudrate import forest_plot
    from remnant.mapping import fit_store
    from remnant.outputs import refuse_existing
    from remnant.store import open_store

    refuse_existing(csv_path, png, overwrite=overwrite)
    opened = open_store(store)
    with Console(stderr=True).status(_("fitting field dud rates…")):
        fit = fit_store(opened)
    show(fit, opened.catalogue())
    if csv_path:
        fit.table().to_csv(csv_path, index=False)
    if png:
        forest_plot(fit, opened.catalogue(), png)


def show(fit, catalogue, truth=None) -> None:
    """Print the estimates per type beside the catalogue's ranges (and a hidden truth)."""
    columns = [
        N_("type"),
        N_("strikes"),
        N_("fired"),
        N_("found"),
        N_("estimate"),
        N_("90 % interval"),
        N_("κ"),
        N_("test/claimed"),
        N_("field reports"),
    ]
    if truth:
        columns.append(N_("hidden truth"))
    table = new_table(
        _("field dud rates (posterior mean, 90 % credible interval)"), columns, right=columns[1:]
    )
    for kind, e in fit.estimates.items():
        m = catalogue[kind]
        row = [
            kind,
            str(e.strikes),
            number(e.fired),
            number(e.found),
            percent(e.mean, 1) if e.data else _("prior {mean}").format(mean=percent(e.mean, 1)),
            f"{percent(e.lo90, 1)}–{percent(e.hi90, 1)}",
            number(e.kappa) if e.data else "—",
            _range(m.test_rate),
            _range(m.field_rate),
        ]
        if truth:
            row.append(percent(truth[kind], 1) if kind in truth else "")
        table.add_row(*row)
    Console().print(table)
    if any(not e.data for e in fit.estimates.values()):
        Console().print(
            _("types marked 'prior' have no clearance data: the catalogue prior is kept")
        )
    if fit.unattributed:
        Console().print(
            _("{unattributed} found item(s) matched no strike of their type").format(
                unattributed=fit.unattributed
            )
        )


def _range(r) -> str:
    return "—" if r is None else f"{r[0]:.1%}–{r[1]:.1%}"


COMMANDS = [dudrate]
