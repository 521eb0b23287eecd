"""Commands on the munition catalogue."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from remnant.catalogue import default_catalogue, lookup


@click.group()
def catalogue() -> None:
    """The munition catalogue: submunitions per carrier, footprint, dud-rate prior, sources."""


@catalogue.command("list")
def list_() -> None:
    """List the catalogue's entries."""
    table = Table(title="munition catalogue (default)")
    for column in (
        "key",
        "name",
        "delivery",
        "per carrier",
        "footprint m",
        "prior mean",
        "prior 90 %",
    ):
        table.add_column(column)
    for m in default_catalogue().values():
        table.add_row(
            m.key,
            m.name,
            m.delivery,
            str(m.submunitions_per_carrier),
            f"{m.footprint_length_m:g} × {m.footprint_width_m:g}",
            f"{m.prior_mean:.1%}",
            f"{m.prior_q05:.1%}–{m.prior_q95:.1%}",
        )
    Console().print(table)


@catalogue.command()
@click.argument("key")
def show(key: str) -> None:
    """Show one entry with the source of every figure."""
    m = lookup(default_catalogue(), key)
    console = Console()
    console.print(f"[bold]{m.key}[/bold]: {m.name}")
    rows = {
        "submunition": m.submunition,
        "carrier": m.carrier,
        "delivery": m.delivery,
        "submunitions per carrier": m.submunitions_per_carrier,
        "footprint (m)": f"{m.footprint_length_m:g} × {m.footprint_width_m:g}",
        "test / claimed rate": _range(m.test_rate),
        "field rate": _range(m.field_rate),
        "dud-rate prior": f"Beta({m.beta[0]:g}, {m.beta[1]:g}): mean {m.prior_mean:.1%}, "
        f"90 % {m.prior_q05:.1%}–{m.prior_q95:.1%}",
        "prior basis": m.prior_basis,
        "provenance": m.provenance,
    }
    for name, value in rows.items():
        console.print(f"  {name}: {value}", markup=False)
    console.print("  sources:")
    for name, source in m.sources.items():
        console.print(f"    {name}: {source}", markup=False)


def _range(r) -> str:
    return "none published in our sources" if r is None else f"{r[0]:.1%}–{r[1]:.1%}"


COMMANDS = [catalogue]
