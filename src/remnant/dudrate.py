"""Field dud rates per submunition type from clearance results (docs/dud-rate-model.md).

For strike s of type m: N_s = n_s K_m submunitions (n_s uniform over its carrier range),
π_s the chance that one of its duds was found — the share of its footprint mass that
clearance or technical survey covered after it, weighted by their detection probability —
and k_s the items of type m found there (items shared between overlapping strikes of
that type by footprint responsibility). Then

    k_s | p_s ~ Binomial(N_s, p_s π_s),   p_s ~ Beta(μ_m κ_m, (1 − μ_m) κ_m),

with a weak prior on μ_m (the catalogue's Beta, which spans the published test and field
figures) and a log-uniform prior on κ_m in [1, 1000]. Each strike's marginal likelihood is
a one-dimensional integral over p_s, done by the trapezoid rule on a logit grid (smooth,
so spectrally accurate); the posterior of (μ_m, κ_m) is evaluated on a grid. No MCMC.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special
from scipy.spatial import cKDTree

from remnant.catalogue import UNKNOWN, Munition, SurveyFigures
from remnant.grid import Grid, coverage
from remnant.hazard import engine
from remnant.hazard.footprint import StrikeKernels, carrier_covariance, projected_kernels
from remnant.hazard.model import DudRate, activity_epochs
from remnant.records import as_date
from remnant.translate import _, number, percent

__all__ = [
    "DudRateFit",
    "TypeEstimate",
    "fit_dud_rates",
    "forest_plot",
    "posterior_mu",
    "strike_evidence",
]

log = logging.getLogger(__name__)

SEARCH_TYPES = ("clearance", "TS")
P_GRID = special.expit(np.linspace(-12.0, 6.0, 200))
# The likelihood is evaluated at p = 0 and p = 1 too: they carry the Beta's mass beyond the
# grid (a Beta with a small first parameter puts most of its mass far below 1e-5).
P_NODES = np.r_[0.0, P_GRID, 1.0]
MU_GRID = special.expit(np.linspace(special.logit(0.002), special.logit(0.9), 60))
KAPPA_GRID = np.logspace(0.0, 3.0, 24)
INFORMATIVE = 1e-4  # strikes whose duds had less chance than this of being found say nothing
PLACEMENTS = 256  # draws of where a strike's carriers fell (docs/dud-rate-model.md)
HELD = 0.9  # the fewest strikes holding this much of a find between them form one unit


@dataclass
class TypeEstimate:
    """The field dud rate of one submunition type: posterior of μ, and what informed it."""

    munition: str
    strikes: int
    fired: float
    found: float
    mean: float
    lo90: float
    hi90: float
    kappa: float
    prior: DudRate
    data: bool

    posterior: DudRate | None = None  # μ's posterior as a moment-matched Beta

    def rate(self) -> DudRate:
        """The rate for the hazard map: the posterior where there are data, else the prior."""
        return self.posterior or self.prior


@dataclass
class DudRateFit:
    """Estimates per type, and per strike the expected duds not found."""

    estimates: dict[str, TypeEstimate]
    # Per strike: E[(N − k) p / (1 − p π) | data], its expected duds not found before the
    # search's spatial discount; the hazard map spreads it and keeps (1 − d) where searched.
    strike_weights: np.ndarray
    unattributed: int

    def table(self) -> pd.DataFrame:
        """One row per type: the CSV columns of ``remnant dudrate``."""
        return pd.DataFrame(
            [
                {
                    "type": e.munition,
                    "strikes": e.strikes,
                    "fired": e.fired,
                    "found": e.found,
                    "mean": e.mean,
                    "lo90": e.lo90,
                    "hi90": e.hi90,
                    "kappa": e.kappa,
                    "prior_mean": e.prior.mean,
                    "data": e.data,
                }
                for e in self.estimates.values()
            ]
        )

    def rates(self) -> dict[str, DudRate]:
        """The dud rate per type for the hazard map: posterior where there are data."""
        return {k: e.rate() for k, e in self.estimates.items()}


@dataclass
class StrikeEvidence:
    """Per strike: the chance π that a dud was found, and the items attributed to it (k)."""

    kernels: StrikeKernels
    searched: np.ndarray
    found: np.ndarray  # expected items per strike (shared items split by responsibility)
    unattributed: int
    group: np.ndarray  # strikes that may have left the same find share a label
    placed: np.ndarray  # strikes × PLACEMENTS: π for draws of where the carriers fell


def strike_evidence(
    strikes, activities, items, grid: Grid, catalogue, survey, kernels: StrikeKernels | None = None
) -> StrikeEvidence:
    """π_s and k_s for every strike, from the search polygons and the items they found.

    ``kernels``: the strikes' kernels in the grid's CRS, when already built.
    """
    if kernels is None:
        kernels = projected_kernels(strikes, grid.crs, catalogue, survey)
    sxx, sxy, syy = kernels.covariance()
    searches = activities[activities["type"].isin(SEARCH_TYPES)] if len(activities) else activities
    epochs, plan = activity_epochs(strikes, searches, grid.crs, survey)
    searched = np.zeros(len(kernels.x))
    placed = np.zeros((len(kernels.x), PLACEMENTS))
    rng = np.random.default_rng(0)  # the fit is repeatable
    survival = np.ones(grid.shape)
    for e in reversed(range(len(plan) + 1)):
        if e < len(plan):
            geometry, d = plan[e]
            rows, cols, share = coverage(geometry, grid)
            survival[rows, cols] *= 1.0 - d * share
        chosen = np.flatnonzero(epochs == e)
        if len(chosen) and len(plan):
            k = engine.KernelSet(
                kernels.x[chosen],
                kernels.y[chosen],
                sxx[chosen],
                sxy[chosen],
                syy[chosen],
                np.ones(len(chosen)),
            )
            searched[chosen] = engine.kernel_dot(k, 1.0 - survival, grid.left, grid.top, grid.cell)
            for part in _parts(chosen, _carriers(kernels, chosen)):
                reached = searched[part] > 0
                placed[part] = _placed(kernels, part, 1.0 - survival, grid, rng, reached)
    searched = np.clip(searched, 0.0, 1.0)
    item, strike, share, unattributed = _attribute(
        strikes, kernels, items, searches, grid, catalogue, searched
    )
    # A find is its holders' alone, and links them: no strike takes a sliver of a find it
    # could then only explain by a rare placement on the search (docs/dud-rate-model.md).
    held = _holders(item, share)
    item, strike, share = item[held], strike[held], share[held]
    share = share / np.bincount(item, weights=share)[item] if len(item) else share
    most = kernels.carriers_max * kernels.per_carrier  # what the largest count could leave
    found = np.minimum(np.bincount(strike, weights=share, minlength=len(most)), most)
    group = _groups(item, strike, len(most))
    # The draws give π's spread; its mean is the kernel's share (no Monte Carlo error, and
    # a strike the draws all missed keeps the share the smooth kernel gives it).
    drawn = placed.mean(axis=1)
    scale = np.divide(searched, drawn, out=np.zeros_like(drawn), where=drawn > 0)
    placed = np.where(drawn[:, None] > 0, placed * scale[:, None], searched[:, None])
    return StrikeEvidence(kernels, searched, found, unattributed, group, np.clip(placed, 0, 1))


def _parts(chosen: np.ndarray, carriers: np.ndarray, most: int = 2**20):
    """``chosen`` in consecutive parts of at most ``most`` carrier placements each.

    ``carriers``: the carriers placed per strike and draw. A national programme's strikes
    times PLACEMENTS times their carriers would be tens of millions of footprints at
    once; in parts, memory follows the part.

    >>> [p.tolist() for p in _parts(np.arange(4), np.array([1, 2, 8000, 1]), most=6400)]
    [[0, 1], [2], [3]]
    """
    n = carriers * PLACEMENTS
    start = 0
    while start < len(chosen):
        stop = start + max(1, int(np.searchsorted(np.cumsum(n[start:]), most, "right")))
        yield chosen[start:stop]
        start = stop


def _carriers(kernels: StrikeKernels, chosen) -> np.ndarray:
    """The carriers a draw places per chosen strike: its mean count, rounded, at least 1."""
    return np.maximum(np.rint(kernels.carriers_mean[chosen]).astype(np.int64), 1)


def _placed(kernels: StrikeKernels, chosen, values, grid: Grid, rng, reached) -> np.ndarray:
    """π of each chosen strike for PLACEMENTS draws of where its carriers fell.

    A draw moves the strike by its location error, each of its carriers (its mean count,
    rounded) by the carrier spread, and turns the footprint to its azimuth or, where the
    record has none, to a direction drawn uniformly; π is then the mean over its carriers
    of the searched mass of one carrier's footprint around its aim point. Strikes not
    ``reached`` (whose whole kernel meets no search: their π is scaled to 0 in the end)
    are not integrated; their draws are still made, so the others' draws do not depend
    on which were reached.
    """
    per_draw = np.repeat(_carriers(kernels, chosen), PLACEMENTS)  # kernels per (strike, draw)
    unit = np.repeat(np.arange(len(chosen) * PLACEMENTS), per_draw)
    strike = chosen[unit // PLACEMENTS]
    shift = (
        rng.normal(size=(len(chosen) * PLACEMENTS, 2))
        * np.sqrt(np.repeat(kernels.location_var[chosen], PLACEMENTS))[:, None]
    )
    spread = rng.normal(size=(len(unit), 2)) * np.sqrt(kernels.spread_var[strike])[:, None]
    theta = kernels.headings(rng, np.repeat(chosen, PLACEMENTS))[unit]  # one per strike draw
    on = np.flatnonzero(reached[unit // PLACEMENTS])
    unit, strike, spread, theta = unit[on], strike[on], spread[on], theta[on]
    one_xx, one_xy, one_yy = carrier_covariance(
        kernels.along_var[strike], kernels.across_var[strike], theta
    )
    k = engine.KernelSet(
        kernels.x[strike] + shift[unit, 0] + spread[:, 0],
        kernels.y[strike] + shift[unit, 1] + spread[:, 1],
        one_xx,
        one_xy,
        one_yy,
        np.ones(len(unit)),
    )
    dots = engine.kernel_dot(k, values, grid.left, grid.top, grid.cell)
    means = np.bincount(unit, weights=dots, minlength=len(per_draw)) / per_draw
    return means.reshape(len(chosen), PLACEMENTS)


def _holders(item: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Which (find, strike) pairs are among the fewest strikes holding HELD of each find.

    ``item`` sorted; ``share`` each strike's responsibility for its find. A find one strike
    holds alone links nothing; one spread over many strikes links them all.

    >>> _holders(np.array([0, 0, 1, 1, 1]), np.array([0.95, 0.05, 0.4, 0.35, 0.25])).tolist()
    [True, False, True, True, True]
    """
    if len(item) == 0:
        return np.zeros(0, bool)
    order = np.lexsort((-share, item))
    ranked = share[order]
    before = np.cumsum(ranked) - ranked
    starts = np.r_[0, np.flatnonzero(np.diff(item[order])) + 1]
    before -= np.repeat(before[starts], np.diff(np.r_[starts, len(item)]))
    out = np.zeros(len(item), bool)
    out[order] = before < HELD
    return out


