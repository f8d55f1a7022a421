"""Observations of the runs at hand, stated whatever the number of seeds."""

from __future__ import annotations

import pandas as pd

from helpers import strategy_runs
from melodyreg.evaluation import claims
from melodyreg.report import observations

ORDER = ["baseline", "dropout", "scheduled_sampling", "professor_forcing"]


def runs(seeds: int = 1, **columns) -> pd.DataFrame:
    """One row per (strategy, seed); each column's value per strategy in ORDER."""
    base = {
        "accuracy_note": [0.41, 0.40, 0.001, 0.38],
        "accuracy_no_event": [0.90, 0.90, 0.999, 0.91],
        "nll": [1.130, 1.180, 1.669, 1.140],
        "matched_auc": [0.534, 0.61, 0.884, 0.70],
        "accuracy_note_off": [0.0, 0.0, 0.0, 0.0],
        **columns,
    }
    return pd.DataFrame(
        [
            {"strategy": name, "seed": seed, **{c: v[i] for c, v in base.items()}}
            for seed in range(seeds)
            for i, name in enumerate(ORDER)
        ]
    )


def sweep() -> pd.DataFrame:
    """The baseline's own log-likelihood falls with temperature; strategies differ little at 1."""
    rows = []
    for i, name in enumerate(ORDER):
        for t, ll in ((0.5, -100.0), (1.0, -250.0), (1.5, -400.0)):
            rows.append({"strategy": name, "seed": 0, "temperature": t, "own_ll": ll - 5.0 * i})
    return pd.DataFrame(rows)


def test_a_model_that_only_holds_notes_is_named_with_its_numbers():
    frame = runs()
    assert observations.collapsed(frame) == ["scheduled_sampling"]
    sentence = observations.collapse(frame)
    assert sentence.startswith("Scheduled sampling (note-onset accuracy 0.001, test NLL 1.669) collapsed")
    assert "in this run" in sentence and "the baseline does so for 0.410 of onsets at a test NLL of 1.130" in sentence
    healthy = runs(accuracy_note=[0.41, 0.40, 0.30, 0.38])
    assert observations.collapsed(healthy) == []
    assert observations.collapse(healthy).startswith("No strategy collapsed")


def test_a_note_off_accuracy_of_zero_is_explained_only_when_every_strategy_has_it():
    assert observations.note_off(runs()).startswith("No model ever makes `NOTE_OFF`")
    assert observations.note_off(runs(accuracy_note_off=[0.0, 0.1, 0.0, 0.0])) == ""


def test_over_several_seeds_the_observation_says_it_is_a_mean():
    assert "on average over 3 seeds" in observations.collapse(runs(seeds=3))


def test_the_temperature_effect_compares_one_model_across_temperatures_with_the_strategies_at_one():
    sentence = observations.temperature(sweep())
    assert "the baseline's own melodies score -400.0 at temperature 1.5 and -100.0 at 0.5" in sentence
    assert "20 times as wide" in sentence and "(-265.0 to -250.0)" in sentence  # 300 against 15


def test_the_state_order_is_read_against_the_poster():
    opposite = observations.states(runs())
    assert "scheduled sampling's training and generation states are the easiest to tell apart (AUC 0.884)" in opposite
    assert "the baseline's the hardest (0.534)" in opposite and "opposite to the poster" in opposite
    agree = observations.states(runs(matched_auc=[0.95, 0.94, 0.55, 0.65]))
    assert "as the poster has it" in agree
    part = observations.states(runs(matched_auc=[0.95, 0.5, 0.55, 0.65]))  # SS and PF closer than B, not than D
    assert part.endswith(
        "here scheduled sampling's are closer than the baseline only and professor forcing's are closer than the "
        "baseline only."
    )
    split = observations.states(runs(matched_auc=[0.7, 0.75, 0.875, 0.631]))
    assert split.endswith(
        "here scheduled sampling's are further apart than both the baseline and dropout and professor forcing's are "
        "closer than both the baseline and dropout."
    )


def test_with_enough_seeds_an_order_within_the_noise_is_not_read_for_or_against_the_poster():
    noisy = runs(seeds=5)
    noisy["matched_auc"] = [0.52, 0.49, 0.55, 0.47, 0.50, 0.45, 0.50, 0.53, 0.55, 0.52] * 2  # means close
    sentence = observations.states(noisy)
    assert "on average over 5 seeds" in sentence and "lie within the noise between seeds" in sentence
    assert "opposite to the poster" not in sentence and "as the poster has it" not in sentence
    clear = runs(seeds=5)  # every seed alike: scheduled sampling and PF clearly further apart
    clear["matched_auc"] += [0.001 * (i % 5) for i in range(len(clear))]
    assert "opposite to the poster" in observations.states(clear)
    assert observations.states_agreement(noisy).endswith("by its means, within the noise between seeds")
    assert observations.states_agreement(clear) == observations.DISAGREES


