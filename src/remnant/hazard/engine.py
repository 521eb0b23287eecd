"""The kernel engine: Gaussian footprints integrated over grid cells, block by block.

Each kernel is a bivariate normal density (centre, covariance) times a weight (expected
items). Its value in a cell is the integral of the density over the cell, not a sample
at the centre:

* axis-aligned covariance (isotropic, or azimuth along an axis): exactly the product of
  two normal CDF differences, so one multiply-add per cell;
* rotated covariance: the normal CDF of x given y, integrated over y by Gauss–Legendre
  quadrature on panels no wider than 2σ of y (and than the distance over which the
  conditional mean crosses 2σ of x), which keeps the relative error under 1e-6 here.

Kernels are truncated at ``T`` marginal standard deviations (whole cells covering the
window). The grid is cut into square blocks; numba runs blocks in parallel and each block
owns its cells, so no two threads ever add into the same cell.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["KernelSet", "kernel_dot", "rasterize", "rect_mass"]

TRUNCATE = 4.0  # kernels are cut at this many standard deviations; the mass beyond is reported

SQRT2 = math.sqrt(2.0)
MEHLER_MAX_RHO = 0.5  # up to this correlation, the separable series; beyond, quadrature
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
# Gauss–Legendre rules on [-1, 1] with 2, 3 and 6 nodes (rows 0, 1, 2; unused slots 0).
GL_N = np.array([2, 3, 6])
GL_X = np.array(
    [
        [-0.5773502691896258, 0.5773502691896258, 0, 0, 0, 0],
        [-0.7745966692414834, 0.0, 0.7745966692414834, 0, 0, 0],
        [
            -0.9324695142031521,
            -0.6612093864662645,
            -0.2386191860831969,
            0.2386191860831969,
            0.6612093864662645,
            0.9324695142031521,
        ],
    ]
)
GL_W = np.array(
    [
        [1.0, 1.0, 0, 0, 0, 0],
        [0.5555555555555556, 0.8888888888888888, 0.5555555555555556, 0, 0, 0],
        [
            0.1713244923791704,
            0.3607615730481386,
            0.4679139345726910,
            0.4679139345726910,
            0.3607615730481386,
            0.1713244923791704,
        ],
    ]
)


@numba.njit(cache=True, inline="always")
def _rule(step, scale):
    """The smallest Gauss–Legendre rule accurate to ~1e-7 for this panel.

    The panel is ``step`` wide on a Gaussian whose shape changes over ``scale``: 2 nodes
    up to scale/8, 3 up to scale/4, else 6.
    """
    ratio = step / scale
    return 0 if ratio <= 0.125 else 1 if ratio <= 0.25 else 2


class KernelSet:
    """Kernels as arrays (metres, in the grid's CRS): centre, covariance, weight."""

    def __init__(self, x, y, sxx, sxy, syy, weight):
        arrays = [np.ascontiguousarray(a, dtype=np.float64) for a in (x, y, sxx, sxy, syy, weight)]
        self.x, self.y, self.sxx, self.sxy, self.syy, self.weight = arrays
        n = len(self.x)
        if any(len(a) != n for a in arrays):
            raise ValueError("kernel arrays differ in length")
        det = self.sxx * self.syy - self.sxy**2
        if n and (np.any(self.sxx <= 0) or np.any(self.syy <= 0) or np.any(det <= 0)):
            raise ValueError("every kernel covariance must be positive definite")

    def __len__(self) -> int:
        return len(self.x)

    def subset(self, chosen) -> KernelSet:
        """The kernels at indices (or where the mask) ``chosen``."""
        parts = (self.x, self.y, self.sxx, self.sxy, self.syy, self.weight)
        return KernelSet(*(a[chosen] for a in parts))


@numba.njit(cache=True, inline="always")
def _cdf(z):
    return 0.5 * math.erfc(-z / SQRT2)


@numba.njit(cache=True)
def rect_mass(x0, x1, y0, y1, mx, my, sxx, sxy, syy):
    """Probability that the normal (mx, my, Σ) falls in [x0, x1] × [y0, y1]."""
    sx, sy = math.sqrt(sxx), math.sqrt(syy)
    if sxy == 0.0:
        return (_cdf((x1 - mx) / sx) - _cdf((x0 - mx) / sx)) * (
            _cdf((y1 - my) / sy) - _cdf((y0 - my) / sy)
        )
    beta = sxy / syy
    s = math.sqrt(sxx - sxy * beta)
    total = 0.0
    a, b = max(y0, my - 9.0 * sy), min(y1, my + 9.0 * sy)
    if b <= a:
        return 0.0
    width = min(2.0 * sy, 2.0 * s / abs(beta))
    panels = max(1, math.ceil((b - a) / width))
    step = (b - a) / panels
    for p in range(panels):
        pa = a + p * step
        half = 0.5 * step
        mid = pa + half
        rule = _rule(step, 0.5 * width)
        for q in range(GL_N[rule]):
            yq = mid + half * GL_X[rule, q]
            zy = (yq - my) / sy
            wq = GL_W[rule, q] * half * INV_SQRT_2PI / sy * math.exp(-0.5 * zy * zy)
            m = mx + beta * (yq - my)
            total += wq * (_cdf((x1 - m) / s) - _cdf((x0 - m) / s))
    return total


@numba.njit(cache=True)
def _hermite_terms(z0, step, n, terms, cdf_first):
    """Per edge z = z0 + i·step (i < n): row 0 the normal CDF, row k ≥ 1 He_{k-1}(z)·φ(z)."""
    out = np.empty((terms + 1, n))
    for i in range(n):
        z = z0 + i * step
        phi = INV_SQRT_2PI * math.exp(-0.5 * z * z)
        out[0, i] = _cdf(z) if cdf_first else 0.0
        prev, cur = 0.0, 1.0  # He_{-1} (unused) and He_0
        for k in range(1, terms + 1):
            out[k, i] = cur * phi
            prev, cur = cur, z * cur - (k - 1) * prev if k > 1 else z
    return out


@numba.njit(cache=True)
def _add_mehler(buf, r0, c0, left, top, h, mx, my, sx, sy, rho, w, wr0, wr1, wc0, wc1):
    """A correlated kernel as a sum of separable terms (Mehler's expansion).

    The bivariate normal density with correlation ρ is φ(x)φ(y) Σ_k ρ^k/k! He_k(x) He_k(y),
    and ∫ He_k φ = −He_{k−1} φ, so a cell's mass is Σ_k ρ^k/k! · A_k(column) · B_k(row):
    each term one multiply-add per cell. Terms stop when ρ^k/k falls below 1e-11, far
    under the float32 precision of the grid.
    """
    terms = 0
    while terms < 80 and abs(rho) ** (terms + 1) / (terms + 1) > 1e-11:
        terms += 1
    nc, nr = wc1 - wc0, wr1 - wr0
    ex = _hermite_terms((left + wc0 * h - mx) / sx, h / sx, nc + 1, terms, True)
    ey = _hermite_terms((top - wr1 * h - my) / sy, h / sy, nr + 1, terms, True)  # bottom up
    coef = np.empty(terms + 1)
    coef[0] = 1.0
    for k in range(1, terms + 1):
        coef[k] = coef[k - 1] * rho / k
    # Terms go four at a time (zero-padded), so each row is read and written once per
    # four terms instead of once per term: the loop over columns vectorises either way.
    padded = 4 * ((terms + 4) // 4)
    ax = np.zeros((padded, nc))
    for c in range(nc):
        ax[0, c] = ex[0, c + 1] - ex[0, c]
        for k in range(1, terms + 1):
            ax[k, c] = ex[k, c] - ex[k, c + 1]
    t = np.zeros(padded)
    for r in range(wr0, wr1):
        j = wr1 - 1 - r  # row r spans edges j (bottom) and j + 1 (top)
        row = buf[r - r0, wc0 - c0 : wc1 - c0]
        for k in range(terms + 1):
            by = ey[0, j + 1] - ey[0, j] if k == 0 else ey[k, j] - ey[k, j + 1]
            t[k] = w * coef[k] * by
        for k in range(0, padded, 4):
            t0, t1, t2, t3 = t[k], t[k + 1], t[k + 2], t[k + 3]
            a0, a1, a2, a3 = ax[k], ax[k + 1], ax[k + 2], ax[k + 3]
            for c in range(nc):  # contiguous: numba vectorises this loop
                row[c] += t0 * a0[c] + t1 * a1[c] + t2 * a2[c] + t3 * a3[c]


@numba.njit(cache=True)
def _add_kernel(buf, r0, c0, left, top, h, mx, my, sxx, sxy, syy, w, wr0, wr1, wc0, wc1):
    """Add one kernel into ``buf``, a block whose first cell is row r0, column c0.

    The kernel covers rows [wr0, wr1) × columns [wc0, wc1), already clipped to the block.
    """
    nc = wc1 - wc0
    sx, sy = math.sqrt(sxx), math.sqrt(syy)
    edges = np.empty(nc + 1)
    if sxy == 0.0:
        for k in range(nc + 1):
            edges[k] = _cdf((left + (wc0 + k) * h - mx) / sx)
        px = edges[1:] - edges[:-1]
        y_edge = _cdf((top - wr0 * h - my) / sy)
        for r in range(wr0, wr1):
            below = _cdf((top - (r + 1) * h - my) / sy)
            py = w * (y_edge - below)
            y_edge = below
            if py == 0.0:
                continue
            row = buf[r - r0, wc0 - c0 : wc1 - c0]
            for k in range(nc):
                row[k] += py * px[k]
        return
    rho = sxy / (sx * sy)
    if abs(rho) <= MEHLER_MAX_RHO:
        _add_mehler(buf, r0, c0, left, top, h, mx, my, sx, sy, rho, w, wr0, wr1, wc0, wc1)
        return
    beta = sxy / syy
    s = math.sqrt(sxx - sxy * beta)
    width = min(2.0 * sy, 2.0 * s / abs(beta))
    for r in range(wr0, wr1):
        y_hi = top - r * h
        a, b = max(y_hi - h, my - 9.0 * sy), min(y_hi, my + 9.0 * sy)
        if b <= a:
            continue
        panels = max(1, math.ceil((b - a) / width))
        step = (b - a) / panels
        half = 0.5 * step
        rule = _rule(step, 0.5 * width)
        for p in range(panels):
            mid = a + p * step + half
            for q in range(GL_N[rule]):
                yq = mid + half * GL_X[rule, q]
                zy = (yq - my) / sy
                wq = w * GL_W[rule, q] * half * INV_SQRT_2PI / sy * math.exp(-0.5 * zy * zy)
                m = mx + beta * (yq - my)
                for k in range(nc + 1):
                    edges[k] = _cdf((left + (wc0 + k) * h - m) / s)
                for k in range(nc):
                    buf[r - r0, wc0 + k - c0] += wq * (edges[k + 1] - edges[k])


@numba.njit(parallel=True, cache=True)
def _run_blocks(out, blocks, starts, members, win, left, top, h, block, mx, my, sxx, sxy, syy, w):
    ny, nx = out.shape
    blocks_x = (nx + block - 1) // block
    for t in numba.prange(len(blocks)):
        tid = blocks[t]
        r0, c0 = (tid // blocks_x) * block, (tid % blocks_x) * block
        r1, c1 = min(r0 + block, ny), min(c0 + block, nx)
        # Only the part of the block the kernels reach is zeroed, summed and added: a
        # block that one small kernel touches costs that kernel's cells, not the block's.
        br0, br1, bc0, bc1 = r1, r0, c1, c0
        for j in range(starts[t], starts[t + 1]):
            k = members[j]
            br0, br1 = min(br0, max(win[k, 0], r0)), max(br1, min(win[k, 1], r1))
            bc0, bc1 = min(bc0, max(win[k, 2], c0)), max(bc1, min(win[k, 3], c1))
        if br1 <= br0 or bc1 <= bc0:
            continue
        buf = np.zeros((br1 - br0, bc1 - bc0))
        for j in range(starts[t], starts[t + 1]):
            k = members[j]
            wr0, wr1 = max(win[k, 0], r0), min(win[k, 1], r1)
            wc0, wc1 = max(win[k, 2], c0), min(win[k, 3], c1)
            if wr1 > wr0 and wc1 > wc0:
                _add_kernel(
                    buf,
                    br0,
                    bc0,
                    left,
                    top,
                    h,
                    mx[k],
                    my[k],
                    sxx[k],
                    sxy[k],
                    syy[k],
                    w[k],
                    wr0,
                    wr1,
                    wc0,
                    wc1,
                )
        for r in range(br1 - br0):
            for c in range(bc1 - bc0):
                out[br0 + r, bc0 + c] += buf[r, c]


@numba.njit(parallel=True, cache=True)
def _window_masses(win, left, top, h, ny, nx, mx, my, sxx, sxy, syy):
    """Per kernel: mass inside its cell window, and inside the window clipped to the grid."""
    n = len(mx)
    inside = np.empty(n)
    on_grid = np.empty(n)
    for k in numba.prange(n):
        r0, r1, c0, c1 = win[k, 0], win[k, 1], win[k, 2], win[k, 3]
        inside[k] = rect_mass(
            left + c0 * h,
            left + c1 * h,
            top - r1 * h,
            top - r0 * h,
            mx[k],
            my[k],
            sxx[k],
            sxy[k],
            syy[k],
        )
        r0, r1, c0, c1 = max(r0, 0), min(r1, ny), max(c0, 0), min(c1, nx)
        if r1 > r0 and c1 > c0:
            on_grid[k] = rect_mass(
                left + c0 * h,
                left + c1 * h,
                top - r1 * h,
                top - r0 * h,
                mx[k],
                my[k],
                sxx[k],
                sxy[k],
                syy[k],
            )
        else:
            on_grid[k] = 0.0
    return inside, on_grid


def windows(kernels: KernelSet, left: float, top: float, h: float, truncate: float) -> np.ndarray:
    """Each kernel's cell window [row0, row1, col0, col1) covering ±truncate σ (unclipped)."""
    hx, hy = truncate * np.sqrt(kernels.sxx), truncate * np.sqrt(kernels.syy)
    c0 = np.floor((kernels.x - hx - left) / h)
    c1 = np.floor((kernels.x + hx - left) / h) + 1
    r0 = np.floor((top - (kernels.y + hy)) / h)
    r1 = np.floor((top - (kernels.y - hy)) / h) + 1
    big = 2**62
    return np.clip(np.column_stack([r0, r1, c0, c1]), -big, big).astype(np.int64)


def rasterize(
    kernels: KernelSet,
    shape: tuple[int, int],
    left: float,
    top: float,
    cell: float,
    *,
    truncate: float = TRUNCATE,
    block: int = 256,
    out: np.ndarray | None = None,
) -> dict:
    """Add every kernel's cell integrals into a float32 grid of ``shape`` (rows, columns).

    Returns
    -------
    dict
        ``grid`` (the float32 array), ``total`` (sum of weights), ``truncated`` (weight
        lost beyond the truncation window), ``outside`` (weight that fell off the grid).
    """
    ny, nx = shape
    grid = np.zeros(shape, np.float32) if out is None else out
    win = windows(kernels, left, top, cell, truncate)
    clipped = np.column_stack(
        [
            np.clip(win[:, 0], 0, ny),
            np.clip(win[:, 1], 0, ny),
            np.clip(win[:, 2], 0, nx),
            np.clip(win[:, 3], 0, nx),
        ]
    )
    on = (clipped[:, 1] > clipped[:, 0]) & (clipped[:, 3] > clipped[:, 2])
    # Bin kernels into the blocks their windows touch.
    blocks_x = (nx + block - 1) // block
    tr0, tr1 = clipped[on, 0] // block, (clipped[on, 1] - 1) // block
    tc0, tc1 = clipped[on, 2] // block, (clipped[on, 3] - 1) // block
    index = np.flatnonzero(on)
    nr, nc = tr1 - tr0 + 1, tc1 - tc0 + 1
    count = nr * nc
    k = np.repeat(index, count)
    local = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    tid = (np.repeat(tr0, count) + local // np.repeat(nc, count)) * blocks_x + (
        np.repeat(tc0, count) + local % np.repeat(nc, count)
    )
    order = np.argsort(tid, kind="stable")
    tid, members = tid[order], k[order]
    blocks, starts = np.unique(tid, return_index=True)
    starts = np.append(starts, len(tid)).astype(np.int64)
    if len(blocks):
        _run_blocks(
            grid,
            blocks.astype(np.int64),
            starts,
            members.astype(np.int64),
            win,
            left,
            top,
            cell,
            block,
            kernels.x,
            kernels.y,
            kernels.sxx,
            kernels.sxy,
            kernels.syy,
            kernels.weight,
        )
    truncated, outside = losses(kernels, shape, left, top, cell, truncate, win=win)
    return {
        "grid": grid,
        "total": float(kernels.weight.sum()),
        "truncated": truncated,
        "outside": outside,
        "cell_updates": int(
            ((clipped[:, 1] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 2]))[on].sum()
        ),
    }


@numba.njit(parallel=True, cache=True)
def _kernel_dots(values, win, left, top, h, mx, my, sxx, sxy, syy):
    ny, nx = values.shape
    n = len(mx)
    out = np.zeros(n)
    for k in numba.prange(n):
        r0, r1 = max(win[k, 0], 0), min(win[k, 1], ny)
        c0, c1 = max(win[k, 2], 0), min(win[k, 3], nx)
        if r1 <= r0 or c1 <= c0:
            continue
        buf = np.zeros((r1 - r0, c1 - c0))
        _add_kernel(
            buf, r0, c0, left, top, h, mx[k], my[k], sxx[k], sxy[k], syy[k], 1.0, r0, r1, c0, c1
        )
        total = 0.0
        for r in range(r1 - r0):
            for c in range(c1 - c0):
                total += buf[r, c] * values[r0 + r, c0 + c]
        out[k] = total
    return out


def kernel_dot(
    kernels: KernelSet,
    values: np.ndarray,
    left: float,
    top: float,
    cell: float,
    *,
    truncate: float = TRUNCATE,
) -> np.ndarray:
    """Per kernel, Σ over cells of (its probability mass in the cell) × ``values`` there.

    With ``values`` the probability that a search found an item in each cell, this is the
    share of a strike's items that the search is expected to have found. Weights ignored.
    """
    win = windows(kernels, left, top, cell, truncate)
    return _kernel_dots(
        np.ascontiguousarray(values, dtype=np.float64),
        win,
        left,
        top,
        cell,
        kernels.x,
        kernels.y,
        kernels.sxx,
        kernels.sxy,
        kernels.syy,
    )


def losses(
    kernels: KernelSet, shape, left: float, top: float, cell: float, truncate: float, *, win=None
) -> tuple[float, float]:
    """Weight lost beyond the truncation window, and weight falling off a grid of ``shape``.

    ``win``: the kernels' windows (:func:`windows`) when already computed.
    """
    if win is None:
        win = windows(kernels, left, top, cell, truncate)
    inside, on_grid = _window_masses(
        win,
        left,
        top,
        cell,
        shape[0],
        shape[1],
        kernels.x,
        kernels.y,
        kernels.sxx,
        kernels.sxy,
        kernels.syy,
    )
    w = kernels.weight
    return float((w * (1 - inside)).sum()), float((w * (inside - on_grid)).sum())
