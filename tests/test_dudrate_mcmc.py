"""The grid fit against an independent MCMC of the same model (PyMC's NUTS), small cases."""

import numpy as np
import pytest

from helpers import nuts_dud_rate
from remnant.dudrate import posterior_mu
from remnant.hazard.model import DudRate

pm = pytest.importorskip("pymc")  # a test dependency (dev group), installed by scripts/setup.sh

PRIOR = DudRate(2.744, 21.768, "M77 catalogue prior")
CASES = {
    "exact carrier counts": {
        "lo": [2, 4, 1, 6, 3, 2, 5, 1],
        "hi": [2, 4, 1, 6, 3, 2, 5, 1],
        "searched": [0.9, 0.5, 0.7, 0.3, 0.95, 0.6, 0.4, 0.8],
        "found": [9, 21, 5, 22, 20, 8, 16, 6],
        "per_carrier": 88,
    },
    "carrier ranges and a zero": {
        "lo": [1, 2, 3, 1, 2, 4],
        "hi": [3, 2, 6, 1, 5, 4],
        "searched": [0.8, 0.9, 0.5, 0.99, 0.4, 0.7],
        "found": [10, 14, 0, 11, 12, 25],
        "per_carrier": 88,
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_grid_posterior_agrees_with_nuts(name):
    case = CASES[name]
    evidence = (
        case["lo"],
        case["hi"],
        np.full(len(case["lo"]), float(case["per_carrier"])),
        case["searched"],
        case["found"],
        PRIOR,
    )
    mean, lo90, hi90, _, _ = posterior_mu(*evidence)
    draws, checks = nuts_dud_rate(*evidence)
    # The reference counts only if it converged.
    assert checks["rhat"] < 1.01
    assert checks["ess"] > 1000
    assert checks["divergences"] == 0
    assert mean == pytest.approx(draws.mean(), abs=0.005)
    assert lo90 == pytest.approx(np.quantile(draws, 0.05), abs=0.01)
    assert hi90 == pytest.approx(np.quantile(draws, 0.95), abs=0.01)