def _groups(item, strike, n_strikes: int) -> np.ndarray:
    """A group label per strike: strikes that could have left the same find share one.

    >>> _groups(np.array([0, 0, 1]), np.array([0, 2, 3]), 4).tolist()
    [0, 1, 0, 2]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pairs = pd.DataFrame({"item": item, "strike": strike})
    first = pairs.groupby("item")["strike"].transform("first").to_numpy()
    links = coo_matrix((np.ones(len(item)), (first, strike)), shape=(n_strikes, n_strikes))
    return connected_components(links, directed=False)[1]


def _attribute(strikes, kernels, items, searches, grid, catalogue, searched):
    """Share each found item between the strikes of its type that could have left it.

    Responsibility ∝ prior expected duds × footprint density at the item, among strikes of
    the same type dated no later than the item whose footprints the searches reached
    (π > 0: a strike no search reached cannot be the source of a find). Returns, sorted
    by item, each item's candidate strikes and their responsibilities, and the number of
    items no strike could have left.
    """
    none = np.zeros(0, np.int64)
    if items is None or len(items) == 0:
        return none, none, np.zeros(0), 0
    useful = items[items["activity"].isin(set(searches["id"])) & (items["munition"] != UNKNOWN)]
    if len(useful) == 0:
        return none, none, np.zeros(0), 0
    pts = useful.to_crs(grid.crs).geometry
    ix, iy = pts.x.to_numpy(), pts.y.to_numpy()
    item_dates = [as_date(v) for v in useful["date"]]
    strike_dates = [as_date(v) for v in strikes["date"]]
    sxx, sxy, syy = kernels.covariance()
    det = sxx * syy - sxy**2
    prior = (
        kernels.carriers_mean
        * kernels.per_carrier
        * np.array([catalogue[m].prior_mean for m in kernels.munition])
    )
    unattributed = 0
    owners: list[tuple[int, np.ndarray, np.ndarray]] = []
    for kind in set(useful["munition"]):
        of_type = np.flatnonzero(kernels.munition == kind)
        mine = np.flatnonzero((useful["munition"] == kind).to_numpy())
        if len(of_type) == 0:
            unattributed += len(mine)
            continue
        tree = cKDTree(np.column_stack([kernels.x[of_type], kernels.y[of_type]]))
        reach = 6.0 * np.sqrt(np.maximum(sxx[of_type], syy[of_type]).max())
        for i, near in zip(
            mine, tree.query_ball_point(np.column_stack([ix[mine], iy[mine]]), reach), strict=True
        ):
            s = of_type[np.asarray(near, dtype=np.int64)]
            s = s[searched[s] > 0]
            if item_dates[i] is not None:
                s = s[[strike_dates[j] is None or strike_dates[j] <= item_dates[i] for j in s]]
            if len(s) == 0:
                unattributed += 1
                continue
            dx, dy = ix[i] - kernels.x[s], iy[i] - kernels.y[s]
            q = (syy[s] * dx * dx - 2 * sxy[s] * dx * dy + sxx[s] * dy * dy) / det[s]
            density = prior[s] * np.exp(-0.5 * q) / np.sqrt(det[s])
            total = density.sum()
            if total <= 0:
                unattributed += 1
                continue
            owners.append((i, s, density / total))
    owners.sort(key=lambda o: o[0])
    item = np.concatenate([np.full(len(o[1]), o[0]) for o in owners]) if owners else none
    strike = np.concatenate([o[1] for o in owners]) if owners else none
    share = np.concatenate([o[2] for o in owners]) if owners else np.zeros(0)
    return item, strike.astype(np.int64), share, unattributed


def _log_likelihood(n_lo, n_hi, per_carrier, searched, found) -> np.ndarray:
    """Log ℓ_s(p_j) for each strike and node p_j of P_NODES, the carrier count marginalised.

    ``searched`` is π per strike, or per strike and draw of where its carriers fell: then
    the likelihood is the mean over the draws.
    """
    draws = np.asarray(searched, float).reshape(len(found), -1)
    out = np.full((len(found), len(P_NODES)), -np.inf)
    for pi in draws.T:
        out = np.logaddexp(out, _binomial_mixture(n_lo, n_hi, per_carrier, pi, found))
    return out - np.log(draws.shape[1])


def _binomial_mixture(n_lo, n_hi, per_carrier, searched, found) -> np.ndarray:
    p = P_NODES[None, :]
    out = np.full((len(found), len(P_NODES)), -np.inf)
    span = (n_hi - n_lo + 1).astype(int)
    for offset in range(int(span.max()) if len(span) else 0):
        n = n_lo + offset
        valid = (offset < span)[:, None]
        total = (n * per_carrier)[:, None]
        k = found[:, None]
        pi = searched[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            term = (
                special.gammaln(total + 1)
                - special.gammaln(k + 1)
                - special.gammaln(total - k + 1)
                + special.xlogy(k, p * pi)
                + special.xlog1py(total - k, -p * pi)
            )
        term = np.where(valid & (k <= total), term, -np.inf)
        out = np.logaddexp(out, term)
    return out - np.log(span)[:, None]


def _log_beta_weights(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Log of the Beta(a, b) mass each node of P_NODES stands for (rows: one per (a, b)).

    Inside the grid: the density times the trapezoid weight in logit space (smooth there,
    so the rule converges fast); at p = 0 and p = 1: the Beta's exact mass below and above
    the grid (regularized incomplete beta function).
    """
    t = special.logit(P_GRID)
    logw = np.log(P_GRID * (1 - P_GRID)) + np.log(np.gradient(t))
    a, b = np.atleast_1d(a)[:, None], np.atleast_1d(b)[:, None]
    inner = (
        (a - 1) * np.log(P_GRID)[None, :]
        + (b - 1) * np.log1p(-P_GRID)[None, :]
        - special.betaln(a, b)
        + logw[None, :]
    )
    with np.errstate(divide="ignore"):
        below = np.log(special.betainc(a, b, P_GRID[0]))
        above = np.log(special.betaincc(a, b, P_GRID[-1]))
    return np.concatenate([below, inner, above], axis=1)


