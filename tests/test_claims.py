"""Verdicts on the poster's claims follow the intervals of paired differences over seeds."""

import pandas as pd
import pytest

from melodyreg.evaluation import claims

ORDER = ["baseline", "dropout", "scheduled_sampling", "professor_forcing"]


def runs(values: dict[str, list[float]], seeds: int = 3, index: str = "seed") -> pd.DataFrame:
    """One row per (strategy, seed); ``values`` gives every column's value per strategy as a base level."""
    rows = []
    for s_index, name in enumerate(ORDER):
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
TIMINGS = {"step_ms": [40.0, 45.0, 50.0, 90.0]}


def verdicts(world=POSTER_WORLD, timings=TIMINGS, seeds=3):
    table = claims.verdicts(runs(world, seeds), runs(timings, 5, "round") if timings else None)
    return table.set_index("poster's claim").verdict


def test_a_study_that_behaves_as_the_poster_says_supports_every_claim():
    table = claims.verdicts(runs(POSTER_WORLD), runs(TIMINGS, 5, "round"))
    assert len(table) == len(claims.CLAIMS) == 12
    assert table.verdict.tolist() == ["supported"] * 12, table.to_string()
    assert "[" in table.iloc[3, 1]  # evidence shows intervals
    assert table.replicates.tolist() == [3] * 8 + [5] + [3] * 3


def test_reversed_differences_contradict_and_noise_is_inconclusive():
    world = dict(POSTER_WORLD, nll=[1.0, 1.3, 1.5, 1.2])
    table = verdicts(world, dict(step_ms=[40.0, 45.0, 120.0, 90.0]))
    assert table["Scheduled sampling does slightly better in evaluation (a regularizing effect)"] == "contradicted"
    assert table["Minimal difference between baseline and dropout"] == "contradicted"  # 30 % apart
    assert table["Scheduled sampling trains faster than professor forcing (time per step)"] == "contradicted"
    assert table["Huszár's bias of scheduled sampling is not an issue"] == "contradicted"  # 50 % worse
    # differences whose sign flips between seeds: inconclusive
    noisy = runs(POSTER_WORLD)
    flip = (noisy.strategy == "scheduled_sampling") & (noisy.seed == 0)
    noisy.loc[flip, "nll"] = 2.0
    table = claims.verdicts(noisy).set_index("poster's claim").verdict
    assert table["Scheduled sampling does slightly better in evaluation (a regularizing effect)"] == "inconclusive"


def test_below_three_seeds_every_claim_is_untested_but_the_evidence_is_shown():
    one = claims.verdicts(runs(POSTER_WORLD, seeds=1))
    assert one.verdict.tolist() == ["untested (1 run: the claimed way)"] * 11  # no timings: no speed claim
    assert "[" not in one.iloc[4, 1] and "SS − baseline" in one.iloc[4, 1]
    two = claims.verdicts(runs(POSTER_WORLD, seeds=2))
    assert set(two.verdict) == {"untested (2 runs: the claimed way)"}


def test_an_untested_claim_says_which_way_its_runs_go():
    world = dict(POSTER_WORLD, nll=[1.100, 1.105, 1.300, 1.000])  # SS worse than the baseline, PF best
    one = claims.verdicts(runs(world, seeds=1)).set_index("poster's claim").verdict
    assert one["Scheduled sampling does slightly better in evaluation (a regularizing effect)"] == (
        "untested (1 run: the other way)"
    )
    # SS beats neither the baseline, dropout nor PF on test NLL
    assert one["Scheduled sampling is the most effective regularizer (judged here by test NLL)"].endswith("other way)")
    world = dict(POSTER_WORLD, nll=[1.100, 1.105, 1.050, 1.000])  # SS beats the baseline and dropout, not PF
    mixed = claims.verdicts(runs(world, seeds=1)).set_index("poster's claim").verdict
    assert mixed["Scheduled sampling is the most effective regularizer (judged here by test NLL)"] == (
        "untested (1 run: both ways)"
    )


@pytest.mark.parametrize(
    "auc, way",
    [([0.95, 0.94, 0.55, 0.65], claims.CLAIMED_WAY), ([0.55, 0.52, 0.9, 0.9], claims.OTHER_WAY)],
)
def test_directions_of_a_level_claim_read_the_thresholds(auc, way):
    frame = runs(dict(POSTER_WORLD, state_auc=auc), seeds=1)
    assert claims.way(claims.directions(claims.CLAIMS[0], frame)) == way
    between = runs(dict(POSTER_WORLD, state_auc=[0.7, 0.7, 0.5, 0.5]), seeds=1)
    assert claims.directions(claims.CLAIMS[0], between) == [0, 0]


def test_training_claim_reads_the_teacher_forced_training_nll():
    world = dict(POSTER_WORLD, train_nll=[1.0, 1.0, 0.9, 1.3])  # SS fits training windows better
    assert verdicts(world)["Scheduled sampling and professor forcing do worse in training"] == "contradicted"


def test_mismatch_against_memorization_compares_two_measures_of_each_strategy():
    world = dict(POSTER_WORLD, memo_auc=[0.99, 0.60, 0.52, 0.55])  # the baseline memorized more than it mismatched
    assert verdicts(world)["The mismatch between training and generation is larger than memorization"] == "contradicted"


