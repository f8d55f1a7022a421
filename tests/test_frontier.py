"""The quality–diversity frontier: judges, margins against the baseline's curve, verdicts, the sweep."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import seeded_model
from melodyreg.config import ModelConfig
from melodyreg.evaluation import frontier
from melodyreg.report import sentences


def points(strategy, seed, *pairs):
    """Rows of a sweep: (temperature, diversity, quality) triples."""
    return [
        {"strategy": strategy, "seed": seed, "temperature": t, frontier.DIVERSITY: d, frontier.QUALITY: q}
        for t, d, q in pairs
    ]


def test_each_seed_is_judged_by_the_baseline_of_the_next():
    assert frontier.judges({1: "b1", 2: "b2", 3: "b3"}) == {1: "b2", 2: "b3", 3: "b1"}
    assert frontier.judges({7: "b7"}) == {7: None}  # one seed: no independent judge


def test_margins_by_hand():
    frame = pd.DataFrame(
        points("baseline", 1, (0.5, 0.2, 0.9), (1.0, 1.0, 0.5)) + points("dropout", 1, (1.0, 0.6, 0.8), (1.3, 1.5, 0.4))
    )
    found = frontier.margins(frame).set_index("temperature")
    assert found.loc[1.0, "margin"] == pytest.approx(0.8 - 0.7)  # the baseline's curve at 0.6 is 0.7
    assert np.isnan(found.loc[1.3, "margin"])  # beyond the baseline's most diverse point


def _five_seeds(shift):
    rows = []
    for seed in (1, 2, 3, 4, 5):
        rows += points("baseline", seed, (0.5, 0.2, 0.9), (1.0, 1.0, 0.5))
        rows += points("dropout", seed, (1.0, 0.6, 0.7 + shift + 0.001 * seed))
    return pd.DataFrame(rows)


@pytest.mark.parametrize("shift, verdict", [(0.1, "yes"), (-0.1, "no"), (0.0, "inconclusive")])
def test_verdicts(shift, verdict):
    frame = _five_seeds(shift)
    if shift == 0.0:  # margins of both signs: 0.001 - 0.01, ...
        frame.loc[frame.strategy == "dropout", frontier.QUALITY] = [0.69, 0.71, 0.70, 0.695, 0.705]
    row = frontier.verdicts(frame).iloc[0]
    assert (row.strategy, row.verdict, row.seeds) == ("dropout", verdict, 5)


def test_the_summary_sentence_names_every_regularizer_and_its_verdict():
    table = pd.DataFrame(
        [{"strategy": "dropout", "verdict": "no"}, {"strategy": "scheduled_sampling", "verdict": "untested (1 run)"}]
    )
    assert sentences.frontier_summary(table) == "Dropout: no; scheduled sampling: untested (1 run)."
    assert sentences.frontier_summary(table.iloc[:0]) == "No regularizer was compared."


def test_below_five_seeds_nothing_is_judged():
    frame = _five_seeds(0.1)
    row = frontier.verdicts(frame[frame.seed < 5]).iloc[0]
    assert row.verdict.startswith("untested (4 runs: above it at temperature ")
    below = frontier.verdicts(_five_seeds(-0.1).query("seed == 1")).iloc[0]
    assert below.verdict.startswith("untested (1 run: below it at temperature ")


def test_the_sweep_measures_every_model_at_every_temperature():
    from helpers import toy_melodies
    from melodyreg.data.melodies import decode

    config = ModelConfig(layers=(8, 8))
    models = {("baseline", 1): seeded_model(config, seed=1), ("dropout", 1): seeded_model(config, seed=2)}
    real = [decode(m) for m in toy_melodies((40, 40, 40, 40))]
    said = []
    frame = frontier.sweep(models, real, temperatures=(0.5, 1.3), num=6, steps=24, progress=said.append)
    assert len(frame) == 4 and set(frame.temperature) == {0.5, 1.3}
    assert said == [
        "temperature sweep 1/2: baseline seed 1, 2 temperatures",
        "temperature sweep 2/2: dropout seed 1, 2 temperatures",
    ]
    assert frame.cross_nll.isna().all()  # no judge given
    base = frame[frame.strategy == "baseline"].set_index("temperature")
    assert base.loc[0.5, "own_ll_per_event"] > base.loc[1.3, "own_ll_per_event"]  # colder: more predictable
    judged = frontier.sweep(
        {("baseline", 1): models["baseline", 1]}, real, judge_of={1: models["dropout", 1]}, temperatures=(1.0,), num=4
    )
    assert np.isfinite(judged.cross_nll).all()


def test_length_points_judged_by_the_generating_model_give_its_own_nll():
    config = ModelConfig(layers=(8, 8))
    model = seeded_model(config, seed=3)
    frame = frontier.length_points({("baseline", 1): model}, judge_of={1: model}, lengths=(16, 48), num=5)
    assert frame.steps.tolist() == [16, 48] and (frame.strategy == "baseline").all()
    # at temperature 1 the judge's NLL of its own samples is minus their mean log-probability
    assert frame.cross_nll.to_numpy() == pytest.approx(-frame.own_ll_per_event.to_numpy(), rel=1e-4)
    assert frame.distinct_4grams.between(0, 1).all()
    unjudged = frontier.length_points({("baseline", 1): model}, lengths=(16,), num=3)
    assert unjudged.cross_nll.isna().all()


def test_the_reference_is_the_baselines_upper_envelope_not_the_line_through_its_temperatures():
    """A cold baseline can be more diverse and worse than a warmer one; the regularizer must beat the best."""
    frame = pd.DataFrame(
        points("baseline", 1, (0.5, 0.5, 0.6), (0.85, 0.8, 0.9), (1.3, 1.0, 0.5))
        + points("dropout", 1, (1.0, 0.6, 0.8), (1.3, 0.9, 0.75))
    )
    diversities, qualities = frontier.envelope(frame[frame.strategy == "baseline"])
    assert diversities.tolist() == [0.8, 1.0] and qualities.tolist() == [0.9, 0.5]
    found = frontier.margins(frame).set_index("temperature").margin
    assert found[1.0] == pytest.approx(0.8 - 0.9)  # 0.9 is reachable at diversity 0.8 >= 0.6
    assert found[1.3] == pytest.approx(0.75 - 0.7)  # halfway between (0.8, 0.9) and (1.0, 0.5)


def test_the_length_points_draw_at_most_length_melodies_per_run():
    assert frontier.length_melodies(100) == frontier.LENGTH_MELODIES == 32
    assert frontier.length_melodies(16) == 16


def test_the_temperature_is_chosen_on_validation_and_test_only_judges():
    rows = []
    for seed in range(1, 6):
        rows += points("baseline", seed, (0.5, 0.2, 0.9), (1.0, 1.0, 0.5))
        # on test, dropout's best point is at temperature 1.0; on validation, at 0.5 (where test says no)
        rows += points("dropout", seed, (1.0, 0.6, 0.7 + 0.2 + 0.001 * seed), (0.5, 0.4, 0.6 - 0.1 - 0.001 * seed))
    frame = pd.DataFrame(rows)
    frame["overlap_valid"] = np.where(frame.temperature == 0.5, frame.overlap + 0.5, frame.overlap - 0.5)
    frame.loc[frame.strategy == "baseline", "overlap_valid"] = frame.overlap
    frame["intra_ratio_valid"] = frame.intra_ratio
    row = frontier.verdicts(frame).iloc[0]
    assert row["chosen on"] == "valid" and row["best temperature"] == 0.5
    test_only = frontier.verdicts(frame.drop(columns=["overlap_valid", "intra_ratio_valid"])).iloc[0]
    assert test_only["chosen on"] == "test" and test_only["best temperature"] == 1.0
    with pytest.raises(ValueError, match="no 'valid' measures"):
        frontier.margins(frame.drop(columns=["overlap_valid"]), side="valid")


def test_the_regularizers_form_one_family_corrected_by_holm():
    rows = []
    for seed in range(1, 6):
        rows += points("baseline", seed, (0.5, 0.2, 0.9), (1.0, 1.0, 0.5))
        rows += points("dropout", seed, (1.0, 0.6, 0.7 + 0.1 + 0.01 * seed))
        rows += points("scheduled_sampling", seed, (1.0, 0.6, 0.7 + 0.1 + 0.01 * seed))
    table = frontier.verdicts(pd.DataFrame(rows))
    assert table.verdict.tolist() == ["yes", "yes"] and (table["p (yes)"] <= 0.025).all()
    one = frontier.verdicts(pd.DataFrame([r for r in rows if r["strategy"] != "scheduled_sampling"])).iloc[0]
    assert table["p (yes)"].iloc[0] == pytest.approx(min(1.0, 2 * one["p (yes)"]), abs=1e-4)  # two tests, Holm