def _posterior(loglik: np.ndarray, prior: DudRate, mu_grid, kappa_grid, strength) -> np.ndarray:
    """Posterior mass of (μ, κ) on mu_grid × kappa_grid given per-unit log ℓ_u(p_j).

    A unit of ``strength`` m has its rate ~ Beta with concentration m (κ + 1) − 1: the
    mean of independent strike rates, moment-matched.
    """
    mu, kappa = np.meshgrid(mu_grid, kappa_grid, indexing="ij")
    logpost = np.zeros(mu.size)
    for m in np.unique(strength):
        units = loglik[strength == m]
        c = (m * (kappa + 1) - 1).ravel()
        logbeta = _log_beta_weights(mu.ravel() * c, (1 - mu.ravel()) * c)
        shift_g = logbeta.max(axis=1, keepdims=True)
        shift_s = units.max(axis=1, keepdims=True)
        with np.errstate(divide="ignore"):
            marginal = np.log(np.exp(logbeta - shift_g) @ np.exp(units - shift_s).T)
        logpost += (marginal + shift_g + shift_s.T).sum(axis=1)
    logpost = logpost.reshape(mu.shape)
    logprior = (prior.alpha - 1) * np.log(mu) + (prior.beta - 1) * np.log1p(-mu) - np.log(kappa)
    cell = np.gradient(mu_grid)[:, None] * np.gradient(kappa_grid)[None, :]
    logpost = logpost + logprior + np.log(cell)
    post = np.exp(logpost - logpost.max())
    return post / post.sum()


