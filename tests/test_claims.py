"""Verdicts on the poster's claims follow the intervals of paired differences over seeds."""

import pandas as pd
import pytest

from helpers import POSTER_WORLD
from helpers import strategy_runs as runs
from melodyreg.evaluation import claims
from melodyreg.report import sentences

TIMINGS = {"step_ms": [40.0, 45.0, 50.0, 90.0]}


def verdicts(world=POSTER_WORLD, timings=TIMINGS, seeds=5):
    table = claims.verdicts(runs(world, seeds), runs(timings, 5, "round") if timings else None)
    return table.set_index("poster's claim").verdict


def test_a_study_that_behaves_as_the_poster_says_supports_every_claim():
    table = claims.verdicts(runs(POSTER_WORLD), runs(TIMINGS, 5, "round"))
    # the poster's 12, SeqGAN's (left out: this world has no SeqGAN runs) and 4 secondary readings of state claims
    assert len(claims.CLAIMS) == 17 and len(table) == 16
    assert table.verdict.tolist() == ["supported"] * 16, table.to_string()
    assert "[" in table.iloc[3, 1]  # evidence shows intervals
    assert table.replicates.tolist() == [5] * 16


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


def test_below_five_seeds_every_claim_is_untested_but_the_evidence_is_shown():
    one = claims.verdicts(runs(POSTER_WORLD, seeds=1))
    assert one.verdict.tolist() == ["untested (1 run: the claimed way)"] * 15  # no timings: no speed claim
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
    frame = runs(dict(POSTER_WORLD, matched_auc=auc), seeds=1)
    assert claims.way(claims.directions(claims.CLAIMS[0], frame)) == way
    between = runs(dict(POSTER_WORLD, matched_auc=[0.7, 0.7, 0.5, 0.5]), seeds=1)
    assert claims.directions(claims.CLAIMS[0], between) == [0, 0]


def test_training_claim_reads_the_teacher_forced_training_nll():
    world = dict(POSTER_WORLD, train_nll=[1.0, 1.0, 0.9, 1.3])  # SS fits training windows better
    assert verdicts(world)["Scheduled sampling and professor forcing do worse in training"] == "contradicted"


def test_mismatch_against_memorization_compares_two_measures_of_each_strategy():
    world = dict(POSTER_WORLD, matched_memo_auc=[0.99, 0.60, 0.52, 0.55])  # baseline memorized more than it mismatched
    assert verdicts(world)["The mismatch between training and generation is larger than memorization"] == "contradicted"
    secondary = "The mismatch between training and generation is larger than memorization, at the poster's positions"
    assert verdicts(world)[f"{secondary} (secondary)"] == "supported"  # the poster's positions: unchanged


def test_claim_one_is_contradicted_when_either_model_shows_no_disparity():
    assert verdicts(dict(POSTER_WORLD, matched_auc=[0.95, 0.52, 0.55, 0.65])).iloc[0] == "contradicted"
    assert verdicts(dict(POSTER_WORLD, matched_auc=[0.95, 0.70, 0.55, 0.65])).iloc[0] == "inconclusive"


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
    on_axis = [claim.brief for claim in claims.CLAIMS if not claim.secondary]  # the robustness map's rows
    assert all(0 < len(b) <= 36 for b in on_axis), on_axis
    assert len(set(briefs)) == len(briefs)


@pytest.mark.parametrize(
    ("index", "low", "high", "expected"),
    [
        (0, 0.80, 0.90, 1),  # levels: the whole interval above LEVEL_HIGH
        (0, 0.50, 0.55, -1),  # ... wholly below LEVEL_LOW
        (0, 0.70, 0.80, 0),
        (2, -0.01, 0.01, 1),  # minimal: inside ±SMALL
        (2, 0.03, 0.05, -1),
        (11, 0.00, 0.01, 1),  # not worse: below +SMALL
        (11, 0.03, 0.04, -1),
        (1, -0.2, -0.1, 1),  # paired, wanted -1: below zero goes the claimed way
        (1, -0.1, 0.1, 0),
    ],
)
def test_reading_applies_each_kinds_thresholds_in_one_place(index, low, high, expected):
    claim = claims.CLAIMS[index]
    assert claim.kind == {0: "levels", 2: "minimal", 11: "not worse", 1: "paired"}[index]
    assert claims.reading(claim, claim.comparisons[0][3], low, high) == expected


