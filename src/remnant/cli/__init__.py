"""The ``remnant`` command: one group, one thin module per family of subcommands.

Commands parse options, call one library function and present its result. User errors
(bad input, refused actions) end with a one-line message on stderr and exit code 1;
usage errors with exit code 2; nothing prints a traceback unless ``-v -v`` asks for it.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sys
from contextvars import ContextVar

import click

from remnant.cli.command import group
from remnant.errors import InvalidRecordsError, RemnantError
from remnant.translate import _, chosen, language

__all__ = ["cli", "main"]


# What main() speaks through, so that the errors it shows after a command are in --lang too.
_SPEAKING: ContextVar[contextlib.ExitStack | None] = ContextVar("speaking", default=None)


def _speak(ctx: click.Context, _param: click.Parameter, tag: str | None) -> None:
    """``--lang``: speak ``tag`` until the command is done (its help and errors too)."""
    if tag:
        speaking = _SPEAKING.get()
        if speaking is None:  # the group called without main()
            ctx.with_resource(language(tag))
        else:
            speaking.enter_context(language(tag))


@group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--lang",
    metavar="LANG",
    is_eager=True,
    expose_value=False,
    callback=_speak,
    help="Speak this language (uk, lo, vi, ar, fr, es, en; default: REMNANT_LANG, else "
    "the locale).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debugging).")
@click.option("-q", "--quiet", count=True, help="Less log output.")
@click.version_option(package_name="remnant")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: int) -> None:
    """remnant: records, hazard maps and plans for clearing cluster munition remnants.

    Strictly humanitarian: survey, clearance, risk and victims.
    """
    level = logging.WARNING - 10 * verbose + 10 * quiet
    logging.basicConfig(
        level=max(level, logging.DEBUG),
        format="%(levelname)s %(name)s: %(message)s",
        force=True,  # the application, not the library, decides where logs go
    )
    ctx.obj = {"verbose": verbose}


def _register() -> None:
    from remnant.cli import (
        attach,
        backtest,
        catalogue,
        demo,
        desk,
        dudrate,
        evidence,
        forms,
        hazard,
        i18n,
        infer,
        landrelease,
        places,
        plan,
        qgis,
        quality,
        records,
        report,
        review,
        survey,
        web,
    )

    for module in (
        records,
        forms,
        i18n,
        review,
        catalogue,
        survey,
        places,
        evidence,
        desk,
        attach,
        dudrate,
        hazard,
        backtest,
        infer,
        landrelease,
        quality,
        report,
        plan,
        qgis,
        web,
        demo,
    ):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


FLAGS = {
    "mapping": "--map",
    "landuse_weights": "--landuse-weight",
    "value_mapping": "--map-values",
    "horizon": "--days",
}


def flag(option: str) -> str:
    """The command-line flag of a library argument.

    >>> flag("ignore_extra"), flag("mapping")
    ('--ignore-extra', '--map')
    """
    return FLAGS.get(option, "--" + option.replace("_", "-"))


def run() -> None:
    """The ``remnant`` program: :func:`main`, then exit with its code.

    A command imports about a million long-lived objects (pandas, numba, GDAL's bindings)
    that the cyclic garbage collector would walk again and again at its default pace
    (700 allocations): 0.23 s of a 2.7 s hazard map; every 50,000 it takes 0.07 s, and
    garbage is still collected, in a long-running server too. What the command built is
    still referenced when it returns, so the collector's last pass at exit would only
    walk it (a third of a second after a 66-million-cell map): :func:`gc.freeze` leaves
    it out of that pass. Objects are freed as usual.
    """
    gc.set_threshold(50_000, 10, 10)
    code = main()
    gc.freeze()
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 user error, 2 usage error).

    It speaks the language ``REMNANT_LANG`` or the locale asks for, or ``--lang``.
    """
    with contextlib.ExitStack() as speaking:
        try:
            speaking.enter_context(language(chosen()))
            speaking.callback(_SPEAKING.reset, _SPEAKING.set(speaking))
            cli.main(args=argv, prog_name="remnant", standalone_mode=False)
        except click.exceptions.Abort:
            click.echo(_("Aborted."), err=True)
            return 1
        except click.ClickException as exc:
            exc.show()
            return exc.exit_code
        except InvalidRecordsError as exc:
            where = _("{where}: {problem}").format(where=exc.file, problem=exc.summary(_))
            click.echo(_("error: {problem}").format(problem=where), err=True)
            click.echo(exc.report(_), err=True)
            return 1
        except RemnantError as exc:
            if logging.getLogger().isEnabledFor(logging.DEBUG):
                raise
            problem = exc.render(flag(exc.option) if exc.option else None, _)
            click.echo(_("error: {problem}").format(problem=problem), err=True)
            return 1
        except click.exceptions.Exit as exc:
            return exc.exit_code
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