def posterior_mu(n_lo, n_hi, per_carrier, searched, found, prior: DudRate, strength=None):
    """Posterior of one type's field dud rate μ from its strikes' evidence.

    Parameters are per strike: carrier range, submunitions per carrier, chance π that a
    dud was found, items found k; ``strength`` (1 for a strike) that of a unit of
    strikes whose finds are pooled (:func:`_units`). Returns (mean, 5th percentile, 95th
    percentile, κ's posterior geometric mean, μ's posterior as a moment-matched Beta).

    Twenty strikes of four carriers of 88 (352 submunitions each), 90 % of each footprint
    searched, 95 items found at each: about 95 / (352 × 0.9) = 30 % failed.

    >>> prior = DudRate(2.744, 21.768, "catalogue prior")
    >>> mean, lo, hi, _, _ = posterior_mu([4] * 20, [4] * 20, [88] * 20, [0.9] * 20,
    ...                                   [95] * 20, prior)
    >>> round(mean, 2), round(lo, 2), round(hi, 2)
    (0.3, 0.29, 0.31)
    """
    loglik = _log_likelihood(
        np.asarray(n_lo, float),
        np.asarray(n_hi, float),
        np.asarray(per_carrier, float),
        np.asarray(searched, float),
        np.asarray(found, float),
    )
    strength = np.ones(len(loglik)) if strength is None else np.asarray(strength, float)
    # A coarse grid over the whole prior range finds the posterior; a fine one resolves it.
    post = _posterior(loglik, prior, MU_GRID, KAPPA_GRID, strength)
    mu_lo, mu_hi = _support(MU_GRID, post.sum(axis=1))
    kappa_lo, kappa_hi = _support(KAPPA_GRID, post.sum(axis=0))
    mu_grid = special.expit(np.linspace(special.logit(mu_lo), special.logit(mu_hi), 80))
    kappa_grid = np.exp(np.linspace(np.log(kappa_lo), np.log(kappa_hi), 32))
    post = _posterior(loglik, prior, mu_grid, kappa_grid, strength)
    mu_mass, kappa_mass = post.sum(axis=1), post.sum(axis=0)
    mean = float((mu_grid * mu_mass).sum())
    var = float(((mu_grid - mean) ** 2 * mu_mass).sum())
    kappa_hat = float(np.exp((np.log(kappa_grid) * kappa_mass).sum()))
    common = max(mean * (1 - mean) / max(var, 1e-12) - 1, 1e-3)
    beta = DudRate(
        mean * common, (1 - mean) * common, "field posterior (remnant dudrate)", kappa_hat
    )
    lo, hi = _quantile(mu_grid, mu_mass, 0.05), _quantile(mu_grid, mu_mass, 0.95)
    return mean, lo, hi, kappa_hat, beta


