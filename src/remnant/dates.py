"""Dates as files really write them: ISO 8601, or day-first or month-first with slashes.

IMSMA-based web forms and spreadsheets write ``25/03/2024``; others ``03/25/2024``. A
file's order is read from the file as a whole, never guessed row by row: a day above 12
in the first place says day-first, in the second place month-first; a file with both is
refused, and so is one where every date could be read either way, unless the format is
given (``--date-format``, the ``date_format`` argument).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

from remnant.errors import InputError
from remnant.translate import N_

__all__ = ["DAY_FIRST", "MONTH_FIRST", "DateOrder", "file_date_format", "to_iso"]

DAY_FIRST, MONTH_FIRST = "%d/%m/%Y", "%m/%d/%Y"
_DAY_MONTH = r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ T].*)?"
_NUMERIC = re.compile(rf"^\s*{_DAY_MONTH}$")
# the same, a value per line; the last group is the whole value (as an example)
_NUMERIC_LINE = re.compile(rf"^[^\S\n]*({_DAY_MONTH})$", re.MULTILINE)


def file_date_format(values, *, file: str = "") -> str | None:
    """The order of a file's numeric dates (:data:`DAY_FIRST` or :data:`MONTH_FIRST`).

    None when no value is a numeric day/month date (ISO dates need no format).

    >>> file_date_format(["2024-03-25", "25/03/2024", "01/04/2024"])
    '%d/%m/%Y'
    >>> file_date_format(["03/25/2024"]), file_date_format(["2024-03-25"])
    ('%m/%d/%Y', None)
    >>> file_date_format(["03/04/2024", "05/06/2024"], file="visits.csv")
    Traceback (most recent call last):
    remnant.errors.InputError: visits.csv: every date such as '03/04/2024' reads day-first ...
    """
    order = DateOrder()
    order.add(values)
    return order.format(file=file)


class DateOrder:
    """What a file's dates say about their order, gathered part by part.

    A file read in chunks adds each chunk's values; the order is decided once, from all.

    >>> order = DateOrder()
    >>> order.add(["03/04/2024"]); order.add(["2024-01-01", "04/25/2024"])
    >>> order.format()
    '%m/%d/%Y'
    """

    def __init__(self) -> None:
        self.first = self.second = 0
        self.example: str | None = None

    def add(self, values) -> None:
        """Take the numeric day/month dates among ``values`` into account.

        The text values are searched as one, a line each, so a file of ISO dates costs
        one pass of the pattern in compiled code.
        """
        text = [v for v in values if isinstance(v, str)]
        lines = "\n".join(text)
        if lines.count("\n") + 1 == len(text):
            found = [
                (first, second, date) for date, first, second, _ in _NUMERIC_LINE.findall(lines)
            ]
        else:  # a value of several lines: one by one
            found = [(m[1], m[2], m.string) for m in map(_NUMERIC.match, text) if m]
        if found:
            self.first = max(self.first, *(int(first) for first, _, _ in found))
            self.second = max(self.second, *(int(second) for _, second, _ in found))
            self.example = self.example or found[0][2].strip()

    def settled(self, *, file: str = "") -> str | None:
        """The order, once a date seen so far reads only one way; None until then.

        >>> order = DateOrder()
        >>> order.add(["03/04/2024"]); order.settled()
        >>> order.add(["25/04/2024"]); order.settled()
        '%d/%m/%Y'
        """
        if self.first <= 12 and self.second <= 12:
            return None
        return self.format(file=file)

    def format(self, *, file: str = "") -> str | None:
        """The order the dates seen so far use; None if none was day/month."""
        if self.example is None:
            return None
        day_first, month_first = self.first > 12, self.second > 12
        if day_first and month_first:
            raise InputError(
                N_(
                    "mixes day-first and month-first dates (some have a day above 12 first, others "
                    "second); give the format with {option}"
                ),
                file=file,
                option="date_format",
                value=repr(DAY_FIRST),
            )
        if not (day_first or month_first):
            raise InputError(
                N_(
                    "every date such as {example!r} reads day-first or month-first; give the "
                    "format with {option}"
                ),
                file=file,
                option="date_format",
                value=repr(DAY_FIRST),
                example=self.example,
            )
        return DAY_FIRST if day_first else MONTH_FIRST


def to_iso(values, date_format: str) -> np.ndarray:
    """Values in ``date_format`` as ISO 8601 text; others (blank, ISO, bad) as they were.

    Day/month dates may use ``/``, ``.`` or ``-`` whatever the format says, and a time
    after the date is dropped.

    >>> to_iso(["25.03.2024", "", "2024-03-26", "31/02/2024"], DAY_FIRST).tolist()
    ['2024-03-25', '', '2024-03-26', '31/02/2024']
    >>> to_iso(["25 Mar 2024"], "%d %b %Y").tolist()
    ['2024-03-25']
    """
    slashed = re.sub(r"[.\-]", "/", date_format)
    out = np.array(values, dtype=object)
    for i, value in enumerate(out):
        if not isinstance(value, str) or not value.strip():
            continue
        tries = [(value.strip(), date_format)]
        match = _NUMERIC.match(value)
        if match:
            tries.append(("/".join(match.groups()), slashed))
        for text, fmt in tries:
            try:
                out[i] = dt.datetime.strptime(text, fmt).date().isoformat()
                break
            except ValueError:
                continue  # not a date in this format: the field rules will say so
    return out
