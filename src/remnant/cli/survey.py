"""Commands on a programme's survey figures: show them, set the programme's own."""

from __future__ import annotations

import click
from rich.console import Console

from remnant.cli.command import group
from remnant.cli.options import store_argument, user_option
from remnant.cli.tables import new_table
from remnant.translate import N_, _


@group()
def survey() -> None:
    """Detection probabilities, location σ and carrier spread the models use, with sources."""


@survey.command()
@store_argument
def show(store) -> None:
    """Every survey figure STORE's models use, its source, and whether it is the store's own."""
    from remnant.catalogue import default_survey
    from remnant.store import open_store

    shipped = default_survey().figures()
    table = new_table(
        _("survey figures"), (N_("figure"), N_("value"), N_("from"), N_("source")), whole={"figure"}
    )
    for key, (value, source) in open_store(store).survey().figures().items():
        mine = shipped[key] != (value, source)
        table.add_row(key, f"{value:g}", _("this store") if mine else "remnant", source)
    Console().print(table)


@survey.command("import")
@store_argument
@click.argument("file", type=click.Path(dir_okay=False))
@user_option
def import_(store, file, user) -> None:
    """Set STORE's own survey figures from FILE (the layout of remnant's survey.toml).

    FILE may give only some figures; each must be one remnant uses and cite its source.
    Every change is audited; hazard, dudrate, plan and qa-plan use them from then on.
    """
    from pathlib import Path

    from remnant.catalogue import default_survey, parse_survey_figures
    from remnant.errors import InputError
    from remnant.store import open_store

    path = Path(file)
    if not path.exists():
        raise InputError(N_("no such file"), file=file)
    figures = parse_survey_figures(
        path.read_text("utf-8"), file=path.name, known=default_survey().sources
    )
    click.echo(f"{path.name}: {open_store(store).set_survey(figures, user=user)}")


COMMANDS = [survey]
