"""Verdicts on the poster's claims follow the intervals of paired differences over seeds."""

import pandas as pd

from melodyreg.evaluation import claims

ORDER = ["baseline", "dropout", "scheduled_sampling", "professor_forcing"]


def runs(values: dict[str, list[float]], **columns) -> pd.DataFrame:
    """One row per (strategy, seed); ``values`` gives every column's value per strategy as a base level."""
    rows = []
    for s_index, name in enumerate(ORDER):
        for seed in range(3):
            jitter = 0.001 * seed * (s_index + 1)  # differences vary a little between seeds
            row = {"strategy": name, "seed": seed}
            for column, levels in {**values, **columns}.items():
                row[column] = levels[s_index] + jitter
            rows.append(row)
    return pd.DataFrame(rows)


POSTER_WORLD = {  # what the poster describes: SS best everywhere, PF second, baseline ≈ dropout
    "state_auc": [0.95, 0.94, 0.55, 0.65],
    "train_loss": [1.00, 1.05, 1.20, 1.30],
    "nll": [1.100, 1.105, 1.000, 1.200],
    "log_likelihood": [-280.0, -235.0, -205.0, -226.0],
    "seconds": [100.0, 100.0, 150.0, 400.0],
}


def test_a_study_that_behaves_as_the_poster_says_supports_every_claim():
    table = claims.verdicts(runs(POSTER_WORLD))
    assert len(table) == 10
    assert table.verdict.tolist() == ["supported"] * 10, table.to_string()
    assert "[" in table.iloc[3, 1]  # evidence shows intervals


def test_reversed_differences_contradict_and_noise_is_inconclusive():
    world = dict(POSTER_WORLD, nll=[1.0, 1.3, 1.5, 1.2], seconds=[100.0, 100.0, 500.0, 400.0])
    table = claims.verdicts(runs(world)).set_index("poster's claim").verdict
    assert table["Scheduled sampling does slightly better in evaluation (a regularizing effect)"] == "contradicted"
    assert table["Minimal difference between baseline and dropout"] == "contradicted"  # 30 % apart
    assert table["Scheduled sampling trains faster than professor forcing (wall seconds)"] == "contradicted"
    # differences whose sign flips between seeds: inconclusive
    noisy = runs(POSTER_WORLD)
    flip = (noisy.strategy == "scheduled_sampling") & (noisy.seed == 0)
    noisy.loc[flip, "nll"] = 2.0
    table = claims.verdicts(noisy).set_index("poster's claim").verdict
    assert table["Scheduled sampling does slightly better in evaluation (a regularizing effect)"] == "inconclusive"


def test_one_seed_gives_point_verdicts():
    one = runs(POSTER_WORLD)
    one = one[one.seed == 0]
    table = claims.verdicts(one)
    assert table.verdict.tolist() == ["supported"] * 10
    assert "[" not in table.iloc[4, 1]  # a single seed has no interval to show


def test_claim_one_is_contradicted_when_either_model_shows_no_disparity():
    world = dict(POSTER_WORLD, state_auc=[0.95, 0.52, 0.55, 0.65])
    table = claims.verdicts(runs(world)).set_index("poster's claim").verdict
    assert table.iloc[0] == "contradicted"
    world = dict(POSTER_WORLD, state_auc=[0.95, 0.70, 0.55, 0.65])
    assert claims.verdicts(runs(world)).verdict.iloc[0] == "inconclusive"


def test_all_four_strategies_are_needed():
    import pytest

    partial = runs(POSTER_WORLD)
    with pytest.raises(ValueError, match="professor_forcing"):
        claims.verdicts(partial[partial.strategy != "professor_forcing"])
