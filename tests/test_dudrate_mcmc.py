"""The grid fit against an independent MCMC of the same model (PyMC's NUTS), small cases."""

import numpy as np
import pytest

from remnant.dudrate import posterior_mu
from remnant.hazard.model import DudRate

pm = pytest.importorskip("pymc")  # a test dependency (dev group), installed by scripts/setup.sh

PRIOR = DudRate(2.744, 21.768, "M77 catalogue prior")
CASES = {
    "exact carrier counts": {"lo": [2, 4, 1, 6, 3, 2, 5, 1], "hi": [2, 4, 1, 6, 3, 2, 5, 1],
                                 "searched": [0.9, 0.5, 0.7, 0.3, 0.95, 0.6, 0.4, 0.8],
                                 "found": [9, 21, 5, 22, 20, 8, 16, 6], "per_carrier": 88},
    "carrier ranges and a zero": {"lo": [1, 2, 3, 1, 2, 4], "hi": [3, 2, 6, 1, 5, 4],
                                      "searched": [0.8, 0.9, 0.5, 0.99, 0.4, 0.7],
                                      "found": [10, 14, 0, 11, 12, 25], "per_carrier": 88},
}  # fmt: skip


def nuts(case, seed=1):
    lo, hi = np.array(case["lo"]), np.array(case["hi"])
    searched, found = np.array(case["searched"]), np.array(case["found"])
    k = case["per_carrier"]
    span = int((hi - lo).max()) + 1
    with pm.Model():
        mu = pm.Beta("mu", PRIOR.alpha, PRIOR.beta)
        log_kappa = pm.Uniform("log_kappa", 0.0, np.log(1000.0))
        kappa = pm.math.exp(log_kappa)
        p = pm.Beta("p", mu * kappa, (1 - mu) * kappa, shape=len(found))
        terms = []
        for j in range(span):
            n = lo + j
            logp = pm.logp(pm.Binomial.dist(n=n * k, p=p * searched), found)
            terms.append(pm.math.switch(j <= hi - lo, logp, -np.inf))
        pm.Potential(
            "carriers", pm.math.logsumexp(pm.math.stack(terms), axis=0) - np.log(hi - lo + 1)
        )
        trace = pm.sample(
            draws=3000, tune=2000, chains=2, cores=2, target_accept=0.95, random_seed=seed,
            progressbar=False, compute_convergence_checks=False,
        )  # fmt: skip
    return trace.posterior["mu"].values.ravel()


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_grid_posterior_agrees_with_nuts(name):
    case = CASES[name]
    mean, lo90, hi90, _, _ = posterior_mu(
        case["lo"], case["hi"], np.full(len(case["lo"]), float(case["per_carrier"])),
        case["searched"], case["found"], PRIOR,
    )  # fmt: skip
    draws = nuts(case)
    assert mean == pytest.approx(draws.mean(), abs=0.005)
    assert lo90 == pytest.approx(np.quantile(draws, 0.05), abs=0.01)
    assert hi90 == pytest.approx(np.quantile(draws, 0.95), abs=0.01)
