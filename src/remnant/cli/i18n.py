"""Commands for translators: a language's labels out to a spreadsheet and back."""

from __future__ import annotations

import click

from remnant.cli.command import group
from remnant.cli.options import overwrite_option
from remnant.translate import N_, _

labels_option = click.option(
    "--labels",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="A programme's labels file, laid over remnant's (its wording is exported too).",
)


@group()
def i18n() -> None:
    """Translations of remnant's labels and messages (docs/languages.md, docs/forms.md)."""


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
    """Write LANG's labels and messages (e.g. uk, ar, km) as a sheet a translator fills in."""
    from remnant.labels import load
    from remnant.labels_sheet import export_sheet
    from remnant.outputs import refuse_existing

    refuse_existing(out, overwrite=overwrite)
    n = export_sheet(out, lang, load(labels))
    click.echo(
        _("{n} labels written to {out}: fill in the {lang} column").format(n=n, out=out, lang=lang)
    )


@i18n.command("import")
@click.argument("sheet", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    help="The labels file to write (.toml), for remnant forms --labels; put it in the "
    "folder REMNANT_LOCALE_DIR names and the report and dashboard use it too.",
)
@click.option(
    "--messages",
    "messages_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Where to write the sheet's messages as a gettext catalogue "
    "(FOLDER/LANG/LC_MESSAGES/remnant.po): the folder REMNANT_LOCALE_DIR names.",
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
def import_(sheet, out, messages_dir, lang, reviewed, labels, overwrite) -> None:
    """Read a filled SHEET back as a labels file and a catalogue of its messages.

    Nothing is written unless every row is right.
    """
    from pathlib import Path

    from remnant.errors import InputError
    from remnant.labels import load
    from remnant.labels_sheet import read_sheet, write_labels
    from remnant.outputs import refuse_existing
    from remnant.translate import translations, write_catalogue

    refuse_existing(out, overwrite=overwrite)
    theirs, messages = read_sheet(sheet, load(labels), lang=lang, reviewed=reviewed)
    ((code, parts),) = theirs.items()
    changed = {k for k, v in messages.items() if translations(code).get(k) != v}
    if changed and messages_dir is None:  # the translator's work would be lost
        raise InputError(
            N_(
                "the sheet changes {n_changed} messages of the report and dashboard: give "
                "--messages FOLDER to keep them (nothing written)"
            ),
            n_changed=len(changed),
        )
    if messages_dir is not None:
        refuse_existing(
            Path(messages_dir) / code / "LC_MESSAGES" / "remnant.po", overwrite=overwrite
        )
    write_labels(out, theirs)
    if messages_dir is not None:
        path = write_catalogue(messages_dir, code, messages, reviewed)
        click.echo(
            _("{n} {code} messages written to {path}").format(n=len(messages), code=code, path=path)
        )
    n = sum(
        len(entries)
        for part, groups in parts.items()
        if part != "meta"
        for entries in groups.values()
    )
    state = _("reviewed") if reviewed else _("a draft")
    click.echo(
        _("{n} {code} labels written to {out} ({state})").format(
            n=n, code=code, out=out, state=state
        )
    )


COMMANDS = [i18n]
