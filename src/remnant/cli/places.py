"""Commands on administrative units and places: import boundaries and a gazetteer, find."""

from __future__ import annotations

import click
from rich.console import Console

from remnant.cli.command import group
from remnant.cli.options import store_argument, user_option
from remnant.cli.tables import new_table
from remnant.translate import N_, _


@group()
def admin() -> None:
    """Administrative units (provinces, districts, communes) and what they hold."""


@admin.command("import")
@store_argument
@click.argument("file", type=click.Path(exists=True))
@click.option("--level", type=click.IntRange(1, 3), required=True, help="1, 2 or 3.")
@click.option("--code", "code_field", required=True, help="Field holding the unit's code.")
@click.option("--name", "name_field", required=True, help="Field holding the unit's name.")
@click.option("--parent", "parent_field", help="Field holding the code of the unit above.")
@click.option("--layer", help="Layer of FILE (a GeoPackage or geodatabase with several).")
@click.option("--no-refresh", is_flag=True, help="Do not update the records' units now.")
@user_option
def import_(store, file, level, code_field, name_field, parent_field, layer, no_refresh, user):
    """Replace STORE's units of one level with the polygons of FILE, in any CRS.

    Rows with the same code are one unit. Then every record's units are brought up to
    date (audited), unless --no-refresh.
    """
    from pathlib import Path

    from remnant.adminunits import read_units
    from remnant.store import open_store

    opened = open_store(store)
    units = read_units(file, code=code_field, name=name_field, parent=parent_field, layer=layer)
    n = opened.set_admin_units(level, units, source=Path(file).name, user=user)
    click.echo(_("{file}: {n} level-{level} units").format(file=file, n=n, level=level))
    if not no_refresh:
        _refreshed(opened, user)


@admin.command()
@store_argument
@user_option
def refresh(store, user) -> None:
    """Set every record's admin1..admin3 from STORE's units again (each change audited)."""
    from remnant.store import open_store

    _refreshed(open_store(store), user)


def _refreshed(store, user) -> None:
    for layer, summary in store.refresh_admin_units(user=user).items():
        click.echo(
            _("{layer}: {updated} updated, {unchanged} unchanged").format(
                layer=layer, updated=len(summary.updated), unchanged=len(summary.unchanged)
            )
        )


@admin.command("list")
@store_argument
def list_(store) -> None:
    """The units STORE holds: level, code, name, parent."""
    from remnant.store import open_store

    units = open_store(store).admin_units()
    table = new_table(
        _("admin units"), (N_("level"), N_("code"), N_("name"), N_("parent")), whole={"code"}
    )
    for row in units.itertuples():
        table.add_row(str(row.level), row.code, row.name or "", row.parent or "")
    Console().print(table)


@admin.command()
@store_argument
@click.option("--level", type=click.IntRange(1, 3), default=1, show_default=True)
def stats(store, level) -> None:
    """Per unit of LEVEL: hazard areas, land released, items, casualties, risk education."""
    from remnant.report.content import by_unit
    from remnant.store import open_store

    frame = by_unit(open_store(store), level)
    table = new_table(
        _("by level-{level} unit").format(level=level), tuple(frame.columns), whole={"unit"}
    )
    for row in frame.itertuples(index=False):
        table.add_row(*(f"{v:,.2f}" if isinstance(v, float) else f"{v}" for v in row))
    Console().print(table)


@group()
def places() -> None:
    """The gazetteer: towns and villages with their names in every script."""


@places.command("import")
@store_argument
@click.argument("file", required=False, type=click.Path(exists=True))
@click.option("--geonames", metavar="CC", help="A country's towns from GeoNames (e.g. UA).")
@click.option("--name", "name_field", default="name", show_default=True)
@click.option("--names", "names_field", help="Field of other names (separated by ; , or lines).")
@click.option("--kind", "kind_field", help="Field saying town, village …")
@click.option("--population", "population_field", help="Field of the population.")
@click.option("--layer", help="Layer of FILE.")
@user_option
def places_import(
    store, file, geonames, name_field, names_field, kind_field, population_field, layer, user
):
    """Add places to STORE's gazetteer from FILE (points, any CRS) or from GeoNames."""
    from remnant.errors import InputError
    from remnant.places import geonames as from_geonames
    from remnant.places import read_places
    from remnant.store import open_store

    if (file is None) == (geonames is None):
        raise InputError(N_("give a FILE or --geonames COUNTRY, one of them"))
    if geonames:
        frame = from_geonames(geonames.upper())
    else:
        frame = read_places(
            file,
            name=name_field,
            names=names_field,
            kind=kind_field,
            population=population_field,
            layer=layer,
        )
    n = open_store(store).add_places(frame, user=user)
    click.echo(_("{n} places added").format(n=n))


@places.command()
@store_argument
@click.argument("query")
@click.option("--limit", default=5, show_default=True)
def find(store, query, limit) -> None:
    """Places whose name matches QUERY in any script, best first, with their units."""
    from remnant.store import open_store

    found = open_store(store).find_place(query, limit=limit)
    columns = (
        N_("name"),
        N_("matched"),
        N_("score"),
        N_("lon"),
        N_("lat"),
        N_("admin1"),
        N_("admin2"),
        N_("population"),
    )
    table = new_table(_("places matching {query!r}").format(query=query), columns, whole={"name"})
    import pandas as pd

    def shown(value, fmt="{}") -> str:
        return "–" if value is None or pd.isna(value) else fmt.format(value)

    for row in found.itertuples():
        table.add_row(
            row.name,
            row.matched,
            f"{row.score:.0f}",
            f"{row.lon:.5f}",
            f"{row.lat:.5f}",
            shown(row.admin1),
            shown(row.admin2),
            shown(row.population, "{:,}"),
        )
    Console().print(table)


COMMANDS = [admin, places]
