"""Areas as mine action programmes report them: hectares, and km² where they are large.

Records and machine-readable outputs (CSV, the API's statistics) keep square metres;
tables people read — the CLI, the report, the dashboard — show areas through
:func:`in_area_unit`, one unit per table, so that its rows compare at a glance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # no pandas at import: the CLI imports this module as it starts
    import pandas as pd

__all__ = ["HECTARE", "LARGE_M2", "SQUARE_KM", "area_unit", "in_area_unit"]

HECTARE = 1e4  # m²
SQUARE_KM = 1e6  # m²
LARGE_M2 = 10 * SQUARE_KM  # 1,000 ha: from here on km² read more easily than hectares


def area_unit(largest_m2: float) -> tuple[str, float]:
    """The unit for areas up to ``largest_m2``: its name in column names and its m².

    >>> area_unit(25_000), area_unit(3e7)
    (('ha', 10000.0), ('km2', 1000000.0))
    """
    return ("km2", SQUARE_KM) if largest_m2 >= LARGE_M2 else ("ha", HECTARE)


def in_area_unit(frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """``frame`` with its ``*_m2`` columns in hectares or km² (``*_ha``, ``*_km2``), and the unit.

    The unit is chosen by the largest value of those columns, so one table has one unit.

    >>> import pandas as pd
    >>> table = pd.DataFrame({"year": [2023], "cleared_m2": [125_000.0]})
    >>> converted, unit = in_area_unit(table)
    >>> unit, converted.to_dict("records")
    ('ha', [{'year': 2023, 'cleared_ha': 12.5}])
    """
    areas = [c for c in frame.columns if str(c).endswith("_m2")]
    largest = max((float(frame[c].abs().max()) for c in areas if len(frame)), default=0.0)
    unit, size = area_unit(largest if largest == largest else 0.0)  # NaN: no areas
    out = frame.assign(**{c: frame[c] / size for c in areas})
    return out.rename(columns={c: f"{c[:-3]}_{unit}" for c in areas}), unit