def test_claim_one_is_contradicted_when_either_model_shows_no_disparity():
    assert verdicts(dict(POSTER_WORLD, state_auc=[0.95, 0.52, 0.55, 0.65])).iloc[0] == "contradicted"
    assert verdicts(dict(POSTER_WORLD, state_auc=[0.95, 0.70, 0.55, 0.65])).iloc[0] == "inconclusive"


def test_direction_at_one_seed_gives_the_smallest_margin():
    one = runs(POSTER_WORLD, seeds=1)
    by_text = {c.text: c for c in claims.CLAIMS}
    margin, holds = claims.direction(
        by_text["Scheduled sampling does slightly better in evaluation (a regularizing effect)"], one
    )
    assert holds and margin == pytest.approx(0.1)
    margin, holds = claims.direction(
        by_text["Scheduled sampling is the most effective regularizer (judged here by test NLL)"], one
    )
    assert holds and margin == pytest.approx(0.1)  # the closest rival: the baseline, 1.1 against 1.0
    worse = runs(dict(POSTER_WORLD, nll=[1.0, 1.0, 1.1, 1.2]), seeds=1)
    assert (
        claims.direction(
            by_text["Scheduled sampling does slightly better in evaluation (a regularizing effect)"], worse
        )[1]
        is False
    )


def test_all_four_strategies_are_needed():
    partial = runs(POSTER_WORLD)
    with pytest.raises(ValueError, match="professor_forcing"):
        claims.verdicts(partial[partial.strategy != "professor_forcing"])


def test_every_claim_has_its_own_brief_label_short_enough_for_a_chart_axis():
    briefs = [claim.brief for claim in claims.CLAIMS]
    assert all(0 < len(b) <= 36 for b in briefs), briefs
    assert len(set(briefs)) == len(briefs)


def test_the_leader_is_named_with_whether_its_lead_beats_the_seed_noise():
    world = {"nll": [1.10, 1.05, 1.20, 1.30], "log_likelihood": [-280.0, -235.0, -205.0, -226.0]}
    assert claims.leader(runs(world), "nll") == (
        "dropout's, ahead of every other strategy with paired intervals that exclude zero"
    )
    assert claims.leader(runs(world), "log_likelihood", lower=False).startswith("scheduled sampling's, ahead")
    one = claims.leader(runs(world, seeds=1), "nll")
    assert one.startswith("dropout's, in a single run per strategy: an ordering, not a verdict")
    noisy = runs(world, seeds=4)
    noisy.loc[(noisy.strategy == "baseline") & (noisy.seed == 0), "nll"] = 0.98  # one seed where the baseline wins
    assert claims.leader(noisy, "nll") == (
        "dropout's by its mean, but its lead over the baseline is within the seed noise (paired intervals include zero)"
    )


def test_against_the_baseline_names_who_is_better_worse_or_not_told_apart():
    world = {"excess": [0.30, 0.30, 0.20, 0.40]}  # dropout equal, SS lower, PF higher
    noisy = runs(world, seeds=4)
    noisy.loc[(noisy.strategy == "dropout") & (noisy.seed == 0), "excess"] = 0.25
    noisy.loc[(noisy.strategy == "dropout") & (noisy.seed == 1), "excess"] = 0.36
    assert claims.against_baseline(noisy, "excess") == (
        "Paired by seed, beyond the seed noise: scheduled sampling better than the baseline; professor forcing "
        "worse than the baseline; dropout not told apart from it."
    )
    assert claims.against_baseline(runs(world, seeds=2), "excess") == (
        "With 2 runs per strategy these numbers are an ordering, not a verdict."
    )


def test_the_leader_handles_higher_is_better_missing_values_and_nothing_to_compare():
    world = {"log_likelihood": [-200.0, -201.0, -300.0, -310.0]}  # baseline and dropout close at the top
    noisy = runs(world, seeds=4)
    noisy.loc[(noisy.strategy == "dropout") & (noisy.seed == 0), "log_likelihood"] = -199.0
    assert claims.leader(noisy, "log_likelihood", lower=False) == (
        "the baseline's by its mean, but its lead over dropout is within the seed noise (paired intervals include zero)"
    )
    gone = runs({"nll": [1.1, 1.0, 1.2, 1.3]})
    gone.loc[gone.strategy != "dropout", "nll"] = float("nan")  # only dropout has the measure
    assert claims.leader(gone, "nll") == "dropout's, with no other strategy on the same seeds to compare"


def test_against_the_baseline_when_nothing_is_told_apart_and_when_higher_is_better():
    tied = runs({"excess": [0.30, 0.30, 0.30, 0.30]}, seeds=4)
    tied.loc[tied.seed == 0, "excess"] += [0.0, 0.05, -0.05, 0.05]  # noise both ways, no direction
    tied.loc[tied.seed == 1, "excess"] += [0.0, -0.05, 0.05, -0.05]
    assert claims.against_baseline(tied, "excess") == (
        "Paired by seed, dropout, scheduled sampling and professor forcing are not told apart from the baseline."
    )
    higher = runs({"overlap": [0.80, 0.90, 0.70, 0.80]}, seeds=4)
    assert claims.against_baseline(higher, "overlap", lower=False).startswith(
        "Paired by seed, beyond the seed noise: dropout better than the baseline; scheduled sampling worse than"
    )