def test_untested_claims_are_counted_by_the_way_their_runs_go():
    table = pd.DataFrame(
        {
            "verdict": [
                "untested (1 run: the claimed way)",
                "untested (1 run: the other way)",
                "untested (1 run: the other way)",
                "untested (1 run: both ways)",
                "contradicted",
            ]
        }
    )
    assert observations.one_run_directions(table) == (
        "Of the 4 claims too few runs can judge, 1 goes the poster's way, 2 the other way and 1 partly one way and "
        "partly the other in these runs, differences that one seed cannot tell from the noise between seeds."
    )
    assert observations.one_run_directions(table.iloc[4:]) == ""


def test_agreement_matches_the_claims_own_reading():
    frame = runs()
    assert observations.agreement(claims.CLAIMS[observations.CLAIM_STATES_CLOSER], frame) == observations.DISAGREES


def test_the_summary_joins_the_observations():
    text = observations.summary(runs(), sweep())
    assert text.index("collapsed") < text.index("temperature alone") < text.index("hidden-state AUC")


def test_the_claims_summary_counts_what_was_judged_and_says_what_was_not():
    judged = pd.DataFrame({"poster's claim": ["a", "b", "c"], "verdict": ["supported", "contradicted", "inconclusive"]})
    assert observations.claims_summary(judged) == (
        "Of the poster's 3 claims, this build supports 1, contradicts 1 and finds 1 inconclusive. Contradicted: “b”."
    )
    poster = pd.DataFrame(
        {
            "poster's claim": ["Speed", "b", "c"],
            "verdict": ["contradicted", "untested (1 run: the other way)", "untested (1 run: the claimed way)"],
        }
    )
    text = observations.claims_summary(poster)
    assert text.startswith("Of the poster's 3 claims, this build can judge one, “Speed”, and finds it contradicted; ")
    assert (
        "the other 2 need at least 5 seeds per strategy." in text
        and "1 goes the poster's way and 1 the other way" in text
    )
    none = poster.iloc[1:]
    assert observations.claims_summary(none).startswith(
        "None of the poster's 2 claims can be judged with so few runs: each needs at least 5 seeds per strategy."
    )


def test_states_agreement_reads_the_claim_that_the_states_come_closer():
    assert observations.states_agreement(runs()) == observations.DISAGREES  # scheduled sampling's AUC is the highest
    closer = runs(matched_auc=[0.80, 0.75, 0.55, 0.60])
    assert observations.states_agreement(closer) == observations.AGREES


def test_the_leader_is_named_with_whether_its_lead_beats_the_seed_noise():
    world = {"nll": [1.10, 1.05, 1.20, 1.30], "log_likelihood": [-280.0, -235.0, -205.0, -226.0]}
    assert observations.leader(strategy_runs(world), "nll") == (
        "dropout's, ahead of every other strategy beyond the seed noise "
        "(paired t-tests at the 5 % level, Holm-corrected over 3 comparisons)"
    )
    assert observations.leader(strategy_runs(world), "log_likelihood", lower=False).startswith(
        "scheduled sampling's, ahead"
    )
    one = observations.leader(strategy_runs(world, seeds=1), "nll")
    assert one.startswith("dropout's, in a single run per strategy: an ordering, not a verdict")
    noisy = strategy_runs(world, seeds=6)
    noisy.loc[(noisy.strategy == "baseline") & (noisy.seed == 0), "nll"] = 0.98  # one seed where the baseline wins
    assert observations.leader(noisy, "nll") == (
        "dropout's by its mean, but its lead over the baseline is within the seed noise "
        "(paired t-tests at the 5 % level, Holm-corrected over 3 comparisons)"
    )


def test_a_lead_counts_only_when_the_family_of_paired_t_tests_rejects_after_holm():
    def world(margins):  # dropout leads the NLL; its margin over each other strategy, per seed
        rows = [{"strategy": "dropout", "seed": seed, "nll": 1.0} for seed in range(5)]
        rows += [
            {"strategy": name, "seed": seed, "nll": 1.0 + margin}
            for name, per_seed in margins.items()
            for seed, margin in enumerate(per_seed)
        ]
        return pd.DataFrame(rows)

    near = [0.02, 0.01, 0.03, 0.002, 0.015]  # p = 0.031 on its own
    # three such margins: Holm's adjusted p-values are 3 × 0.031, so none is a lead, though each passes alone
    held = world({"baseline": near, "scheduled_sampling": near, "professor_forcing": near})
    assert observations.leader(held, "nll") == (
        "dropout's by its mean, but its lead over the baseline, scheduled sampling and professor forcing is within "
        "the seed noise (paired t-tests at the 5 % level, Holm-corrected over 3 comparisons)"
    )
    alone = world({"baseline": near})  # one comparison, no correction: the same margin is a lead
    assert observations.leader(alone, "nll") == (
        "dropout's, ahead of every other strategy beyond the seed noise (a paired t-test at the 5 % level)"
    )
    # its bootstrap interval excludes zero (0.0004 to 0.028), yet the exact t-test's p is 0.051
    wide = world({"baseline": [0.02, 0.01, 0.03, -0.002, 0.015]})
    assert observations.leader(wide, "nll").endswith("is within the seed noise (a paired t-test at the 5 % level)")


