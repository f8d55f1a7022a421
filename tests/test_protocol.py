"""Tests for melodyreg.protocol: seeds per profile and an equal tuning budget over each strategy's own knobs."""

from __future__ import annotations

import numpy as np
import pytest

from melodyreg import config, protocol
from melodyreg.model.strategies import inverse_sigmoid


def test_study_seeds_per_profile():
    assert protocol.study_seeds("full", 10) == (10, 11, 12, 13, 14)
    assert protocol.study_seeds("poster", 2017) == (2017,)
    assert protocol.study_seeds("smoke", 1, num_seeds=3) == (1, 2, 3)
    # the tuned protocol's final seeds are fresh: the tuning runs train at the study's seed
    assert protocol.study_seeds("full", 10, tuned=True) == (11, 12, 13, 14, 15)
    assert 10 not in protocol.study_seeds("smoke", 10, tuned=True)
    # every setting that gets a verdict gets at least the seeds a verdict needs
    assert protocol.QUALITY_SEEDS["full"] >= protocol.MIN_SEEDS and protocol.NUM_SEEDS["full"] >= protocol.MIN_SEEDS
    with pytest.raises(ValueError, match="num_seeds"):
        protocol.study_seeds("full", 1, num_seeds=0)
    with pytest.raises(ValueError, match="unknown profile"):
        protocol.study_seeds("huge", 1)
    assert set(protocol.BUDGET) == set(config.TRAIN_PROFILES) == set(config.PROFILES) == set(protocol.NUM_SEEDS)


@pytest.mark.parametrize("profile", ["smoke", "full"])
def test_every_strategy_the_baseline_included_gets_the_same_budget_of_distinct_settings(profile):
    settings = protocol.tuning_settings(profile, 2017)
    assert set(settings) == set(config.STRATEGIES)
    assert {len(drawn) for drawn in settings.values()} == {protocol.BUDGET[profile]}
    if profile == "full":
        assert protocol.BUDGET["full"] >= 6
    for name, drawn in settings.items():
        assert drawn[0] == {}  # the default is one of the budget
        configs = [config.experiment_config(profile, name, **extra) for extra in drawn]
        assert len(set(configs)) == len(configs), name  # each setting trains a run of its own
        for extra in drawn[1:]:
            # the learning rate for every strategy, and each regularizer's own knobs; nothing that repeats the default
            assert set(extra) <= {"learning_rate", *config.OWN_KNOBS[name]}, (name, extra)
            default = config.experiment_config(profile, name)
            assert all(value != protocol._field(default, key) for key, value in extra.items())
    assert protocol.tuning_settings(profile, 2017) == settings  # seeded: a rerun draws the same
    assert protocol.tuning_settings(profile, 2018) != settings


def test_the_search_spaces_cover_the_knobs_the_issue_names():
    full = protocol.SEARCH["full"]
    # the learning rate for every strategy that trains from scratch; SeqGAN's pre-training is the tuned
    # baseline's (melodyreg.runs.study.seqgan_start), and it tunes its own adversarial learning rate
    assert all("learning_rate" in space for name, space in full.items() if name != "seqgan")
    assert "learning_rate" not in full["seqgan"] and "sg_learning_rate" in full["seqgan"]
    assert set(full["professor_forcing"]["pf_adversarial"].choices) == {"raw", "normalized", "separate"}
    assert {"sg_steps", "sg_d_steps", "sg_rollouts", "sg_stride"} <= set(full["seqgan"])  # SeqGAN's own knobs
    rng = np.random.default_rng(0)
    ks = [full["scheduled_sampling"]["ss_k"].draw(rng) for _ in range(400)]
    finals = [inverse_sigmoid(config.experiment_config("full", "baseline").train.iterations, k) for k in ks]
    assert max(finals) > 0.9 and min(finals) < 0.01  # from mostly true inputs at the end to almost none
    rates = [protocol.Knob("log", 5e-4, 2e-3).draw(rng) for _ in range(400)]
    assert 5e-4 <= min(rates) and max(rates) <= 2e-3
    assert all(float(f"{rate:.2g}") == rate for rate in rates)  # two significant digits
    with pytest.raises(ValueError, match="unknown kind of knob"):
        protocol.Knob("normal", 0, 1).draw(rng)
    with pytest.raises(ValueError, match="unknown profile"):
        protocol.tuning_settings("huge", 1)
    assert protocol.tuning_settings("poster", 2017) == {}