def _support(grid, mass, tail: float = 1e-5) -> tuple[float, float]:
    """The grid range holding all but ``tail`` of the mass on each side, one point wider."""
    cdf = np.cumsum(mass)
    lo = max(int(np.searchsorted(cdf, tail)) - 1, 0)
    hi = min(int(np.searchsorted(cdf, 1 - tail)) + 1, len(grid) - 1)
    if hi <= lo:
        lo, hi = max(lo - 1, 0), min(hi + 1, len(grid) - 1)
    return float(grid[lo]), float(grid[hi])


def _quantile(values, mass, q) -> float:
    cdf = np.cumsum(mass)
    return float(np.interp(q, cdf - mass / 2, values))


def fit_dud_rates(
    strikes,
    activities,
    items,
    grid: Grid,
    catalogue: dict[str, Munition],
    survey: SurveyFigures,
    kernels: StrikeKernels | None = None,
) -> DudRateFit:
    """Fit the field dud rate of every type fired, and each strike's expected duds left.

    Types without informative strikes keep the catalogue prior and say so (``data`` false).
    ``kernels``: the strikes' kernels in the grid's CRS, when already built.
    """
    ev = strike_evidence(strikes, activities, items, grid, catalogue, survey, kernels)
    k = ev.kernels
    weights = np.zeros(len(k.x))
    estimates = {}
    for kind in sorted(set(k.munition)):
        m = catalogue[kind]
        prior = DudRate(m.beta[0], m.beta[1], f"prior ({m.provenance})")
        rows = np.flatnonzero(k.munition == kind)
        informative = rows[ev.searched[rows] > INFORMATIVE]
        fired = float((k.carriers_mean[rows] * k.per_carrier[rows]).sum())
        if len(informative) == 0:
            weights[rows] = k.carriers_mean[rows] * k.per_carrier[rows] * prior.mean
            estimates[kind] = TypeEstimate(
                kind,
                0,
                fired,
                float(ev.found[rows].sum()),
                prior.mean,
                float(special.betaincinv(prior.alpha, prior.beta, 0.05)),
                float(special.betaincinv(prior.alpha, prior.beta, 0.95)),
                float("nan"),
                prior,
                False,
            )
            continue
        n_lo, n_hi, per, pi, found, strength = _units(k, ev, informative)
        mean, lo, hi, kappa_hat, beta = posterior_mu(n_lo, n_hi, per, pi, found, prior, strength)
        estimate = TypeEstimate(
            kind,
            len(informative),
            fired,
            float(ev.found[rows].sum()),
            mean,
            lo,
            hi,
            kappa_hat,
            prior,
            True,
            beta,
        )
        estimates[kind] = estimate
        weights[rows] = _weights(k, ev, rows, mean, kappa_hat)
    return DudRateFit(estimates, weights, ev.unattributed)