def test_against_the_baseline_names_who_is_better_worse_or_not_told_apart():
    world = {"excess": [0.30, 0.30, 0.20, 0.40]}  # dropout equal, SS lower, PF higher
    noisy = strategy_runs(world, seeds=6)
    noisy.loc[(noisy.strategy == "dropout") & (noisy.seed == 0), "excess"] = 0.25
    noisy.loc[(noisy.strategy == "dropout") & (noisy.seed == 1), "excess"] = 0.36
    assert observations.against_baseline(noisy, "excess") == (
        "Paired by seed, beyond the seed noise (paired t-tests at the 5 % level, Holm-corrected over 3 comparisons): "
        "scheduled sampling better "
        "than the baseline; professor forcing worse than the baseline; dropout not told apart from it."
    )
    assert observations.against_baseline(strategy_runs(world, seeds=2), "excess") == (
        "With 2 runs per strategy these numbers are an ordering, not a verdict."
    )


def test_the_leader_handles_higher_is_better_missing_values_and_nothing_to_compare():
    world = {"log_likelihood": [-200.0, -201.0, -300.0, -310.0]}  # baseline and dropout close at the top
    noisy = strategy_runs(world, seeds=6)
    noisy.loc[(noisy.strategy == "dropout") & (noisy.seed == 0), "log_likelihood"] = -199.0
    assert observations.leader(noisy, "log_likelihood", lower=False) == (
        "the baseline's by its mean, but its lead over dropout is within the seed noise "
        "(paired t-tests at the 5 % level, Holm-corrected over 3 comparisons)"
    )
    gone = strategy_runs({"nll": [1.1, 1.0, 1.2, 1.3]})
    gone.loc[gone.strategy != "dropout", "nll"] = float("nan")  # only dropout has the measure
    assert observations.leader(gone, "nll") == "dropout's, with no other strategy on the same seeds to compare"


def test_against_the_baseline_when_nothing_is_told_apart_and_when_higher_is_better():
    tied = strategy_runs({"excess": [0.30, 0.30, 0.30, 0.30]}, seeds=6)
    tied.loc[tied.seed == 0, "excess"] += [0.0, 0.05, -0.05, 0.05]  # noise both ways, no direction
    tied.loc[tied.seed == 1, "excess"] += [0.0, -0.05, 0.05, -0.05]
    assert observations.against_baseline(tied, "excess") == (
        "Paired by seed, dropout, scheduled sampling and professor forcing are not told apart from the baseline "
        "(paired t-tests at the 5 % level, Holm-corrected over 3 comparisons)."
    )
    higher = strategy_runs({"overlap": [0.80, 0.90, 0.70, 0.80]}, seeds=6)
    assert observations.against_baseline(higher, "overlap", lower=False).startswith(
        # professor forcing's jitter grows with the seed: at six seeds its small lead holds at every one
        "Paired by seed, beyond the seed noise (paired t-tests at the 5 % level, Holm-corrected over 3 comparisons): "
        "dropout and professor forcing "
        "better than the baseline; "
        "scheduled sampling worse than"
    )


def test_the_claims_summary_counts_the_poster_s_claims_and_reads_the_secondary_rows_apart():
    secondary = [c.text for c in claims.CLAIMS if c.secondary]
    table = pd.DataFrame(
        {
            "poster's claim": ["a", "b", *secondary],
            "verdict": ["supported", "inconclusive", "contradicted", "contradicted", "supported", "inconclusive"],
        }
    )
    assert observations.claims_summary(table) == (
        "Of the poster's 2 claims, this build supports 1, contradicts 0 and finds 1 inconclusive. Read at the "
        "poster's own positions, the 4 state claims come out as 1 supported, 2 contradicted and 1 inconclusive."
    )
    untested = table.assign(verdict=["supported", "inconclusive"] + ["untested (1 run: both ways)"] * 4)
    assert "poster's own positions" not in observations.claims_summary(untested)
