"""Tables in the terminal: every value shown whole, wrapped to the terminal's width."""

from __future__ import annotations

from rich.table import Table

from remnant.translate import _

__all__ = ["new_table"]


def new_table(title: str, columns, *, right=(), whole=()) -> Table:
    """A Rich table whose cells fold onto more lines instead of being cut short with "…".

    ``right``: the columns to right-align (numbers); ``whole``: columns kept on one line
    (identifiers), while the others wrap to fit the terminal. The columns are named in
    English (marked ``N_``) and headed in the language spoken.

    >>> from rich.console import Console
    >>> t = new_table("types", ["key", "note"], whole={"key"})
    >>> t.add_row("9n210_9m27k", "thirty submunitions per rocket")
    >>> console = Console(width=32, color_system=None)
    >>> with console.capture() as out:
    ...     console.print(t)
    >>> "…" in out.get(), "9n210_9m27k" in out.get(), "submunitions" in out.get()
    (False, True, True)
    """
    out = Table(title=title)
    for column in columns:
        out.add_column(
            _(column),
            justify="right" if column in right else "left",
            overflow="fold",
            no_wrap=column in whole,
        )
    return out
