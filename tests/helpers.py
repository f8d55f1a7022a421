"""Small fixtures shared by several test modules (imported as ``helpers``; pytest puts ``tests/`` on the path)."""

from __future__ import annotations

import pandas as pd

STRATEGY_ORDER = ["baseline", "dropout", "scheduled_sampling", "professor_forcing"]


def strategy_runs(values: dict[str, list[float]], seeds: int = 3, index: str = "seed") -> pd.DataFrame:
    """One row per (strategy, seed); ``values`` gives every column's value per strategy as a base level."""
    rows = []
    for s_index, name in enumerate(STRATEGY_ORDER):
        for seed in range(seeds):
            jitter = 0.001 * seed * (s_index + 1)  # differences vary a little between seeds
            rows.append({"strategy": name, index: seed, **{c: v[s_index] + jitter for c, v in values.items()}})
    return pd.DataFrame(rows)


POSTER_WORLD = {  # what the poster describes: SS best everywhere, PF second, baseline ≈ dropout
    "state_auc": [0.95, 0.94, 0.55, 0.65],
    "memo_auc": [0.60, 0.60, 0.52, 0.55],
    "train_nll": [1.00, 1.005, 1.20, 1.30],
    "nll": [1.100, 1.105, 1.000, 1.200],
    "log_likelihood": [-280.0, -235.0, -205.0, -226.0],
}
