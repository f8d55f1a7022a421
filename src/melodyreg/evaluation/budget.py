"""Expected best validation score against the tuning budget (Dodge et al. 2019, "Show your work").

A tuned comparison reports each strategy's best setting out of the settings it was given. Whether
one strategy beats another can depend on how many settings each got: a method that needs luck to
find a good setting wins at a large budget and loses at a small one. Given the validation scores of
B settings drawn at random from a strategy's search space, the expected best score of n settings
drawn from the same space (n = 1 … B) is estimated from the empirical distribution of the B scores:
with the scores sorted from worst to best, v₍₁₎ … v₍B₎,

    E[best of n] = Σᵢ v₍ᵢ₎ · ((i / B)ⁿ − ((i − 1) / B)ⁿ),

the chance that the i-th score is the best of n draws with replacement, times that score. At
n = 1 it is the mean score, at large n the best one. Curves that cross say that the ordering of two
strategies depends on the budget.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

EDGE_SHARE = 0.1  # a choice is at the edge when it is the most extreme draw within this share of a bound


def expected_best(scores: Sequence[float], budget: int, *, lower_is_better: bool = True) -> float:
    """The expected best of ``budget`` settings drawn at random from the space that gave ``scores``.

    Raises:
        ValueError: no scores, a non-finite one, or a budget below 1.
    """
    x = np.asarray(scores, dtype=float)
    if x.size == 0 or not np.isfinite(x).all():
        raise ValueError(f"need finite scores, got {x.tolist()}")
    if budget < 1:
        raise ValueError(f"budget must be at least 1, got {budget}")
    worst_first = np.sort(x)[::-1] if lower_is_better else np.sort(x)
    rank = np.arange(1, x.size + 1) / x.size
    chance = rank**budget - (rank - 1 / x.size) ** budget
    return float(np.dot(worst_first, chance))


def expected_best_curves(
    frame: pd.DataFrame, score: str, by: str = "strategy", *, lower_is_better: bool = True
) -> pd.DataFrame:
    """:func:`expected_best` at every budget from 1 to the number of settings each group had.

    Args:
        frame: one row per tuning run (setting), with the group column ``by`` and the ``score``.

    Returns:
        ``by``, ``budget`` (settings drawn), ``expected best`` and ``settings`` (the group's B).
    """
    rows = []
    for group, scores in frame.groupby(by, sort=False)[score]:
        values = scores.dropna().to_numpy()
        for n in range(1, len(values) + 1):
            best = expected_best(values, n, lower_is_better=lower_is_better)
            rows.append({by: group, "budget": n, "expected best": best, "settings": len(values)})
    return pd.DataFrame(rows, columns=[by, "budget", "expected best", "settings"])


def edges(
    settings: dict[str, tuple[dict, ...]],
    selected: dict[str, dict],
    space: dict[str, dict],
    *,
    share: float = EDGE_SHARE,
) -> pd.DataFrame:
    """Chosen settings that sit at the edge of what was tried: a numeric knob whose chosen value is the
    most extreme of the values the strategy's budget drew, in the outer ``share`` of its search range.

    A choice there says the best value may lie outside the space searched. The space is fixed before
    any run, and widening it for one strategy after seeing its results would spend budget on it that
    the others did not get; the table is reported instead, so a reader knows which choices hit a wall.

    Args:
        settings: each strategy's tuning settings (:func:`melodyreg.protocol.tuning_settings`).
        selected: each strategy's chosen overrides (one rule's).
        space: the profile's search space (:data:`melodyreg.protocol.SEARCH`), knobs by strategy.

    Returns:
        ``strategy``, ``knob``, ``chosen``, ``side`` (``low`` or ``high``) and the space's ``bound``.
    """
    rows = []
    for name, chosen in selected.items():
        for knob_name, knob in space.get(name, {}).items():
            if knob.kind not in ("log", "uniform") or knob_name not in chosen:
                continue
            drawn = [s[knob_name] for s in settings.get(name, ()) if knob_name in s]
            if not drawn:  # a value no draw set (a hand-made choice): nothing to be the extreme of
                continue
            value = chosen[knob_name]
            scale = np.log if knob.kind == "log" else (lambda v: v)
            low, high, at = scale(knob.low), scale(knob.high), scale(value)
            if value <= min(drawn) and at <= low + share * (high - low):
                rows.append({"strategy": name, "knob": knob_name, "chosen": value, "side": "low", "bound": knob.low})
            elif value >= max(drawn) and at >= high - share * (high - low):
                rows.append({"strategy": name, "knob": knob_name, "chosen": value, "side": "high", "bound": knob.high})
    return pd.DataFrame(rows, columns=["strategy", "knob", "chosen", "side", "bound"])
