"""Unexploded items in a cell or an area as a Poisson count: the chance of at least one."""

from __future__ import annotations

import numpy as np

__all__ = ["p_any"]


def p_any(expected):
    """P(at least one item) where ``expected`` items are Poisson: 1 − e^(−λ), exact near 0.

    >>> float(p_any(0.0)), round(float(p_any(1.0)), 4), float(p_any(1e-20))
    (0.0, 0.6321, 1e-20)
    """
    return -np.expm1(-np.asarray(expected, dtype=np.float64))
