"""How hazard maps are coloured, the same on the PNG map, in the report and on web tiles."""

from __future__ import annotations

__all__ = ["COLOURMAP", "FLOOR", "hazard_norm"]

COLOURMAP = "magma_r"  # light for few expected items, dark for many; readable in grey
DECADES = 4  # the log scale spans four decades below the largest value
FLOOR = 1e-4  # expected items per cell below which a cell is left uncoloured


def hazard_norm(largest: float):
    """The log colour scale for a map whose largest cell holds ``largest`` expected items.

    >>> norm = hazard_norm(2.0)
    >>> norm.vmin, norm.vmax
    (0.0002, 2.0)
    >>> hazard_norm(0.0).vmin  # an empty map still gets a scale
    0.0001
    """
    from matplotlib.colors import LogNorm

    vmax = max(float(largest), 1e-3)
    return LogNorm(vmin=max(vmax / 10**DECADES, FLOOR), vmax=vmax, clip=True)
