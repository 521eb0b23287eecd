"""Scheduling clearance teams: identical parallel machines, weighted completion time.

Each hazard area is a job of ``days`` team-days whose harm stops when it is done. Harm
averted over time is largest when Σ wⱼ Cⱼ (weight = harm rate averted, C = completion day)
is smallest. List scheduling in Smith's order (largest w/p first, each job to the team
free first) is optimal for one team and within (1 + √2)/2 ≈ 1.207 of the optimum for
any number of identical teams (Kawaguchi & Kyan, SIAM J. Comput. 15(4), 1986).

Areas longer than ``max_part_days`` are split into equal parts, each a job of its own with
its share of the weight, so several teams can work one large area and a horizon cuts a
large area rather than skipping it.
"""

from __future__ import annotations

import heapq
import itertools

import numpy as np
import pandas as pd

__all__ = [
    "KAWAGUCHI_KYAN",
    "averted_by_day",
    "list_schedule",
    "optimal_weighted_completion",
    "split",
    "weighted_completion",
]

KAWAGUCHI_KYAN = (1 + np.sqrt(2)) / 2


def split(days: np.ndarray, max_part_days: float) -> pd.DataFrame:
    """Parts of each job: ``job``, ``part`` (1…), ``days``, ``share`` of the job.

    Examples
    --------
    >>> parts = split(np.array([10.0, 25.0]), 10.0)
    >>> parts["job"].tolist(), parts["part"].tolist(), parts["days"].round(2).tolist()
    ([0, 1, 1, 1], [1, 1, 2, 3], [10.0, 8.33, 8.33, 8.33])
    """
    days = np.asarray(days, dtype=float)
    if (days <= 0).any() or not np.isfinite(days).all():
        raise ValueError("every job needs a positive, finite number of days")
    count = np.maximum(1, np.ceil(days / max_part_days - 1e-9)).astype(int)
    job = np.repeat(np.arange(len(days)), count)
    part = np.concatenate([np.arange(1, n + 1) for n in count]) if len(days) else job
    return pd.DataFrame(
        {"job": job, "part": part, "days": days[job] / count[job], "share": 1.0 / count[job]}
    )


def list_schedule(
    order: np.ndarray, days: np.ndarray, teams: int, horizon: float = np.inf
) -> pd.DataFrame:
    """Give each item of ``order`` in turn to the team free first, if it ends by ``horizon``.

    Returns one row per item given: ``item`` (index into ``days``), ``team`` (1…),
    ``start``, ``end``. Items that would end after the horizon are left out; later, shorter
    ones may still fit.
    """
    if teams < 1:
        raise ValueError("at least one team is needed")
    free = [(0.0, t) for t in range(1, teams + 1)]
    rows = []
    for item in order:
        start, team = free[0]
        end = start + float(days[item])
        if end > horizon + 1e-9:
            continue
        heapq.heapreplace(free, (end, team))
        rows.append((int(item), team, start, end))
    return pd.DataFrame(rows, columns=["item", "team", "start", "end"])


def weighted_completion(schedule: pd.DataFrame, weights: np.ndarray) -> float:
    """Σ w × completion day over the scheduled items."""
    return float((np.asarray(weights)[schedule["item"]] * schedule["end"]).sum())


def optimal_weighted_completion(weights: np.ndarray, days: np.ndarray, teams: int) -> float:
    """The exact minimum of Σ wⱼ Cⱼ on identical teams, by trying every assignment.

    Within one team Smith's order is optimal, so only the assignment of jobs to teams is
    searched (the first job on team 1 by symmetry): teamsⁿ⁻¹ cases, for small instances.
    """
    weights, days = np.asarray(weights, float), np.asarray(days, float)
    n = len(days)
    if n > 12:
        raise ValueError("exact search is for small instances (at most 12 jobs)")
    order = np.argsort(-weights / days, kind="stable")
    w, p = weights[order], days[order]
    rest = np.array(list(itertools.product(range(teams), repeat=n - 1)), dtype=np.int8)
    assign = np.hstack([np.zeros((len(rest), 1), np.int8), rest.reshape(len(rest), n - 1)])
    cost = np.zeros(len(assign))
    for t in range(teams):
        on = assign == t
        cost += (w * on * np.cumsum(p * on, axis=1)).sum(axis=1)
    return float(cost.min())


def averted_by_day(
    schedule: pd.DataFrame, rate: np.ndarray, day: np.ndarray, gain: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Harm averted up to each ``day`` (rate × days since done), and ``gain`` done by then."""
    rate = np.asarray(rate)[schedule["item"]]
    end = schedule["end"].to_numpy()
    since = np.clip(day[:, None] - end[None, :], 0, None)
    averted = since @ rate
    if gain is None:
        return averted, np.zeros_like(averted)
    done = (end[None, :] <= day[:, None]) @ np.asarray(gain)[schedule["item"]]
    return averted, done
