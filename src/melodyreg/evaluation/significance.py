"""Exact levels and corrected families: the paired t-interval, the sign test and Holm's correction.

The bootstrap intervals of :mod:`melodyreg.evaluation.intervals` describe; they do not hold a
stated level at a handful of seeds (at three seeds an expanded percentile interval is the range
of the values, and covers the mean at most 75 % of the time). A verdict needs a test whose level
is known:

- the **paired t-interval** of the mean difference over seeds, exact when the differences are
  normal (the t distribution with n − 1 degrees of freedom), usable from two seeds on;
- the **sign test**, exact without any assumption on the differences' distribution, but coarse:
  with n seeds its smallest two-sided p-value is 2 · 0.5ⁿ, so at the 5 % level it cannot reject
  anything below six seeds (:func:`sign_test_min_seeds`).

A claim judged on several comparisons, a table of several claims, a curve judged at several
temperatures: each is a family of tests, and the chance that one of them rejects by luck grows
with its size. :func:`holm` adjusts a family's p-values by Holm's step-down procedure (Holm
1979), which keeps the chance of any false rejection in the family at the level, whatever the
tests' dependence, and rejects at least what Bonferroni's correction rejects.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from melodyreg.evaluation.intervals import LEVEL


def _finite(values: Sequence[float]) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        raise ValueError("no differences to test")
    if not np.isfinite(x).all():
        raise ValueError(f"non-finite differences: {x.tolist()}")
    return x


def t_interval(differences: Sequence[float], level: float = LEVEL) -> tuple[float, float, float]:
    """The mean of paired ``differences`` and its t-interval at ``level`` (exact for normal differences).

    Returns:
        ``(mean, low, high)``; with one difference the interval is unbounded, with identical ones it is
        the value itself.
    """
    x = _finite(differences)
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    mean = float(x.mean())
    if x.size == 1:
        return mean, -math.inf, math.inf
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


def t_pvalue(differences: Sequence[float]) -> float:
    """Two-sided p-value of the paired t-test that the mean difference is 0 (1.0 with one difference;
    0.0 when every difference is the same non-zero value, 1.0 when all are zero)."""
    x = _finite(differences)
    if x.size == 1:
        return 1.0
    spread = x.std(ddof=1)
    if spread == 0:
        return 1.0 if x.mean() == 0 else 0.0
    t = x.mean() / (spread / math.sqrt(x.size))
    return float(2 * stats.t.sf(abs(t), x.size - 1))


def one_sided_pvalue(differences: Sequence[float], threshold: float = 0.0, *, above: bool = True) -> float:
    """Exact one-sided t-test p-value that the mean of ``differences`` lies above (or below) ``threshold``
    (1.0 with fewer than two values; 0.0 or 1.0 when they are all equal)."""
    x = np.asarray(differences, dtype=float)
    if x.size < 2:
        return 1.0
    spread = float(x.std(ddof=1))
    mean = float(x.mean())
    if spread == 0:
        return 0.0 if (mean > threshold if above else mean < threshold) else 1.0
    t = (mean - threshold) / (spread / math.sqrt(x.size))
    return float(stats.t.sf(t, x.size - 1) if above else stats.t.cdf(t, x.size - 1))


def sign_pvalue(differences: Sequence[float]) -> float:
    """Two-sided exact p-value of the sign test (zero differences are dropped; none left: 1.0)."""
    x = _finite(differences)
    above, below = int((x > 0).sum()), int((x < 0).sum())
    if above + below == 0:
        return 1.0
    return float(stats.binomtest(above, above + below, 0.5).pvalue)


def sign_test_min_seeds(level: float = LEVEL) -> int:
    """The fewest paired seeds at which the sign test can reject at ``level`` (all signs agreeing)."""
    return math.ceil(math.log2(2 / (1 - level)))


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values of a family (NaN entries are not tests and stay NaN).

    The i-th smallest of the family's m p-values is multiplied by m − i + 1, the results made
    non-decreasing in that order and capped at 1. A test rejects at level α, with the chance of any
    false rejection in the family at most α, when its adjusted p-value is at most α.
    """
    p = np.asarray(pvalues, dtype=float)
    if ((p < 0) | (p > 1)).any():
        raise ValueError(f"p-values must lie in [0, 1], got {p.tolist()}")
    adjusted = np.full(p.shape, np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    order = tested[np.argsort(p[tested], kind="stable")]
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * p[index]))
        adjusted[index] = running
    return adjusted
