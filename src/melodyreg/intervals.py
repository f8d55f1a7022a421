"""Means with 95 % bootstrap intervals over seeds, and paired comparisons against the baseline.

The unit of replication is the training seed: every strategy is trained once per
seed on the same split, so a strategy's value at seed *s* and the baseline's at
seed *s* form a pair. Intervals are percentile bootstrap intervals of the mean
over seeds (resampling seeds with replacement). With one seed there is nothing
to resample: the interval collapses to the value itself, and the book says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

LEVEL = 0.95  # two-sided coverage of every interval in the book
RESAMPLES = 10_000  # bootstrap resamples; the interval ends move by < 1 % of their width between seeds of the bootstrap


def bootstrap_ci(values: Sequence[float], *, seed: int = 0, level: float = LEVEL,
                 resamples: int = RESAMPLES) -> tuple[float, float, float]:
    """Mean of ``values`` and the percentile bootstrap interval of the mean.

    Returns:
        ``(mean, low, high)``; ``low == high == mean`` for a single value.

    Raises:
        ValueError: no values, a non-finite value, or ``level`` outside (0, 1).
    """
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        raise ValueError("no values to summarise")
    if not np.isfinite(x).all():
        raise ValueError(f"non-finite values: {x.tolist()}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    mean = float(x.mean())
    if x.size == 1:
        return mean, mean, mean
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(resamples, x.size))].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return mean, float(low), float(high)


def summarise(frame: pd.DataFrame, value: str, by: str | Sequence[str] = "strategy", *, seed: int = 0) -> pd.DataFrame:
    """Per group of ``by``: seeds, mean, low and high of column ``value``."""
    rows = []
    for key, group in frame.groupby(by, sort=False):
        mean, low, high = bootstrap_ci(group[value].to_numpy(), seed=seed)
        keys = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip([by] if isinstance(by, str) else by, keys)),
                     "seeds": len(group), "mean": mean, "low": low, "high": high})
    return pd.DataFrame(rows)


def paired(frame: pd.DataFrame, value: str, *, reference: str = "baseline", seed: int = 0) -> pd.DataFrame:
    """Per strategy other than ``reference``: mean difference (strategy − reference) over shared seeds, with interval.

    ``frame`` needs columns ``strategy``, ``seed`` and ``value``.

    Raises:
        ValueError: the reference strategy is missing, or a strategy shares no seed with it.
    """
    wide = frame.pivot_table(index="seed", columns="strategy", values=value, aggfunc="first")
    if reference not in wide:
        raise ValueError(f"no {reference!r} runs to compare against")
    rows = []
    for name in [s for s in dict.fromkeys(frame["strategy"]) if s != reference]:
        both = wide[[name, reference]].dropna()
        if both.empty:
            raise ValueError(f"{name!r} and {reference!r} share no seed")
        mean, low, high = bootstrap_ci((both[name] - both[reference]).to_numpy(), seed=seed)
        rows.append({"strategy": name, "seeds": len(both), "difference": mean, "low": low, "high": high})
    return pd.DataFrame(rows)


def sign(low: float, high: float) -> int:
    """+1 if the interval lies above 0, -1 if below, 0 if it contains 0."""
    return 1 if low > 0 else -1 if high < 0 else 0


def format_ci(mean: float, low: float, high: float, digits: int = 3) -> str:
    """``mean [low, high]`` with ``digits`` decimals (just the mean when the interval is a point)."""
    if low == high == mean:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"
