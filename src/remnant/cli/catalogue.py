"""Commands on the munition catalogue."""

from __future__ import annotations

import click
from rich.console import Console

from remnant.catalogue import default_catalogue, lookup, parse_catalogue
from remnant.cli.command import group
from remnant.cli.options import user_option
from remnant.cli.tables import new_table
from remnant.errors import InputError
from remnant.translate import N_, _

store_option = click.option(
    "--store",
    "store",
    default=None,
    metavar="STORE",
    help="Show the catalogue as STORE sees it: the defaults with its own entries.",
)


def _catalogue(store):
    if store is None:
        return default_catalogue(), "default"
    from remnant.store import open_store

    return open_store(store).catalogue(), str(store)


@group()
def catalogue() -> None:
    """The munition catalogue: submunitions per carrier, footprint, dud-rate prior, sources."""


@catalogue.command("list")
@store_option
def list_(store) -> None:
    """List the catalogue's entries."""
    entries, name = _catalogue(store)
    columns = (
        N_("key"),
        N_("name"),
        N_("delivery"),
        N_("per carrier"),
        N_("footprint m"),
        N_("prior mean"),
        N_("prior 90 %"),
    )
    t = new_table(
        _("munition catalogue ({name})").format(name=name),
        columns,
        right=columns[3:],
        whole={"key"},
    )
    for m in entries.values():
        t.add_row(
            m.key,
            m.name,
            m.delivery,
            str(m.submunitions_per_carrier),
            f"{m.footprint_length_m:g} × {m.footprint_width_m:g}",
            f"{m.prior_mean:.1%}",
            f"{m.prior_q05:.1%}–{m.prior_q95:.1%}",
        )
    Console().print(t)


@catalogue.command()
@click.argument("key")
@store_option
def show(key: str, store) -> None:
    """Show one entry with the source of every figure."""
    m = lookup(_catalogue(store)[0], key)
    console = Console()
    console.print(_("[bold]{key}[/bold]: {name}").format(key=m.key, name=m.name))
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
    console.print("  " + _("sources:"))
    for name, source in m.sources.items():
        console.print(f"    {name}: {source}", markup=False)


@catalogue.command("import")
@click.argument("store", metavar="STORE")
@click.argument("file", type=click.Path(dir_okay=False))
@user_option
def import_(store: str, file: str, user) -> None:
    """Add or override entries in STORE from FILE (TOML in the layout of munitions.toml).

    An entry for a known key changes only the fields it gives; every figure it sets must
    cite its source. The change is audited with the file it came from.
    """
    import hashlib
    from pathlib import Path

    from remnant.store import open_store

    path = Path(file)
    if not path.exists():
        raise InputError(N_("no such file"), file=file)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(N_("not UTF-8 text"), file=path.name) from None
    opened = open_store(store)
    digest = hashlib.sha256(data).hexdigest()[:16]
    entries = parse_catalogue(
        text, file=path.name, provenance=f"{path.name} (sha256 {digest})", base=opened.catalogue()
    )
    click.echo(f"{path.name}: {opened.import_catalogue(entries, user=user)}")


def _range(r) -> str:
    return "none published in our sources" if r is None else f"{r[0]:.1%}–{r[1]:.1%}"


COMMANDS = [catalogue]
