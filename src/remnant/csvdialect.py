"""How spreadsheets and GIS write CSV: the column separator and the decimal mark.

Every door that reads CSV (an import, a form's submissions, a translator's labels sheet)
finds the separator with :func:`separator`, the rule of GDAL's CSV driver, so a file
reads the same through each.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["decimal_point", "separator"]


def separator(line: str) -> str:
    r"""The column separator of a CSV file from its first line, as GDAL's CSV driver reads it.

    The first comma, semicolon or tab outside quotes; a comma where the line mixes them
    or has none. Spreadsheets write semicolons where the comma is the decimal mark
    (French, Spanish, Ukrainian, Vietnamese settings), and tabs as "text".

    >>> [separator(line) for line in ('id;date;"a, b"', "id,date", "id\tdate", "id;a,b", "id")]
    [';', ',', '\t', ',', ',']
    """
    quoted, found = False, None
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in ",;\t":
            if found is not None and char != found:
                return ","
            found = char
    return found or ","


def decimal_point(values: pd.Series) -> pd.Series:
    """Numbers written with a decimal comma, with a decimal point; every other value as given.

    >>> decimal_point(pd.Series(["12,5", " -0,25", "7", "1.234,5", "a,b", ""])).tolist()
    ['12.5', ' -0.25', '7', '1.234,5', 'a,b', '']
    """
    if values.dtype != object and not pd.api.types.is_string_dtype(values.dtype):
        return values  # numbers already
    text = values.str.replace(r"^(\s*[-+]?\d*),(\d+\s*)$", r"\1.\2", regex=True)
    return text.where(text.notna(), values)
