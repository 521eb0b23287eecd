"""Commands for translators: a language's labels out to a spreadsheet and back."""

from __future__ import annotations

import click

from remnant.cli.options import overwrite_option

labels_option = click.option(
    "--labels",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A programme's labels file, laid over remnant's (its wording is exported too).",
)


@click.group()
def i18n() -> None:
    """Translations of remnant's field and value labels (docs/forms.md)."""


@i18n.command("export")
@click.argument("lang")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="The sheet to write (.xlsx or .csv).",
)
@labels_option
@overwrite_option
def export(lang, out, labels, overwrite) -> None:
    """Write LANG's labels (e.g. uk, ar, km) as a sheet a translator fills in."""
    from remnant.labels import load
    from remnant.labels_sheet import export_sheet
    from remnant.outputs import refuse_existing

    refuse_existing(out, overwrite=overwrite)
    n = export_sheet(out, lang, load(labels))
    click.echo(f"{n} labels written to {out}: fill in the {lang} column")


@i18n.command("import")
@click.argument("sheet", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="The labels file to write (.toml), for remnant forms --labels.",
)
@click.option("--lang", default=None, help="The sheet's language (checked against its column).")
@click.option(
    "--reviewed",
    default=None,
    metavar="'NAME, DATE'",
    help="Who reviewed the translation as a native speaker; without it the file is a draft.",
)
@labels_option
@overwrite_option
def import_(sheet, out, lang, reviewed, labels, overwrite) -> None:
    """Read a filled SHEET back as a labels file (written only if every row is right)."""
    from remnant.labels import load
    from remnant.labels_sheet import read_sheet, write_labels
    from remnant.outputs import refuse_existing

    refuse_existing(out, overwrite=overwrite)
    theirs = read_sheet(sheet, load(labels), lang=lang, reviewed=reviewed)
    write_labels(out, theirs)
    ((code, parts),) = theirs.items()
    n = sum(
        len(entries)
        for part, groups in parts.items()
        if part != "meta"
        for entries in groups.values()
    )
    state = "reviewed" if reviewed else "a draft"
    click.echo(f"{n} {code} labels written to {out} ({state})")


COMMANDS = [i18n]
