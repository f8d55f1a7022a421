"""Expected best score against the tuning budget (melodyreg.evaluation.budget), by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from melodyreg.evaluation import budget


def test_expected_best_by_hand():
    # scores 3, 1, 2 (lower is better); best of 2 draws with replacement:
    # P(1) = 1 - (2/3)^2 = 5/9, P(2) = (2/3)^2 - (1/3)^2 = 3/9, P(3) = 1/9 -> (5 + 6 + 3) / 9
    assert budget.expected_best([3, 1, 2], 1) == pytest.approx(2.0)  # the mean
    assert budget.expected_best([3, 1, 2], 2) == pytest.approx(14 / 9)
    assert budget.expected_best([3, 1, 2], 200) == pytest.approx(1.0)  # the best, in the limit
    assert budget.expected_best([3, 1, 2], 2, lower_is_better=False) == pytest.approx((5 * 3 + 3 * 2 + 1) / 9)


def test_expected_best_agrees_with_simulated_draws():
    scores = np.array([1.21, 1.18, 1.30, 1.17, 1.25, 1.19])
    rng = np.random.default_rng(0)
    draws = rng.choice(scores, size=(100_000, 3)).min(axis=1).mean()
    assert budget.expected_best(scores, 3) == pytest.approx(draws, abs=2e-4)


def test_curves_per_strategy_fall_with_the_budget():
    frame = pd.DataFrame({"strategy": ["a"] * 3 + ["b"] * 2, "nll": [1.3, 1.1, 1.2, 1.0, 1.4]})
    curves = budget.expected_best_curves(frame, "nll")
    assert curves.groupby("strategy").budget.max().to_dict() == {"a": 3, "b": 2}
    a = curves[curves.strategy == "a"]["expected best"].to_numpy()
    assert a[0] == pytest.approx(1.2) and (np.diff(a) < 0).all()
    assert (curves.settings == curves.strategy.map({"a": 3, "b": 2})).all()


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="finite scores"):
        budget.expected_best([], 1)
    with pytest.raises(ValueError, match="finite scores"):
        budget.expected_best([1.0, float("nan")], 1)
    with pytest.raises(ValueError, match="budget must be at least 1"):
        budget.expected_best([1.0], 0)


def test_a_choice_at_the_extreme_of_the_draws_near_a_bound_is_an_edge():
    from melodyreg.protocol import Knob

    space = {"dropout": {"dropout_rate": Knob("uniform", 0.0, 1.0), "learning_rate": Knob("log", 1e-4, 1e-2)}}
    settings = {"dropout": ({}, {"dropout_rate": 0.95, "learning_rate": 1e-3}, {"dropout_rate": 0.5})}
    # 0.95: the highest draw, in the top 10 % of [0, 1]; 1e-3: in the middle of its log range
    found = budget.edges(settings, {"dropout": settings["dropout"][1]}, space)
    assert found.to_dict("records") == [
        {"strategy": "dropout", "knob": "dropout_rate", "chosen": 0.95, "side": "high", "bound": 1.0}
    ]
    assert budget.edges(settings, {"dropout": settings["dropout"][2]}, space).empty  # 0.5: inside
    assert budget.edges(settings, {"dropout": {}}, space).empty  # the default sets no knob
    assert budget.edges({"dropout": ({},)}, {"dropout": {"dropout_rate": 0.99}}, space).empty  # no draw to compare
    low = {"dropout": ({}, {"learning_rate": 1.2e-4}, {"learning_rate": 5e-3})}
    assert budget.edges(low, {"dropout": {"learning_rate": 1.2e-4}}, space).side.tolist() == ["low"]
