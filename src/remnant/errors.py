"""Exceptions: one root, subclasses that also inherit the builtin they behave like.

Every message a user sees names the bad input and what to do about it. Errors that
reach the web carry an HTTP status (``http_status``) and a message safe to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field

__all__ = [
    "ConflictError",
    "InputError",
    "InvalidRecordsError",
    "ModelError",
    "NotFoundError",
    "Problem",
    "RemnantError",
    "StoreBusyError",
    "StoreError",
]


class RemnantError(Exception):
    """Root of every error remnant raises on purpose.

    The message is English, marked for translation (``N_``), with ``{name}`` for each
    value given as a keyword; :meth:`render` says it in the current language. It may
    name the argument that would change the outcome as ``{option}``, given by ``option``:
    Python callers see the argument's name, the command line shows its flag.

    >>> error = RemnantError("{path} exists; pass {option} to replace it", option="overwrite",
    ...                      path="out.tif")
    >>> str(error)
    'out.tif exists; pass overwrite=True to replace it'
    >>> error.render("--overwrite")
    'out.tif exists; pass --overwrite to replace it'
    """

    http_status = 500

    def __init__(
        self, message: str = "", *, option: str | None = None, value: str = "True", **params
    ):
        self.option, self.template, self.value, self.params = option, message, value, params
        super().__init__(self.render())

    def render(self, flag: str | None = None, _: Callable[[str], str] = str) -> str:
        """The message put through ``_`` (a gettext; default English).

        The option is named as ``flag`` (a CLI flag) or as the argument.
        """
        values = dict(self.params)
        if self.option is not None:
            values["option"] = flag or f"{self.option}={self.value}"
        text = _(self.template)
        return text.format(**values) if values else text


class InputError(RemnantError, ValueError):
    """Bad input: a file, a value or an option that cannot be used as given.

    Parameters
    ----------
    message : str
        What is wrong and what to do about it.
    file, row, field : optional
        Where: the file's name, the 1-based row or feature number, the field's name.
    """

    http_status = 422

    def __init__(
        self, message: str, *, file=None, row=None, field=None, option=None, value="True", **params
    ):
        self.file, self.row, self.field = file, row, field
        super().__init__(message, option=option, value=value, **params)

    def render(self, flag: str | None = None, _: Callable[[str], str] = str) -> str:
        """The message after where it is (file, row, field), put through ``_``.

        >>> print(InputError("must be a date, not {given!r}", file="s.csv", row=2,
        ...                  field="date", given="soon"))
        s.csv, row 2, field 'date': must be a date, not 'soon'
        """
        message = super().render(flag, _)
        where = _where(self.file, self.row, self.field, _)
        return _("{where}: {problem}").format(where=where, problem=message) if where else message


def _where(file, row, field, _: Callable[[str], str] = str, column=None) -> str:
    """Where a problem is: file, row and field, joined with the language's comma (Arabic ،).

    ``column``: the input's own name for ``field``, where it has another.

    >>> _where("s.csv", 3, None), _where(None, None, "crs")
    ('s.csv, row 3', "field 'crs'")
    >>> _where("device.csv", 5, "state", column="condition")
    "device.csv, row 5, column 'condition' (field 'state')"
    """
    if field is None:
        named = None
    elif column is None or column == field:
        named = _("field {field}").format(field=repr(field))
    else:
        named = _("column {column} (field {field})").format(column=repr(column), field=repr(field))
    parts = [
        None if file is None else str(file),
        None if row is None else _("row {row}").format(row=row),
        named,
    ]
    where = ""
    for part in parts:
        if part is not None:
            where = _("{place}, {detail}").format(place=where, detail=part) if where else part
    return where


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one value of one row of an input file.

    Given ``params`` (name, value pairs), ``message`` is English with ``{name}`` for each;
    it is then kept as ``template`` (to be shown in another language: :meth:`render`) and
    ``message`` is that English filled in. ``column`` is the input's own name for
    ``field`` where the door read it under another (a profile's or ``--map``'s).

    >>> problem = Problem("s.csv", 3, "depth_cm", "-4", "must not be less than {limit}",
    ...                   (("limit", "0"),))
    >>> problem.message
    'must not be less than 0'
    >>> str(problem)
    "s.csv, row 3, field 'depth_cm': must not be less than 0 (value '-4')"
    """

    file: str
    row: int | None
    field: str | None
    value: object
    message: str
    params: tuple[tuple[str, object], ...] = ()
    template: str = dataclass_field(default="", compare=False, repr=False)
    column: str | None = dataclass_field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.params and not self.template:
            object.__setattr__(self, "template", self.message)
            object.__setattr__(self, "message", self.message.format(**dict(self.params)))

    def render(self, _: Callable[[str], str] = str) -> str:
        """The problem in words, each message put through ``_`` (a gettext; default English)."""
        where = _where(self.file, self.row, self.field, _, self.column)
        message = _(self.template).format(**dict(self.params)) if self.template else _(self.message)
        text = _("{where}: {problem}").format(where=where, problem=message)
        if self.value is None:
            return text
        return _("{problem} (value {value})").format(problem=text, value=repr(_shorten(self.value)))

    def __str__(self) -> str:
        return self.render()


def _shorten(value: object, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class InvalidRecordsError(InputError):
    """An input with one or more bad rows; ``problems`` lists every one of them."""

    def __init__(self, file: str, problems: list[Problem], *, written: int = 0):
        self.problems, self.written = problems, written
        super().__init__(self.summary(), file=file)

    def summary(self, _: Callable[[str], str] = str) -> str:
        """How many rows and problems, and what was written (``_`` as in :meth:`report`)."""
        rows = len({p.row for p in self.problems if p.row is not None})
        head = _("{rows} bad row(s), {problems} problem(s)") if rows else _("{problems} problem(s)")
        if self.written == 0:
            tail = _("nothing was written")
        else:
            tail = _("{written} good row(s) were written").format(written=self.written)
        return _("{counts}; {written}").format(
            counts=head.format(rows=rows, problems=len(self.problems)), written=tail
        )

    def report(self, _: Callable[[str], str] = str) -> str:
        """Every problem, one line each, put through ``_`` (a gettext; default English)."""
        return "\n".join(p.render(_) for p in self.problems)


class StoreError(RemnantError, RuntimeError):
    """The record store cannot do what was asked (missing, wrong version, refused)."""

    http_status = 409


class StoreBusyError(StoreError, TimeoutError):
    """Another process held the store's write lock for longer than the timeout."""

    http_status = 503


class NotFoundError(StoreError, KeyError):
    """A record, layer or catalogue entry that does not exist."""

    http_status = 404

    def __str__(self) -> str:  # KeyError would quote the message
        return self.render()


class ConflictError(StoreError):
    """A write that would silently overwrite or duplicate: refused instead."""

    http_status = 409


class ModelError(RemnantError, ArithmeticError):
    """A model cannot be computed from the inputs given (empty grid, no strikes, …)."""

    http_status = 422
