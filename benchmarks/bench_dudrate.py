"""Field dud-rate fit: 10,000 strikes of 5 types with clearance results, synthetic.

Prints the fit time of remnant's grid posterior next to PyMC's NUTS on the same model and
data (PyMC with fewer draws; its effective sample size printed), the ratios with and
without PyMC's model compilation (PyTensor caches compiled code on disk, so a machine's
first run compiles more), and the largest difference in posterior means. Target: at
least 100× faster, means within 0.005.

    .venv/bin/python benchmarks/bench_dudrate.py [--strikes 10000] [--pymc-types 1]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from remnant.catalogue import default_catalogue
from remnant.dudrate import posterior_mu
from remnant.hazard.model import DudRate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import nuts_dud_rate

TYPES = ["dpicm_m483a1", "m77_m26", "m85_m396", "blu97_cbu87", "9n210_9m27k"]
TRUE = {
    "dpicm_m483a1": 0.11,
    "m77_m26": 0.07,
    "m85_m396": 0.035,
    "blu97_cbu87": 0.09,
    "9n210_9m27k": 0.26,
}


def synthetic(n: int, seed: int = 3) -> dict:
    rng = np.random.default_rng(seed)
    cat = default_catalogue()
    data = {}
    for t, per_type in zip(TYPES, np.array_split(np.arange(n), len(TYPES)), strict=True):
        s = len(per_type)
        lo = rng.integers(1, 8, s)
        hi = lo + rng.integers(0, 3, s) * (rng.random(s) < 0.2)
        carriers = rng.integers(lo, hi + 1)
        searched = rng.uniform(0.05, 0.99, s)
        p = rng.beta(TRUE[t] * 60, (1 - TRUE[t]) * 60, s)
        k = cat[t].submunitions_per_carrier
        found = rng.binomial(carriers * k, p * searched)
        prior = DudRate(*cat[t].beta, "catalogue prior")
        data[t] = (lo, hi, np.full(s, float(k)), searched, found, prior)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strikes", type=int, default=10_000)
    parser.add_argument("--pymc-types", type=int, default=1, help="types also fitted by NUTS")
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--tune", type=int, default=500)
    args = parser.parse_args()
    data = synthetic(args.strikes)
    posterior_mu(*data[TYPES[0]])  # warm up
    ours, means = {}, {}
    for t in TYPES:
        start = time.perf_counter()
        means[t] = posterior_mu(*data[t])
        ours[t] = time.perf_counter() - start
    total = sum(ours.values())
    print(f"strikes: {args.strikes:,} of {len(TYPES)} types (synthetic)")
    print(f"remnant grid posterior, all types: {total:.2f} s")
    for t in TYPES:
        m, lo, hi, _kappa, _ = means[t]
        interval = f"90 % [{lo:.4f}, {hi:.4f}]"
        print(f"  {t:13s} mean {m:.4f}  {interval}  true {TRUE[t]:.3f}  ({ours[t]:.2f} s)")
    logging.getLogger("pymc").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    worst, pymc_time, sampling_time, our_time = 0.0, 0.0, 0.0, 0.0
    for t in TYPES[: args.pymc_types]:
        start = time.perf_counter()
        draws, checks = nuts_dud_rate(*data[t], draws=args.draws, tune=args.tune)
        seconds = time.perf_counter() - start
        pymc_time += seconds
        sampling_time += checks["sampling_seconds"]
        our_time += ours[t]
        diff = abs(draws.mean() - means[t][0])
        worst = max(worst, diff)
        print(
            f"PyMC NUTS {t}: {seconds:.1f} s for 2 × {args.draws} draws with building and "
            f"compiling the model, {checks['sampling_seconds']:.1f} s sampling alone (mu: ESS "
            f"{checks['ess']:.0f}, R-hat {checks['rhat']:.3f}, {checks['divergences']} divergent)"
        )
        print(f"  mean {draws.mean():.4f}, difference from remnant {diff:.4f}")
    if pymc_time:
        print(
            f"ratio PyMC / remnant on the same types: {pymc_time / our_time:.0f}x with PyMC's "
            f"model compilation, {sampling_time / our_time:.0f}x sampling alone (target >= 100x)"
        )
        print(f"largest difference in posterior means: {worst:.4f} (target <= 0.005)")


if __name__ == "__main__":
    main()