def _units(k: StrikeKernels, ev: StrikeEvidence, rows: np.ndarray):
    """Carrier ranges, submunitions per carrier, π draws and finds of the fit's units.

    A unit is a strike, or strikes whose finds cannot be told apart (one find could be
    either's): their carriers add up, π is their fired-weighted mean (draw by draw of
    where their carriers fell) and the finds are summed, so no find has to be split
    between them; the unit's rate, the weighted mean of its strikes' rates, varies less
    than one strike's: its strength is the effective number of strikes in it, (Σw)²/Σw²
    with w their fired × π (docs/dud-rate-model.md).
    """
    code = pd.factorize(ev.group[rows])[0]
    units = code.max() + 1 if len(code) else 0
    fired = k.carriers_mean[rows] * k.per_carrier[rows]
    reached = fired * ev.searched[rows]

    def total(values):
        out = np.zeros((units, *np.shape(values)[1:]))
        np.add.at(out, code, values)
        return out

    first = np.unique(code, return_index=True)[1]
    return (
        total(k.carriers_min[rows]),
        total(k.carriers_max[rows]),
        k.per_carrier[rows][first],
        total(fired[:, None] * ev.placed[rows]) / total(fired)[:, None],
        total(ev.found[rows]),
        np.round(total(reached) ** 2 / np.maximum(total(reached**2), 1e-300), 1),
    )


