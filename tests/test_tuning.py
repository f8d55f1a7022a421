"""Choosing a setting per strategy on validation data: the rules, hand-made tables, and the flip summary."""

import json

import pandas as pd
import pytest

from melodyreg.evaluation import tuning


def table(rows):
    return pd.DataFrame(
        [
            {"strategy": s, "setting": label, "overrides": json.dumps(o), "valid_nll": n, "valid_quality": q}
            for s, label, o, n, q in rows
        ]
    )


GRID = table(
    [
        ("baseline", "default", {}, 1.20, 0.50),
        ("dropout", "dropout_rate = 0.1", {"dropout_rate": 0.1}, 1.15, 0.40),
        ("dropout", "dropout_rate = 0.3", {"dropout_rate": 0.3}, 1.10, 0.45),
        ("dropout", "dropout_rate = 0.5", {"dropout_rate": 0.5}, 1.12, 0.60),
        ("scheduled_sampling", "ss_k = 500", {"ss_k": 500.0}, 1.30, 0.70),
        ("scheduled_sampling", "ss_k = 1000", {"ss_k": 1000.0}, 1.14, 0.55),
        ("scheduled_sampling", "ss_k = 2000", {"ss_k": 2000.0}, 1.14, 0.70),
    ]
)


def test_the_nll_rule_picks_the_lowest_validation_nll_and_ties_go_to_the_first():
    assert tuning.select(GRID, "nll") == {
        "baseline": {},
        "dropout": {"dropout_rate": 0.3},
        "scheduled_sampling": {"ss_k": 1000.0},
    }


def test_the_quality_rule_picks_the_highest_sample_quality():
    assert tuning.select(GRID, "quality") == {
        "baseline": {},
        "dropout": {"dropout_rate": 0.5},
        "scheduled_sampling": {"ss_k": 500.0},
    }


def test_missing_measures_are_skipped_and_an_unknown_rule_is_refused():
    grid = GRID.copy()
    grid.loc[2, "valid_nll"] = float("nan")  # dropout 0.3 could not be scored
    assert tuning.select(grid, "nll")["dropout"] == {"dropout_rate": 0.5}
    with pytest.raises(ValueError, match="unknown selection rule 'test'"):
        tuning.select(GRID, "test")
    grid.loc[grid.strategy == "baseline", "valid_nll"] = float("nan")
    with pytest.raises(ValueError, match="no valid_nll for any setting of 'baseline'"):
        tuning.select(grid, "nll")


def test_flips_summarise_where_a_claim_changes_direction():
    rows = pd.DataFrame(
        [
            {"claim": "c1", "strategy": "scheduled_sampling", "setting": "ss_k = 300", "holds": False},
            {"claim": "c1", "strategy": "scheduled_sampling", "setting": "ss_k = 1000", "holds": True},
            {"claim": "c2", "strategy": "dropout", "setting": "dropout_rate = 0.1", "holds": True},
        ]
    )
    summary = tuning.flips(rows).set_index("claim")
    assert summary.loc["c1", "flips at"] == "scheduled_sampling: ss_k = 300" and summary.loc["c1", "holds at"] == 1
    assert summary.loc["c2", "flips at"] == "none" and summary.loc["c2", "settings"] == 1


def test_a_claim_hinges_only_on_reversals_larger_than_the_seed_spread():
    rows = pd.DataFrame(
        [
            {
                "claim": "c1",
                "strategy": "ss",
                "setting": "k = 500",
                "selected": True,
                "margin": 0.05,
                "holds": True,
                "seed_spread": 0.02,
            },
            {
                "claim": "c1",
                "strategy": "ss",
                "setting": "k = 300",
                "selected": False,
                "margin": -0.01,
                "holds": False,
                "seed_spread": 0.02,
            },
            {
                "claim": "c2",
                "strategy": "ss",
                "setting": "k = 500",
                "selected": True,
                "margin": 0.05,
                "holds": True,
                "seed_spread": 0.02,
            },
            {
                "claim": "c2",
                "strategy": "ss",
                "setting": "k = 300",
                "selected": False,
                "margin": -0.30,
                "holds": False,
                "seed_spread": 0.02,
            },
        ]
    )
    table = tuning.hinges(rows).set_index("claim")
    assert bool(table.loc["c1", "robust"]) and "no setting reverses it" in table.loc["c1", "because"]
    assert not bool(table.loc["c2", "robust"]) and table.loc["c2", "because"] == "ss: k = 300 (margin -0.3)"
    assert tuning.robustness_summary(table.reset_index()) == (
        "1 of 2 claims keep their direction at every setting (beyond the seed spread); "
        "these hinge on one: “c2” (ss: k = 300 (margin -0.3))."
    )
    robust_only = table.reset_index().iloc[:1]
    assert tuning.robustness_summary(robust_only).endswith("; none hinges on a setting.")
