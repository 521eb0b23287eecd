"""Commands whose help speaks the language asked for (``--lang``, ``REMNANT_LANG``, the locale).

click writes a command's help from its docstring and its options' ``help=``; these
classes hand each of them, and the headings around them, to :func:`remnant.translate._`
as the help is written, so a command is declared once, in English, and the catalogues
(``locale/LANG/LC_MESSAGES/remnant.po``) hold its translations. ``pybabel extract``
collects the docstrings with :func:`remnant.translate.extract_help`. click's own
messages about bad usage ("No such option") are in the catalogues too (docs/languages.md).
"""

from __future__ import annotations

import functools
import inspect

import click
from click.formatting import HelpFormatter

from remnant.translate import N_, _, ngettext

__all__ = ["Command", "Group", "command", "group"]

# click's own help for the options it adds, and the headings of a help page.
N_("Show this message and exit.")
N_("Show the version and exit.")
N_("Usage:")
N_("Options")
N_("Commands")

# click's own messages that a user of remnant meets: bad usage, a file that is not there,
# a prompt. click marks them with the standard library's gettext and leaves their
# translation to the program that uses it (pallets/click#2320); _speak_click points its
# modules at remnant's catalogue. Its counted messages are two messages each (ngettext).
# Not click.decorators: it words the help and version options once, when they are made,
# and their help is translated as it is shown, like every option's.
N_("Aborted!")
N_("Choose from:\n\t{choices}")
N_("Did you mean {possibility}?")
N_("(Did you mean one of: {possibilities}?)")
N_("Error: {message}")
N_("Got unexpected extra argument ({args})")
N_("Got unexpected extra arguments ({args})")
N_("Invalid value for {param_hint}: {message}")
N_("Invalid value: {message}")
N_("Missing argument")
N_("Missing option")
N_("Missing parameter")
N_("Missing parameter: {param_name}")
N_("Missing {param_type}")
N_("Missing command.")
N_("No such command {name!r}.")
N_("No such option {name!r}.")
N_("Option {name!r} does not take a value.")
N_("Option {name!r} requires an argument.")
N_("Option {name!r} requires {nargs} arguments.")
N_("Positional arguments")
N_("Takes {nargs} values but 1 was given.")
N_("Takes {nargs} values but {len} were given.")
N_("Try '{command} {option}' for help.")
N_("default: {default}")
N_("env var: {var}")
N_("required")
N_("(dynamic)")
N_("{name} {filename!r} does not exist.")
N_("{name} {filename!r} is a directory.")
N_("{name} {filename!r} is a file.")
N_("{name} {filename!r} is not readable.")
N_("{name} {filename!r} is not writable.")
N_("{name} {filename!r} is not executable.")
N_("{value!r} does not match the format {format}.")
N_("{value!r} does not match the formats {formats}.")
N_("{value!r} is not a valid {number_type}.")
N_("{value!r} is not a valid boolean. Recognized values: {states}")
N_("{value!r} is not a valid UUID.")
N_("{value!r} is not {choice}.")
N_("{value!r} is not one of {choices}.")
N_("{value} is not in the range {range}.")
N_("Could not open file {filename!r}: {message}")
N_("unknown error")
N_("Repeat for confirmation")
N_("Error: The two entered values do not match.")
N_("Error: invalid input")
N_("Value must be an iterable.")


def _speak_click() -> None:
    """Make click's own messages go through remnant's ``_`` and ``ngettext``.

    >>> from remnant.translate import language
    >>> with language("fr"):
    ...     print(click.exceptions.NoSuchOption("--nonsense").format_message())
    Aucune option '--nonsense'.
    """
    for module in (
        click.core,
        click.exceptions,
        click.formatting,
        click.parser,
        click.termui,
        click.types,
    ):
        module._ = _  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


_speak_click()


class _Formatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, f"{_('Usage:')} " if prefix is None else prefix)

    def section(self, name: str):  # click's own signature
        return super().section(_(name))


class _Context(click.Context):
    formatter_class = _Formatter


class Command(click.Command):
    """A ``click.Command`` whose help, options' help and short help are translated.

    >>> from remnant.translate import language
    >>> @command()
    ... @click.option("--out", help="HTML file to write.")
    ... def init(out):
    ...     '''Create an empty record store (a GeoPackage file STORE.gpkg).'''
    >>> with language("fr"):
    ...     print(init.get_help(_Context(init, info_name="init")))
    Utilisation : init [OPTIONS]
    <BLANKLINE>
      Créer un magasin d'enregistrements vide (un fichier GeoPackage STORE.gpkg).
    <BLANKLINE>
    Options:
      --out TEXT  Fichier HTML à écrire.
      --help      Afficher ce message et quitter.
    """

    context_class = _Context

    def format_help_text(self, ctx: click.Context, formatter: HelpFormatter) -> None:
        """Write the command's help, translated."""
        text = self._help()
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(text)

    def get_short_help_str(self, limit: int = 45) -> str:
        """The help's first sentence, translated (for the list of commands)."""
        english = self.help, self.short_help
        self.help = self._help()
        self.short_help = _(inspect.cleandoc(self.short_help)) if self.short_help else None
        try:
            return super().get_short_help_str(limit)
        finally:
            self.help, self.short_help = english

    def format_options(self, ctx: click.Context, formatter: HelpFormatter) -> None:
        """Write the options with their help translated."""
        params = [p for p in self.get_params(ctx) if isinstance(p, click.Option) and p.help]
        english = [p.help or "" for p in params]
        try:
            for param, text in zip(params, english, strict=True):
                param.help = _(text)
            super().format_options(ctx, formatter)
        finally:
            for param, text in zip(params, english, strict=True):
                param.help = text

    def _help(self) -> str:
        """The docstring as click shows it (up to a form feed), translated."""
        return _(inspect.cleandoc(self.help or "").partition("\f")[0])


class Group(Command, click.Group):
    """A ``click.Group`` whose commands are :class:`Command` and translated as they are."""

    command_class = Command
    group_class = type  # a subgroup is a Group too


command = functools.partial(click.command, cls=Command)
group = functools.partial(click.group, cls=Group)