def _weights(k: StrikeKernels, ev: StrikeEvidence, rows, mu: float, kappa: float) -> np.ndarray:
    """E[(N − k) p / (1 − p π) | k] per strike at the type's fitted (μ, κ).

    See docs/dud-rate-model.md, "What the hazard map takes from it".
    """
    logprior = _log_beta_weights(np.array([mu * kappa]), np.array([(1 - mu) * kappa]))[0]
    p = P_NODES[None, :]
    out = np.zeros(len(rows))
    for i, s in enumerate(rows):
        span = np.arange(k.carriers_min[s], k.carriers_max[s] + 1)
        total = span[:, None] * k.per_carrier[s]
        kk, pi = ev.found[s], ev.searched[s]
        with np.errstate(divide="ignore", invalid="ignore"):
            logl = (
                special.gammaln(total + 1)
                - special.gammaln(kk + 1)
                - special.gammaln(total - kk + 1)
                + special.xlogy(kk, p * pi)
                + special.xlog1py(total - kk, -p * pi)
            )
            logl = np.where(kk <= total, logl, -np.inf) + logprior[None, :]
            if not np.isfinite(logl.max()):
                continue
            w = np.exp(logl - logl.max())
            value = np.where(p * pi < 1, (total - kk) * p / (1 - p * pi), 0.0)
        out[i] = float((w * value).sum() / w.sum())
    return out


def forest_plot(fit: DudRateFit, catalogue: dict[str, Munition], path, *, truth=None, title=None):
    """Prior and published ranges against the posterior per type; hidden truth if given."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    kinds = list(fit.estimates)
    labelled: set[str] = set()

    def label(text):
        """Each legend entry once."""
        if text in labelled:
            return None
        labelled.add(text)
        return text

    fig, ax = plt.subplots(figsize=(8, 1.0 + 0.7 * len(kinds)), dpi=110)
    for row, kind in enumerate(kinds):
        e, m = fit.estimates[kind], catalogue[kind]
        y = len(kinds) - 1 - row
        ax.plot(
            [m.prior_q05, m.prior_q95],
            [y + 0.22] * 2,
            color="0.75",
            linewidth=6,
            solid_capstyle="butt",
            label=label(_("catalogue prior, 90 %")),
        )
        for rate, colour, name in (
            (m.test_rate, "tab:blue", _("published test / claimed")),
            (m.field_rate, "tab:orange", _("published field reports")),
        ):
            if rate:
                ax.plot(
                    rate,
                    [y + 0.22] * 2,
                    "|",
                    color=colour,
                    markersize=12,
                    markeredgewidth=2,
                    label=label(name),
                )
        if e.data:
            ax.errorbar(
                e.mean,
                y - 0.12,
                xerr=[[e.mean - e.lo90], [e.hi90 - e.mean]],
                fmt="o",
                color="black",
                capsize=4,
                label=label(_("field estimate, 90 % interval")),
            )
            note = "  " + _("{mean} ({strikes} strikes, {found} found)").format(
                mean=percent(e.mean, 1), strikes=number(e.strikes), found=number(e.found)
            )
            ax.text(e.hi90, y - 0.12, note, va="center", fontsize=8)
        else:
            note = "  " + _("no clearance data: prior kept")
            ax.text(m.prior_q95, y - 0.12, note, va="center", fontsize=8, color="0.4")
        if truth and kind in truth:
            ax.plot(
                truth[kind],
                y - 0.12,
                "x",
                color="red",
                markersize=9,
                markeredgewidth=2,
                label=label(_("hidden true rate (synthetic)")),
            )
    ax.set_yticks(range(len(kinds)), list(reversed(kinds)))
    ax.set_xlabel(_("dud rate (share of submunitions that fail)"))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: percent(x)))
    ax.set_xlim(0, min(1.0, max(0.5, *(catalogue[k].prior_q95 for k in kinds)) * 1.15))
    ax.set_title(title or _("Field dud rates against catalogue priors"))
    ax.legend(loc="lower right", fontsize=7)
    ax.grid(axis="x", alpha=0.3)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path
