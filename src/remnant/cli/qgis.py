"""remnant qgis: a QGIS/QField project over a GeoPackage store."""

from __future__ import annotations

import click

from remnant.cli.command import command
from remnant.cli.options import overwrite_option, store_argument
from remnant.translate import _


@command()
@store_argument
@click.option(
    "--out", "out", type=click.Path(dir_okay=False), required=True, help="The .qgz (or .qgs)."
)
@click.option(
    "--hazard",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A hazard map from remnant hazard, shown under the records with its colour ramp.",
)
@overwrite_option
def qgis(store, out, hazard, overwrite) -> None:
    """Write a QGIS project over STORE (a GeoPackage) to OUT.

    Styled layers in groups, drop-downs from the field domains, relations (a hazard area's
    activities, an activity's items, an accident's victims), the fields remnant's workflow
    owns read-only, paths relative to OUT's folder: keep OUT beside STORE and copy the
    folder to QField to work offline.
    """
    from remnant.qgisproject import write_project

    write_project(store, out, hazard=hazard, overwrite=overwrite)
    click.echo(_("wrote {out}: open it in QGIS or QField").format(out=out))


COMMANDS = [qgis]