def test_the_margin_is_positive_exactly_where_a_single_value_reads_the_claimed_way():
    for claim in claims.CLAIMS:
        wanted = claim.comparisons[0][3]
        for x in (-0.5, -0.01, 0.01, 0.5, 0.7, 0.8):
            assert (claims.margin(claim, wanted, x) > 0) == (claims.reading(claim, wanted, x, x) > 0), (claim.text, x)


def test_p_values_of_a_paired_comparison_by_hand():
    import numpy as np

    # differences 1, 2, 3 on the wanted side: t = 3.4641 on 2 df, one-sided p = 0.0741799 / 2
    claim = claims.CLAIMS[0].__class__("x", (("nll", "a", "b", 1),))
    claimed, other = claims.p_values(claim, 1, np.array([1.0, 2.0, 3.0]))
    assert claimed == pytest.approx(0.0370900, abs=1e-6) and other == pytest.approx(1 - 0.0370900, abs=1e-6)
    assert claims.p_values(claim, -1, np.array([1.0, 2.0, 3.0]))[::-1] == (claimed, other)  # the wanted sign flips


def test_the_table_is_one_family_corrected_by_holm(monkeypatch):
    # twelve claims, each judged on five seeds alone at 2.5 %: claimed-way p-values 0.001 (x2), 0.02 (x10);
    # then the four secondary rows at 0.006 each
    ps = iter([0.001, 0.001] + [0.02] * 10 + [0.006] * 4)
    monkeypatch.setattr(claims, "judge", lambda claim, frame, index: ("evidence", "x", 5, next(ps), 1.0))
    table = claims.verdicts(runs(POSTER_WORLD), runs(TIMINGS, 5, "round"))
    # Holm: 0.001 x 12 = 0.012 and 0.001 x 11 = 0.011 (supported); 0.02 x 10 = 0.2 ... (inconclusive);
    # the secondary rows among themselves: 0.006 x 4 = 0.024 (supported; in one family of 16 they would not be)
    assert table.verdict.tolist() == ["supported"] * 2 + ["inconclusive"] * 10 + ["supported"] * 4
    assert table["p (claimed way)"].tolist()[:3] == [0.012, 0.012, 0.2]
    assert table["p (claimed way)"].tolist()[12:] == [0.024] * 4
    assert (
        "Holm-corrected over the 12 judged claims of this table and the 4 judged secondary rows among themselves"
        in (sentences.family_note(table))
    )
    monkeypatch.undo()
    assert sentences.family_note(claims.verdicts(runs(POSTER_WORLD, seeds=1))) == (
        "No claim has enough replicates to be judged, so no test was made."
    )


def test_the_state_claims_read_matched_positions_and_the_poster_s_in_secondary_rows():
    primary = [c for c in claims.CLAIMS if not c.secondary and "seqgan" not in claims.involved(c)]
    secondary = [c for c in claims.CLAIMS if c.secondary]
    measures = {part for c in primary for value, *_ in c.comparisons for part in value.split("-")}
    assert {"state_auc", "memo_auc"}.isdisjoint(measures) and {"matched_auc", "matched_memo_auc"} <= measures
    assert [c.text.split(", at the poster's")[0] for c in secondary] == [
        c.text for c in primary if any("matched" in v for v, *_ in c.comparisons)
    ]
    assert {v for c in secondary for v, *_ in c.comparisons} == {"state_auc", "state_auc-memo_auc"}
    # the poster's positions alone going the other way moves only the secondary rows
    world = dict(POSTER_WORLD, state_auc=[0.55, 0.52, 0.9, 0.9])
    table = verdicts(world)
    assert table[[c.text for c in primary]].eq("supported").all()
    assert table[secondary[1].text] == "contradicted"


def test_the_seqgan_claim_is_judged_where_a_study_trains_seqgan():
    frame = runs(POSTER_WORLD)
    seqgan = frame[frame.strategy == "professor_forcing"].assign(strategy="seqgan", nll=lambda f: f.nll - 0.3)
    text = "A sequence-level adversarial objective (SeqGAN, the poster's future work) beats the token-level"
    assert not any(t.startswith(text) for t in claims.verdicts(frame)["poster's claim"])
    table = claims.verdicts(pd.concat([frame, seqgan], ignore_index=True)).set_index("poster's claim").verdict
    row = next(t for t in table.index if t.startswith(text))
    assert table[row] == "supported"  # 0.3 below professor forcing's NLL, the best regularizer's, at every seed
    assert claims.involved(claims.CLAIMS[12]) == {"seqgan", "dropout", "scheduled_sampling", "professor_forcing"}
