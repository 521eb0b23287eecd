"""The hazard engine and model: expected unexploded submunitions per cell, and per area.

Pure functions of plain inputs (a GeoDataFrame of strikes, a :class:`~remnant.grid.Grid`,
optional activity polygons, dud rates); nothing here reads a store or fits dud rates —
:mod:`remnant.mapping` does that and calls these. The model is in docs/hazard-model.md.
"""

from __future__ import annotations

from remnant.hazard import model
from remnant.hazard.bands import area_bands, search_draws
from remnant.hazard.model import *  # noqa: F403 (the model's public names, listed once there)

__all__ = ["area_bands", "search_draws", *model.__all__]
