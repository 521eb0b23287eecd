import math

import numpy as np
import pytest

from remnant.errors import InputError
from remnant.sampling import binomial_plan, hypergeometric_plan, oc_curve, what_acceptance_says


@pytest.mark.parametrize(
    ("units", "tolerated", "confidence"), [(1000, 9, 0.95), (200, 0, 0.9), (5000, 49, 0.99)]
)
def test_exact_plan_is_the_smallest_that_meets_the_confidence(units, tolerated, confidence):
    plan = hypergeometric_plan(units * 10.0, 10.0, confidence, tolerated)
    bad = tolerated + 1

    def accept(n):  # c = 0: all n sampled units are good
        return math.comb(units - bad, n) / math.comb(units, n)

    assert accept(plan.n) <= 1 - confidence < accept(plan.n - 1)
    assert float(plan.accept_probability(bad)) == pytest.approx(accept(plan.n), rel=1e-9)


def test_binomial_plan_matches_its_closed_form_and_needs_more_units():
    exact = hypergeometric_plan(10_000, 10, 0.95, 9)
    approx = binomial_plan(10_000, 10, 0.95, 9)
    p = 10 / 1000
    assert approx.n == math.ceil(math.log(0.05) / math.log(1 - p))
    assert approx.n > exact.n
    with_c = binomial_plan(10_000, 10, 0.95, 9, c=2)
    assert with_c.n > approx.n


def test_oc_curve_falls_from_one():
    plan = hypergeometric_plan(10_000, 10, 0.95, 9, c=1)
    bad, p = oc_curve(plan)
    assert p[0] == pytest.approx(1.0)
    assert np.all(np.diff(p) <= 1e-12)
    assert p[bad == 10][0] <= 0.05


def test_what_acceptance_says_agrees_with_simulating_inspections():
    plan = hypergeometric_plan(2_000, 10, 0.9, 4)
    said = what_acceptance_says(plan, 1.5)
    rng = np.random.default_rng(3)
    accepted, any_left, runs = 0, 0, 20_000
    for _ in range(runs):
        items = rng.poisson(1.5 / plan.units, plan.units) > 0
        sample = rng.choice(plan.units, plan.n, replace=False)
        if items[sample].sum() <= plan.c:
            accepted += 1
            any_left += items.any()
    assert accepted / runs == pytest.approx(said["p_accept"], abs=0.01)
    assert any_left / accepted == pytest.approx(said["p_any_after"], abs=0.015)
    assert said["p_any_after"] < said["p_any_before"]
    assert said["p_any_before"] == pytest.approx(1 - math.exp(-1.5), rel=1e-3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 10, 0.95, 0), "lot area must be a positive number"),
        ((100, 1000, 0.95, 0), r"the sample unit \(1000 m²\) is larger than the lot"),
        ((1000, 10, 1.5, 0), "confidence must be between 0 and 1"),
        ((1000, 10, 0.95, 100), "tolerated must be from 0 to 99"),
    ],
)
def test_bad_plan_inputs_are_named(args, message):
    with pytest.raises(InputError, match=message):
        hypergeometric_plan(*args)
